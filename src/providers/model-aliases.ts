/**
 * The seed models by their everyday names, each with a default route. A config can re-route
 * any of them (or add its own) under `aliases`, e.g. `sdxl: replicate:stability-ai/sdxl@<version>`.
 */
export const defaultModelAliases: Readonly<Record<string, string>> = {
  'sd3.5-large-turbo': 'fal:fal-ai/stable-diffusion-v35-large/turbo',
  sdxl: 'fal:fal-ai/fast-sdxl',
  'imagen-4': 'google:imagen-4.0-generate-001',
  'dall-e-3': 'openai:dall-e-3',
  'ideogram-v2-turbo': 'fal:fal-ai/ideogram/v2/turbo',
};

/** True when the text is an alias name rather than a `provider:modelId` reference. */
export function isAliasName(text: string): boolean {
  return !text.includes(':');
}

/**
 * The reference an alias routes to, config aliases first.
 *
 * @example resolveModelAlias('sdxl', {}) // 'fal:fal-ai/fast-sdxl'
 */
export function resolveModelAlias(
  name: string,
  overrides: Readonly<Record<string, string>> | undefined,
  defaults: Readonly<Record<string, string>> = defaultModelAliases,
): string | undefined {
  const key = name.trim();
  return overrides?.[key] ?? defaults[key];
}
