import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EsrganSize, esrganModelDirectory, esrganScales, esrganVariant } from './esrgan-variant.ts';

/**
 * The weight files a model id can use, in a fixed order: for x2 then x4, `model.json` and then
 * its shards as the manifest lists them. This is what the lockfile's sha256 covers.
 */
export function esrganWeightFiles(size: EsrganSize): string[] {
  return esrganScales.flatMap((scale) => {
    const directory = esrganModelDirectory(esrganVariant(size, scale));
    const manifest = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8')) as {
      weightsManifest?: Array<{ paths: string[] }>;
    };
    const shards = (manifest.weightsManifest ?? []).flatMap((group) => group.paths);
    return [join(directory, 'model.json'), ...shards.map((shard) => join(directory, shard))];
  });
}

/**
 * Atelier's own upscaler code (conversion, engines, tiling, blending), sorted: pinned in the
 * lock beside the weights because it decides the output bytes as much as they do.
 */
export function esrganImplementationFiles(): string[] {
  const directory = fileURLToPath(new URL('.', import.meta.url));
  return readdirSync(directory)
    .filter((name) => /\.(ts|mjs)$/.test(name) && !/\.test\.ts$/.test(name))
    .sort()
    .map((name) => join(directory, name));
}
