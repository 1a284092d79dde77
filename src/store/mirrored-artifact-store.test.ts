import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileArtifactStore } from './artifact-store.ts';
import { MirroredArtifactStore } from './mirrored-artifact-store.ts';

// What every ArtifactStore promises is in artifact-store.contract.test.ts; these are the mirror's own.
const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

async function mirrored() {
  const [local, shared] = await Promise.all(
    ['local', 'shared'].map((name) => mkdtemp(join(tmpdir(), `atelier-mirror-${name}-`))),
  );
  roots.push(local!, shared!);
  const remote = new FileArtifactStore(shared!);
  return { store: new MirroredArtifactStore(local!, remote), remote, local: new FileArtifactStore(local!) };
}

describe('MirroredArtifactStore', () => {
  it('writes to both the local and the shared store', async () => {
    const { store, remote, local } = await mirrored();
    const address = await store.put(new TextEncoder().encode('rendered here'));
    expect(await local.has(address)).toBe(true);
    expect(await remote.has(address)).toBe(true);
    // Also when the shared store has it already (another worker rendered the same bytes).
    const elsewhere = new TextEncoder().encode('rendered here and elsewhere');
    await remote.put(elsewhere);
    expect(await local.has(await store.put(elsewhere))).toBe(true);
  });

  it('reads what only the shared store has from there, and keeps a local copy', async () => {
    const { store, remote, local } = await mirrored();
    const bytes = new TextEncoder().encode('rendered by another worker');
    const address = await remote.put(bytes);
    expect(await store.has(address)).toBe(true);
    expect(await local.has(address)).toBe(false);
    expect(Buffer.from((await store.get(address))!).equals(Buffer.from(bytes))).toBe(true);
    expect(await local.has(address)).toBe(true);
  });

  it('serves the shared copy when the local one is corrupt', async () => {
    const { store, local } = await mirrored();
    const bytes = new TextEncoder().encode('intact upstream');
    const address = await store.put(bytes);
    await writeFile(local.pathOf(address), 'damaged');
    expect(Buffer.from((await store.get(address))!).equals(Buffer.from(bytes))).toBe(true);
  });
});
