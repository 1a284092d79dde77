import type SharpModule from 'sharp';

/** sharp's factory (`sharp(input, options)`), as the default export of the package. */
export type SharpFactory = typeof SharpModule;

/**
 * Compression effort when none is asked for, for the exports and every stored image alike (the
 * stages' and the built-in models', whose PNGs the stages keep as they are): PNG zlib level 2,
 * WebP effort 2. Within 2% of sharp's defaults (PNG 6, WebP 4) in 0.5-0.85x the encoding time
 * (README, "Export encoding and CPU threads").
 */
export const defaultEncodeEffort = { png: 2, webp: 2 } as const;

let loading: Promise<SharpFactory> | undefined;

/**
 * sharp (libvips), loaded by the first image operation rather than at start-up: `validate` and
 * a run whose every job is cached never touch pixels, and never pay its ~70 ms of loading.
 * Configured once per process: one libvips thread per operation (its default is one per core,
 * per operation), so the CPU thread budget alone decides how many pixels are worked on at once;
 * no operation cache (it never hit, a stage sees each image once, and it held up to 50 MB).
 *
 * @example
 * const sharp = await loadSharp();
 * const png = await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
 */
export function loadSharp(): Promise<SharpFactory> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    sharp.concurrency(1);
    sharp.cache(false);
    return sharp;
  });
  return loading;
}
