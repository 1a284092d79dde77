import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic-write.ts';
import type { ArtifactStore } from './artifact-store.ts';

/**
 * `jpeg`: fits inside `size x size` on white (reports, contact sheets: small, no alpha).
 * `webp`: `size` pixels wide (the studio's gallery, which lays images out by width).
 */
export type PreviewFormat = 'jpeg' | 'webp';

/**
 * Downscaled previews of stored artifacts, the one cache for reports, contact sheets and the
 * studio, kept by (format, size, address) beside the store: artifacts are immutable, so a
 * preview made once is right forever and every later report, re-run or page view reuses it.
 */
export class PreviewCache {
  constructor(
    private readonly store: ArtifactStore,
    readonly root: string,
  ) {}

  async get(address: string, size: number, format: PreviewFormat = 'jpeg'): Promise<Buffer | undefined> {
    const path = join(this.root, `${format}-${size}`, address.slice(0, 2), `${address}.${format}`);
    try {
      return await readFile(path);
    } catch {
      // Not rendered yet.
    }
    const bytes = await this.store.get(address);
    if (!bytes) return undefined;
    const preview =
      format === 'jpeg'
        ? await sharp(bytes)
            .resize(size, size, { fit: 'inside', withoutEnlargement: true })
            .flatten({ background: '#ffffff' })
            .jpeg({ quality: 78 })
            .toBuffer()
        : await sharp(bytes)
            .resize({ width: size, withoutEnlargement: true })
            .webp({ quality: 82 })
            .toBuffer();
    await writeFileAtomic(path, preview, { durable: false });
    return preview;
  }
}
