import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from './artifact-store.ts';

/**
 * One ArtifactStore, fresh and empty, with the two ways into its backing storage the contract
 * needs to check what the interface promises beyond put/get/has.
 */
export interface ArtifactStoreHarness {
  readonly store: ArtifactStore;
  /** Replaces the stored copy at an address with other bytes, behind the store's back. */
  corrupt(address: string, bytes: Uint8Array): Promise<void>;
  /**
   * Something that identifies the stored copy (a file's inode and mtime, an object's version):
   * it changes whenever the copy is written again, even with the same bytes.
   */
  revision(address: string): Promise<string>;
  cleanup(): Promise<void>;
}

const encode = (text: string) => new TextEncoder().encode(text);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const same = (actual: Uint8Array | undefined, expected: Uint8Array) => {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(Buffer.from(actual!).equals(Buffer.from(expected))).toBe(true);
};

/**
 * The promises of the ArtifactStore interface, run against one implementation: content
 * addressing by sha256, idempotent writes (stored once), exact reads, absence and corruption
 * read as undefined, concurrent writers of the same bytes. Call it from a test file once per
 * implementation, each with its own `makeStore` (a fresh store per test).
 *
 * @example describeArtifactStoreContract('FileArtifactStore', async () => fileStoreHarness());
 */
export function describeArtifactStoreContract(
  name: string,
  makeStore: () => Promise<ArtifactStoreHarness>,
): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let harness: ArtifactStoreHarness;
    let store: ArtifactStore;
    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterEach(async () => {
      await harness?.cleanup();
    });

    it('put returns the sha256 of the bytes, as lowercase hex', async () => {
      expect(await store.put(encode('abc'))).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
      const binary = Uint8Array.from({ length: 256 }, (_, index) => index);
      expect(await store.put(binary)).toBe(sha256(binary));
    });

    it('get returns exactly the bytes that were put: binary, empty, a view into a larger buffer', async () => {
      const binary = Uint8Array.from({ length: 70_000 }, (_, index) => (index * 7919) % 256);
      const empty = new Uint8Array(0);
      const view = new Uint8Array(binary.buffer, 1000, 300);
      for (const bytes of [binary, empty, view]) {
        const address = await store.put(bytes);
        expect(address).toBe(sha256(bytes));
        same(await store.get(address), bytes);
      }
    });

    it('has answers true for stored bytes and false for an address never stored', async () => {
      const address = await store.put(encode('stored'));
      expect(await store.has(address)).toBe(true);
      expect(await store.has(sha256(encode('never stored')))).toBe(false);
    });

    it('get answers undefined for an address never stored', async () => {
      await store.put(encode('something else'));
      expect(await store.get(sha256(encode('never stored')))).toBeUndefined();
    });

    it('putting the same bytes again gives the same address, no error, and does not write them again', async () => {
      const bytes = encode('the same render');
      const address = await store.put(bytes);
      const stored = await harness.revision(address);
      // Equal content in another buffer: addressed by content, not by identity.
      expect(await store.put(Uint8Array.from(bytes))).toBe(address);
      expect(await store.put(bytes)).toBe(address);
      expect(await harness.revision(address)).toBe(stored);
      same(await store.get(address), bytes);
    });

    it('different bytes get different addresses, each reading back its own bytes', async () => {
      const first = encode('first');
      const second = encode('second');
      const [a, b] = [await store.put(first), await store.put(second)];
      expect(a).not.toBe(b);
      same(await store.get(a), first);
      same(await store.get(b), second);
    });

    it('keeps its own copy: changing the buffer after put does not change what get returns', async () => {
      const bytes = encode('mutable buffer');
      const original = Uint8Array.from(bytes);
      const address = await store.put(bytes);
      bytes.fill(0);
      same(await store.get(address), original);
    });

    it('concurrent puts of the same bytes all succeed with the same address', async () => {
      const bytes = Uint8Array.from({ length: 50_000 }, (_, index) => (index * 31) % 251);
      const addresses = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)));
      expect(new Set(addresses)).toEqual(new Set([sha256(bytes)]));
      expect(await store.has(addresses[0]!)).toBe(true);
      same(await store.get(addresses[0]!), bytes);
    });

    it('get answers undefined when the stored bytes no longer match their address', async () => {
      const address = await store.put(encode('to be corrupted'));
      await harness.corrupt(address, encode('something else entirely'));
      expect(await store.get(address)).toBeUndefined();
    });
  });
}
