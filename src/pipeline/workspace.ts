import { join } from 'node:path';
import { Ledger } from '../ledger/ledger.ts';
import { type ArtifactStore, FileArtifactStore } from '../store/artifact-store.ts';
import { DerivedArtifacts } from '../store/derived-artifacts.ts';
import { MirroredArtifactStore } from '../store/mirrored-artifact-store.ts';
import { PreviewCache } from '../store/preview-cache.ts';

/** A project's state folder (`.atelier/`): the ledger database and the artifact store. */
export interface Workspace {
  readonly projectDirectory: string;
  readonly stateDirectory: string;
  readonly ledger: Ledger;
  readonly store: FileArtifactStore;
  /** Downscaled previews for reports, contact sheets and the studio. */
  readonly previews: PreviewCache;
  /** Files drawn from artifacts (contact sheets), reused by a key over their inputs. */
  readonly derived: DerivedArtifacts;
  close(): void;
}

export function stateDirectoryOf(projectDirectory: string): string {
  return join(projectDirectory, '.atelier');
}

/** `remote`: a shared store (S3) the local store mirrors, for runs whose workers share no mount. */
export function openWorkspace(projectDirectory: string, options: { remote?: ArtifactStore } = {}): Workspace {
  const stateDirectory = stateDirectoryOf(projectDirectory);
  const ledger = new Ledger(join(stateDirectory, 'atelier.db'));
  const root = join(stateDirectory, 'artifacts');
  const store = options.remote
    ? new MirroredArtifactStore(root, options.remote)
    : new FileArtifactStore(root);
  const previews = new PreviewCache(store, join(stateDirectory, 'previews'));
  const derived = new DerivedArtifacts(store, join(stateDirectory, 'derived'));
  return { projectDirectory, stateDirectory, ledger, store, previews, derived, close: () => ledger.close() };
}
