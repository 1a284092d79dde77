import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeS3, startFakeS3 } from '../../test/helpers/fake-s3-server.ts';
import { sha256 } from '../util/canonical-json.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';

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
  it('stores bytes under their sha256 and reads them back', async () => {
    const bytes = new TextEncoder().encode(`artifact ${Math.random()}`);
    const address = await store.put(bytes);
    expect(address).toBe(sha256(bytes));
    expect([...s3.objects.keys()]).toContain(`/renders/atelier/${address.slice(0, 2)}/${address}`);
    expect(await store.has(address)).toBe(true);
    expect(Buffer.from((await store.get(address))!)).toEqual(Buffer.from(bytes));
  });

  it('answers absent for unknown and corrupted artifacts', async () => {
    const missing = sha256(new TextEncoder().encode('never stored'));
    expect(await store.has(missing)).toBe(false);
    expect(await store.get(missing)).toBeUndefined();
    const address = await store.put(new TextEncoder().encode('to be corrupted'));
    s3.objects.set(`/renders/${store.keyOf(address)}`, Buffer.from('something else'));
    expect(await store.get(address)).toBeUndefined();
  });

  it('writes an artifact once, however many workers store it at the same time', async () => {
    const bytes = new TextEncoder().encode(`shared ${Math.random()}`);
    const before = s3.requests.filter((request) => request.method === 'PUT').length;
    const addresses = await Promise.all(Array.from({ length: 4 }, () => store.put(bytes)));
    expect(new Set(addresses).size).toBe(1);
    const puts = s3.requests.filter((request) => request.method === 'PUT').length - before;
    // Concurrent writers may all try (their HEADs raced), but put-if-absent keeps the first.
    expect(puts).toBeGreaterThanOrEqual(1);
    const putRequests = s3.requests.filter((request) => request.method === 'PUT');
    expect(putRequests.every((request) => request.ifNoneMatch === '*')).toBe(true);
    expect(await store.put(bytes)).toBe(addresses[0]);
    expect(s3.requests.filter((request) => request.method === 'PUT').length - before).toBe(puts);
  });
});
