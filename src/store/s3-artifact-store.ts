import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { AtelierError } from '../errors.ts';
import { sha256 } from '../util/canonical-json.ts';
import type { ArtifactStore } from './artifact-store.ts';

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix, e.g. `atelier/artifacts/`; empty by default. */
  prefix?: string;
  /** An S3-compatible endpoint (MinIO, R2, Ceph...); AWS's own when absent. */
  endpoint?: string;
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers want. */
  forcePathStyle?: boolean;
  /** Static credentials; otherwise the AWS SDK's default chain (environment, profile...). */
  credentials?: S3ClientConfig['credentials'];
}

/**
 * A content-addressed artifact store in an S3-compatible bucket, for workers that share no
 * filesystem: `<prefix><ab>/<sha256>`. Writes are put-if-absent (`If-None-Match: *`), so two
 * workers storing the same artifact is harmless, and an object is never visible half-written.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;

  constructor(private readonly options: S3ArtifactStoreOptions) {
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials: options.credentials,
      // Plain checksums only when S3 requires them: many S3-compatible servers reject the
      // newer default (streamed trailing checksums).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  keyOf(address: string): string {
    if (!/^[0-9a-f]{64}$/.test(address))
      throw new RangeError(`Expected a sha256 artifact address but received "${address}"`);
    return `${this.options.prefix ?? ''}${address.slice(0, 2)}/${address}`;
  }

  async put(bytes: Uint8Array): Promise<string> {
    const address = sha256(bytes);
    if (await this.has(address)) return address;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.keyOf(address),
          Body: bytes,
          ContentType: 'application/octet-stream',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      // Someone stored the same bytes first (412), or is storing them now (409): same address.
      if (!(isStatus(error, 412) || isStatus(error, 409))) throw error;
    }
    return address;
  }

  async get(address: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(address) }),
      );
      const bytes = await response.Body?.transformToByteArray();
      return bytes && sha256(bytes) === address ? bytes : undefined;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async has(address: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(address) }),
      );
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === status;
}

/**
 * Parses `s3://bucket/prefix/?endpoint=http://host:9000&region=eu-west-1` (credentials come
 * from the AWS SDK's default chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY...).
 */
export function s3StoreFromUrl(text: string): S3ArtifactStore {
  const url = new URL(text);
  if (url.protocol !== 's3:' || !url.hostname)
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `Expected an artifact store like "s3://bucket/prefix/" but received "${text}"`,
    );
  const prefix = url.pathname.replace(/^\//, '');
  return new S3ArtifactStore({
    bucket: url.hostname,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    endpoint: url.searchParams.get('endpoint') ?? undefined,
    region: url.searchParams.get('region') ?? undefined,
  });
}
