import { join } from 'node:path';
import { Ledger } from '../ledger/ledger.ts';
import { FileArtifactStore } from '../store/artifact-store.ts';
import { ThumbnailCache } from '../store/thumbnails.ts';

/** A project's state folder (`.atelier/`): the ledger database and the artifact store. */
export interface Workspace {
  readonly projectDirectory: string;
  readonly stateDirectory: string;
  readonly ledger: Ledger;
  readonly store: FileArtifactStore;
  readonly thumbnails: ThumbnailCache;
  close(): void;
}

export function stateDirectoryOf(projectDirectory: string): string {
  return join(projectDirectory, '.atelier');
}

export function openWorkspace(projectDirectory: string): Workspace {
  const stateDirectory = stateDirectoryOf(projectDirectory);
  const ledger = new Ledger(join(stateDirectory, 'atelier.db'));
  const store = new FileArtifactStore(join(stateDirectory, 'artifacts'));
  const thumbnails = new ThumbnailCache(store, join(stateDirectory, 'thumbnails'));
  return { projectDirectory, stateDirectory, ledger, store, thumbnails, close: () => ledger.close() };
}
