import { type ArtifactStore, FileArtifactStore } from '../../store/artifact-store.ts';

/** A folder path, or an `s3://` URL for workers that share no filesystem. */
export async function storeFromOption(value: string): Promise<ArtifactStore> {
  if (!value.startsWith('s3://')) return new FileArtifactStore(value);
  // Loaded on demand: the AWS SDK is heavy and only S3 users need it.
  const { s3StoreFromUrl } = await import('../../store/s3-artifact-store.ts');
  return s3StoreFromUrl(value);
}
