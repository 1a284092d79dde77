import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { copyFileAtomic, writeFileAtomic } from '../util/atomic-write.ts';
import { sha256 } from '../util/canonical-json.ts';

/**
 * Where artifacts live, addressed by the sha256 of their bytes. Writing the same bytes twice
 * is harmless (same address, atomic replace), which is what lets retried or duplicated jobs
 * stay idempotent. A shared-mount or S3 store implements the same contract for scale-out.
 */
export interface ArtifactStore {
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes, or undefined if absent or no longer matching their address (corrupt). */
  get(address: string): Promise<Uint8Array | undefined>;
  has(address: string): Promise<boolean>;
}

/** A content-addressed store on the local filesystem: `<root>/<ab>/<sha256>`. */
export class FileArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  pathOf(address: string): string {
    if (!/^[0-9a-f]{64}$/.test(address))
      throw new RangeError(`Expected a sha256 artifact address but received "${address}"`);
    return join(this.root, address.slice(0, 2), address);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const address = sha256(bytes);
    // Its own file, not `this.has`: a subclass's has may answer for other stores too.
    if (!(await this.isStoredFile(address))) await writeFileAtomic(this.pathOf(address), bytes);
    return address;
  }

  async get(address: string): Promise<Uint8Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(address));
    } catch {
      return undefined;
    }
    return sha256(bytes) === address
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : undefined;
  }

  async has(address: string): Promise<boolean> {
    return this.isStoredFile(address);
  }

  /**
   * Writes a stored artifact to `path` (atomically, not fsynced: a run folder's copy can be made
   * again) without reading it into the process: the kernel copies, or clones where the file
   * system can. Objects are written once, atomically, under their sha256, so the copy is checked
   * by its length only; one that differs is replaced from the verified bytes (`get`). False when
   * the artifact is not stored.
   */
  async copyTo(address: string, path: string, byteLength: number): Promise<boolean> {
    if (await this.isStoredFile(address)) {
      await copyFileAtomic(this.pathOf(address), path);
      if ((await stat(path)).size === byteLength) return true;
    }
    const bytes = await this.get(address);
    if (!bytes) return false;
    await writeFileAtomic(path, bytes, { durable: false });
    return true;
  }

  protected async isStoredFile(address: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(address))).isFile();
    } catch {
      return false;
    }
  }
}
