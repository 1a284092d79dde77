import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic-write.ts';
import type { ArtifactStore } from './artifact-store.ts';

/**
 * JPEG previews of stored artifacts, cached by (address, size) beside the store: artifacts are
 * immutable, so a preview made once is right forever, and reports and re-runs reuse it.
 */
export class ThumbnailCache {
  constructor(
    private readonly store: ArtifactStore,
    readonly root: string,
  ) {}

  async get(address: string, size: number): Promise<Buffer | undefined> {
    const path = join(this.root, String(size), `${address}.jpg`);
    try {
      return await readFile(path);
    } catch {
      const bytes = await this.store.get(address);
      if (!bytes) return undefined;
      const thumbnail = await sharp(bytes)
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 78 })
        .toBuffer();
      await writeFileAtomic(path, thumbnail, { durable: false });
      return thumbnail;
    }
  }
}
