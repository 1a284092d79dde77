import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeS3, startFakeS3 } from '../../test/helpers/fake-s3-server.ts';
import { type ArtifactStoreHarness, describeArtifactStoreContract } from './artifact-store.contract.ts';
import { FileArtifactStore } from './artifact-store.ts';
import { MirroredArtifactStore } from './mirrored-artifact-store.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A file's identity: a rewrite (temporary file renamed over it) changes the inode. */
async function fileRevision(path: string): Promise<string> {
  const { ino, mtimeNs } = await stat(path, { bigint: true });
  return `${ino}:${mtimeNs}`;
}

async function temporaryRoot(): Promise<{ root: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'atelier-store-'));
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

/** An S3 store on its own fake server; each object written gets a new Buffer there. */
async function s3Store(): Promise<{
  store: S3ArtifactStore;
  s3: FakeS3;
  corrupt: (address: string, bytes: Uint8Array) => void;
  revision: (address: string) => string;
  close: () => Promise<void>;
}> {
  const s3 = await startFakeS3();
  const store = new S3ArtifactStore({
    bucket: 'renders',
    prefix: 'atelier/',
    endpoint: s3.endpoint,
    credentials,
  });
  const objectPath = (address: string) => `/renders/${store.keyOf(address)}`;
  const ids = new WeakMap<Buffer, number>();
  let next = 0;
  return {
    store,
    s3,
    corrupt: (address, bytes) => {
      s3.objects.set(objectPath(address), Buffer.from(bytes));
    },
    revision: (address) => {
      const object = s3.objects.get(objectPath(address));
      if (!object) return 'absent';
      if (!ids.has(object)) ids.set(object, ++next);
      return `object ${ids.get(object)}`;
    },
    close: async () => {
      store.close();
      await s3.close();
    },
  };
}

describeArtifactStoreContract('FileArtifactStore', async (): Promise<ArtifactStoreHarness> => {
  const { root, remove } = await temporaryRoot();
  const store = new FileArtifactStore(root);
  return {
    store,
    corrupt: (address, bytes) => writeFile(store.pathOf(address), bytes),
    revision: (address) => fileRevision(store.pathOf(address)),
    cleanup: remove,
  };
});

describeArtifactStoreContract('S3ArtifactStore (AWS SDK client, fake S3)', async () => {
  const remote = await s3Store();
  return {
    store: remote.store,
    corrupt: async (address, bytes) => remote.corrupt(address, bytes),
    revision: async (address) => remote.revision(address),
    cleanup: remote.close,
  };
});

describeArtifactStoreContract('MirroredArtifactStore (files in front of S3)', async () => {
  const { root, remove } = await temporaryRoot();
  const remote = await s3Store();
  const store = new MirroredArtifactStore(root, remote.store);
  return {
    store,
    // Both copies: either one intact would (rightly) still be served.
    corrupt: async (address, bytes) => {
      await writeFile(store.pathOf(address), bytes);
      remote.corrupt(address, bytes);
    },
    revision: async (address) => `${await fileRevision(store.pathOf(address))} ${remote.revision(address)}`,
    cleanup: async () => {
      await remote.close();
      await remove();
    },
  };
});
