import type { ImageModelV3, ImageModelV3CallOptions, SharedV3Warning } from '@ai-sdk/provider';
import sharp from 'sharp';
import { defaultEncodeEffort } from '../../../util/sharp.ts';
import { defaultDraftPalette, draftCompositionSvg, draftGrain } from './draft-composition.ts';

/** Long edge used when only an aspect ratio (or nothing) is requested. */
const defaultLongEdge = 1024;
const maximumEdge = 8192;

export interface DraftCallSettings {
  palette?: string[];
}

/**
 * `builtin:draft`: a seeded, deterministic procedural composition renderer exposed as an AI SDK
 * ImageModelV3, so a stage uses it exactly as it would use a remote model. It is a layout
 * stand-in for offline runs, demos and CI, not a generative model.
 *
 * Palette comes through `providerOptions.builtin.palette`; the compose stage passes the
 * brand palette there.
 */
export class DraftImageModel implements ImageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'builtin';
  readonly modelId = 'draft';
  readonly maxImagesPerCall = 4;

  async doGenerate(options: ImageModelV3CallOptions) {
    const warnings: SharedV3Warning[] = [];
    if (options.files && options.files.length > 0) {
      warnings.push({ type: 'unsupported', feature: 'files', details: 'builtin:draft ignores input images' });
    }
    const { width, height } = resolveDraftSize(options.size, options.aspectRatio);
    const settings = (options.providerOptions?.builtin ?? {}) as DraftCallSettings;
    const palette =
      Array.isArray(settings.palette) && settings.palette.length >= 2
        ? settings.palette
        : [...defaultDraftPalette];
    const baseSeed = options.seed ?? 0;
    const images: Uint8Array[] = [];
    for (let index = 0; index < options.n; index++) {
      options.abortSignal?.throwIfAborted();
      images.push(
        await renderDraft({ prompt: options.prompt ?? '', seed: baseSeed + index, width, height, palette }),
      );
    }
    return {
      images,
      warnings,
      response: { timestamp: new Date(), modelId: this.modelId, headers: undefined },
    };
  }
}

export function resolveDraftSize(
  size: string | undefined,
  aspectRatio: string | undefined,
): { width: number; height: number } {
  if (size) {
    const [width, height] = size.split('x').map(Number) as [number, number];
    return { width: clampEdge(width), height: clampEdge(height) };
  }
  if (aspectRatio) {
    const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
    return w >= h
      ? { width: defaultLongEdge, height: clampEdge(Math.round((defaultLongEdge * h) / w)) }
      : { width: clampEdge(Math.round((defaultLongEdge * w) / h)), height: defaultLongEdge };
  }
  return { width: defaultLongEdge, height: defaultLongEdge };
}

function clampEdge(edge: number): number {
  if (!Number.isInteger(edge) || edge < 8 || edge > maximumEdge) {
    throw new RangeError(`Expected an image edge between 8 and ${maximumEdge} pixels but received ${edge}`);
  }
  return edge;
}

export async function renderDraft(input: {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  palette: readonly string[];
}): Promise<Uint8Array> {
  const svg = draftCompositionSvg(input);
  const grain = draftGrain(input.seed, input.width, input.height);
  const png = await sharp(Buffer.from(svg))
    .composite([
      { input: grain, raw: { width: input.width, height: input.height, channels: 1 }, blend: 'soft-light' },
    ])
    .removeAlpha()
    .png({ compressionLevel: defaultEncodeEffort.png })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
