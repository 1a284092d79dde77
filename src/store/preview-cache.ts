import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic-write.ts';
import type { ArtifactStore } from './artifact-store.ts';

/**
 * `jpeg`: fits inside `size x size` on white (reports, contact sheets: small, no alpha).
 * `webp`: `size` pixels wide (the studio's gallery, which lays images out by width).
 */
export type PreviewFormat = 'jpeg' | 'webp';

/**
 * Renders at once in this process, across every cache. sharp decodes, resizes and encodes on
 * libuv's worker threads, never the event loop; the limit keeps those few threads (4 by default,
 * shared with file reads) from filling with a gallery's worth of renders while the reads other
 * requests wait on queue behind them.
 */
const renders = pLimit(Math.max(1, availableParallelism()));

/**
 * Downscaled previews of stored artifacts, the one cache for reports, contact sheets and the
 * studio, kept by (format, size, address) beside the store: artifacts are immutable, so a
 * preview made once is right forever and every later report, re-run or page view reuses it.
 * Requests for a preview that is being rendered wait for that render instead of starting another.
 */
export class PreviewCache {
  private readonly rendering = new Map<string, Promise<Buffer | undefined>>();

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
    let render = this.rendering.get(path);
    if (!render) {
      render = renders(() => this.render(address, size, format, path)).finally(() =>
        this.rendering.delete(path),
      );
      this.rendering.set(path, render);
    }
    return render;
  }

  private async render(
    address: string,
    size: number,
    format: PreviewFormat,
    path: string,
  ): Promise<Buffer | undefined> {
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
