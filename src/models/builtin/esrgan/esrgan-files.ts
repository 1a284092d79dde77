import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
