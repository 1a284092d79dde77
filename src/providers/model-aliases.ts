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
