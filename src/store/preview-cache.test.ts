import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { type ArtifactStore, FileArtifactStore } from './artifact-store.ts';
import { PreviewCache } from './preview-cache.ts';

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

/** A file store that counts reads and how many are in flight at once (the start of a render). */
async function countingStore() {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-previews-'));
  directories.push(directory);
  const inner = new FileArtifactStore(join(directory, 'artifacts'));
  const counts = { reads: 0, inFlight: 0, mostInFlight: 0 };
  const store: ArtifactStore = {
    put: (bytes) => inner.put(bytes),
    has: (address) => inner.has(address),
    async get(address) {
      counts.reads++;
      counts.inFlight++;
      counts.mostInFlight = Math.max(counts.mostInFlight, counts.inFlight);
      try {
        // Long enough for every request of a burst to arrive while the read is pending.
        await new Promise((resolve) => setTimeout(resolve, 20));
        return await inner.get(address);
      } finally {
        counts.inFlight--;
      }
    },
  };
  return { store, counts, previews: new PreviewCache(store, join(directory, 'previews')) };
}

const image = (seed: number) =>
  sharp({ create: { width: 400, height: 300, channels: 3, background: { r: seed, g: 90, b: 160 } } })
    .png()
    .toBuffer();

describe('PreviewCache', () => {
  it('renders a preview asked for many times at once only once, then serves it from disk', async () => {
    const { store, counts, previews } = await countingStore();
    const address = await store.put(await image(1));
    const answers = await Promise.all(Array.from({ length: 8 }, () => previews.get(address, 200, 'webp')));
    expect(counts.reads).toBe(1);
    for (const answer of answers) expect(answer?.equals(answers[0]!)).toBe(true);
    expect((await sharp(answers[0]!).metadata()).width).toBe(200);
    await previews.get(address, 200, 'webp');
    expect(counts.reads).toBe(1);
  });

  it('renders at most one preview per core at once, however many are asked for', async () => {
    const { store, counts, previews } = await countingStore();
    const addresses = await Promise.all(
      Array.from({ length: 12 }, async (_, index) => store.put(await image(index))),
    );
    const answers = await Promise.all(addresses.map((address) => previews.get(address, 120, 'jpeg')));
    expect(answers.every((answer) => answer !== undefined)).toBe(true);
    expect(counts.reads).toBe(12);
    expect(counts.mostInFlight).toBeLessThanOrEqual(Math.max(1, availableParallelism()));
  });

  it('answers undefined for an artifact the store does not have, and tries again next time', async () => {
    const { store, counts, previews } = await countingStore();
    const missing = 'f'.repeat(64);
    expect(await previews.get(missing, 120)).toBeUndefined();
    expect(await previews.get(missing, 120)).toBeUndefined();
    expect(counts.reads).toBe(2);
    expect(await store.has(missing)).toBe(false);
  });
});
