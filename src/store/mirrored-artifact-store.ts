import { type ArtifactStore, FileArtifactStore } from './artifact-store.ts';

/**
 * The project's local store in front of a shared one (S3): writes go to both, reads come from
 * the local copy and fall back to the shared store, keeping what they fetch. It lets the run's
 * own process (ledger, manifests, reports, studio) work on files while workers on machines
 * without a shared mount exchange artifacts through the bucket.
 */
export class MirroredArtifactStore extends FileArtifactStore {
  constructor(
    root: string,
    readonly remote: ArtifactStore,
  ) {
    super(root);
  }

  override async put(bytes: Uint8Array): Promise<string> {
    const [address] = await Promise.all([this.remote.put(bytes), super.put(bytes)]);
    return address;
  }

  override async get(address: string): Promise<Uint8Array | undefined> {
    const local = await super.get(address);
    if (local) return local;
    const fetched = await this.remote.get(address);
    if (fetched) await super.put(fetched);
    return fetched;
  }

  override async has(address: string): Promise<boolean> {
    return (await super.has(address)) || this.remote.has(address);
  }
}
