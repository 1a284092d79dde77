import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.ts';
import type { FileArtifactStore } from './artifact-store.ts';

const keyPattern = /^[0-9a-f]{64}$/;

/**
 * Files made from other artifacts (a run's contact sheet), kept in the store and found again by
 * a key over everything they are made from: a run that comes to the same inputs reuses the file
 * instead of drawing it again. `<directory>/<key>` holds the artifact's address.
 */
export class DerivedArtifacts {
  constructor(
    private readonly store: FileArtifactStore,
    private readonly directory: string,
  ) {}

  /** The address of what was made for this key, if it is still stored. */
  async find(key: string): Promise<string | undefined> {
    let address: string;
    try {
      address = (await readFile(this.pathOf(key), 'utf8')).trim();
    } catch {
      return undefined;
    }
    return keyPattern.test(address) && (await this.store.has(address)) ? address : undefined;
  }

  /** What was made for `key` earlier, else what `make` makes now, kept for the next caller. */
  async reuseOrMake(key: string, make: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const address = await this.find(key);
    const reused = address ? await this.store.get(address) : undefined;
    if (reused) return reused;
    const bytes = await make();
    await this.remember(key, bytes);
    return bytes;
  }

  /** Stores what was made for a key; returns its address. */
  async remember(key: string, bytes: Uint8Array): Promise<string> {
    const address = await this.store.put(bytes);
    await writeFileAtomic(this.pathOf(key), `${address}\n`, { durable: false });
    return address;
  }

  private pathOf(key: string): string {
    if (!keyPattern.test(key)) throw new RangeError(`Expected a sha256 key but received "${key}"`);
    return join(this.directory, key.slice(0, 2), key);
  }
}
