import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeS3, startFakeS3 } from '../../test/helpers/fake-s3-server.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';

// What every ArtifactStore promises is in artifact-store.contract.test.ts; these are S3's own.
let s3: FakeS3;
let store: S3ArtifactStore;
beforeAll(async () => {
  s3 = await startFakeS3();
  store = new S3ArtifactStore({
    bucket: 'renders',
    prefix: 'atelier/',
    endpoint: s3.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  store?.close();
  await s3?.close();
});

describe('S3ArtifactStore through the AWS SDK client', () => {
  it('keeps an artifact at <prefix><ab>/<sha256> in the bucket', async () => {
    const address = await store.put(new TextEncoder().encode(`artifact ${Math.random()}`));
    expect([...s3.objects.keys()]).toContain(`/renders/atelier/${address.slice(0, 2)}/${address}`);
  });

  it('writes put-if-absent, and not at all once the artifact is there', async () => {
    const bytes = new TextEncoder().encode(`shared ${Math.random()}`);
    const puts = () => s3.requests.filter((request) => request.method === 'PUT');
    const before = puts().length;
    const [address] = await Promise.all(Array.from({ length: 4 }, () => store.put(bytes)));
    const written = puts().length - before;
    // Concurrent writers may all try (their HEADs raced), but put-if-absent keeps the first.
    expect(written).toBeGreaterThanOrEqual(1);
    expect(puts().every((request) => request.ifNoneMatch === '*')).toBe(true);
    expect(await store.put(bytes)).toBe(address);
    expect(puts().length - before).toBe(written);
  });
});
