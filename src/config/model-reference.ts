import { AtelierError } from '../errors.ts';

/** A parsed `provider:modelId[@version]` reference. */
export interface ModelReference {
  /** The text as written in the config. */
  readonly raw: string;
  readonly provider: string;
  readonly modelId: string;
  readonly version: string | undefined;
}

const referencePattern = /^([a-z][a-z0-9-]*):([^@\s]+?)(?:@([^@\s]+))?$/;

/**
 * Parses a model reference. Returns an explanation instead of throwing so that config
 * validation can attach it to the right field.
 *
 * @example parseModelReference('fal:fal-ai/fast-sdxl@v1') // { provider: 'fal', modelId: 'fal-ai/fast-sdxl', version: 'v1' }
 */
export function parseModelReference(raw: string): ModelReference | { error: string } {
  const match = referencePattern.exec(raw.trim());
  if (!match) {
    return { error: `expected a model reference like "provider:modelId[@version]" but found "${raw}"` };
  }
  const [, provider, modelId, version] = match;
  return { raw, provider: provider!, modelId: modelId!, version };
}

export function requireModelReference(raw: string): ModelReference {
  const parsed = parseModelReference(raw);
  if ('error' in parsed) throw new AtelierError('INVALID_ARGUMENT', parsed.error);
  return parsed;
}

export function formatModelReference(
  reference: Pick<ModelReference, 'provider' | 'modelId' | 'version'>,
): string {
  return `${reference.provider}:${reference.modelId}${reference.version ? `@${reference.version}` : ''}`;
}
