import type { LockEntry } from '../models/lock-entry.ts';
import type { CredentialAction } from './content-credentials.ts';

/** IPTC digital source types (https://cv.iptc.org/newscodes/digitalsourcetype/). */
export const digitalSourceTypes = {
  /** Made by a model trained on data: every remote image model. */
  trainedAlgorithmicMedia: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
  /** Made by an algorithm without training data: Atelier's procedural draft renderer. */
  algorithmicMedia: 'http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia',
} as const;

/** A model's lock entry as the action's software agent: its reference and pinned version. */
export function softwareAgentOf(model: LockEntry | undefined): CredentialAction['softwareAgent'] {
  if (!model) return undefined;
  // A built-in's version is Atelier's; its implementation sha256 says exactly which code ran.
  const pinned = model.sha256 ? `sha256.${model.sha256.slice(0, 12)}` : undefined;
  const version = model.version && pinned ? `${model.version}+${pinned}` : (model.version ?? pinned);
  return { name: model.reference, ...(version ? { version } : {}) };
}

/** Built-ins are procedural (not trained generators); every other provider's models are. */
export function digitalSourceTypeOf(model: LockEntry | undefined): string {
  return model?.provider === 'builtin'
    ? digitalSourceTypes.algorithmicMedia
    : digitalSourceTypes.trainedAlgorithmicMedia;
}
