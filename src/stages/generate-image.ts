import type { generateImage as aiGenerateImage } from 'ai';

/**
 * The AI SDK's `generateImage`, loaded with the first image a stage renders: the `ai` package
 * takes a good part of a second to load, and `--help`, `validate` or a run whose every job is
 * a cache hit never call it.
 */
export async function generateImage(
  options: Parameters<typeof aiGenerateImage>[0],
): ReturnType<typeof aiGenerateImage> {
  const { generateImage: generate } = await import('ai');
  return generate(options);
}
