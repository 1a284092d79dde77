import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AtelierError } from '../../../errors.ts';

/** The three ESRGAN sizes UpscalerJS publishes on npm (MIT-licensed weights). */
export type EsrganSize = 'slim' | 'medium' | 'thick';
/** Scales Atelier exposes; the packages also carry x3 and x8, which we do not offer. */
export type EsrganScale = 2 | 4;

export const esrganSizes: readonly EsrganSize[] = ['slim', 'medium', 'thick'];
export const esrganScales: readonly EsrganScale[] = [2, 4];

export interface EsrganVariant {
  readonly size: EsrganSize;
  readonly scale: EsrganScale;
  /** npm package that ships the weights, e.g. `@upscalerjs/esrgan-slim`. */
  readonly packageName: string;
  /**
   * Pixel range the network expects and produces: the RDN models (slim, medium) work on 0..255,
   * the RRDN model (thick) on 0..1 (from the packages' own model definitions).
   */
  readonly range: 255 | 1;
  /** Default context padding in input pixels around each tile (see `defaultPadding`). */
  readonly defaultPadding: number;
  /**
   * Input pixels that reach one output pixel on each side: padding at least this wide makes
   * every tile exactly what the whole image would give there, so seams need no blending.
   */
  readonly receptiveField: number;
}

/**
 * Context padding per size (input pixels), measured by the upscale tests and README table:
 * - slim: its receptive field (10), so tiles are bit-exact and the bytes do not depend on the
 *   tile size;
 * - medium: its receptive field (18), bit-exact as well (it is <= 1/255 from 4 px already);
 * - thick: its receptive field is 154 px, which would multiply the work per tile several times
 *   over; 12 px keeps the largest difference from the whole-image result at 1/255.
 */
const defaultPadding: Record<EsrganSize, number> = { slim: 10, medium: 18, thick: 12 };
const receptiveField: Record<EsrganSize, number> = { slim: 10, medium: 18, thick: 154 };

export function esrganVariant(size: EsrganSize, scale: EsrganScale): EsrganVariant {
  return {
    size,
    scale,
    packageName: `@upscalerjs/esrgan-${size}`,
    range: size === 'thick' ? 1 : 255,
    defaultPadding: defaultPadding[size],
    receptiveField: receptiveField[size],
  };
}

const require = createRequire(import.meta.url);

/**
 * The installed package's root folder. The UpscalerJS packages do not export `package.json`,
 * so `require.resolve` cannot find it; walk the same node_modules search path instead.
 */
export function esrganPackageRoot(packageName: string): string {
  for (const folder of require.resolve.paths(packageName) ?? []) {
    const root = join(folder, packageName);
    if (existsSync(join(root, 'package.json'))) return root;
  }
  throw new AtelierError(
    'MODEL_UNAVAILABLE',
    `ESRGAN weights package ${packageName} is not installed: expected it in node_modules (run npm install)`,
  );
}

/** The installed version of a weights package, as the lockfile records it. */
export function esrganPackageVersion(packageName: string): string {
  const manifest = JSON.parse(readFileSync(join(esrganPackageRoot(packageName), 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** The folder holding `model.json` and its weight shards for a variant, inside node_modules. */
export function esrganModelDirectory(variant: EsrganVariant): string {
  return join(esrganPackageRoot(variant.packageName), 'models', `x${variant.scale}`);
}
