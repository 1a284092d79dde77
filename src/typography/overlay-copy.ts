import { z } from 'zod';
import { loadSharp } from '../util/sharp.ts';
import { defaultFontPackage, selectFontFaces } from './brand-font.ts';
import {
  contrastRatio,
  hexColour,
  measureTextContrast,
  minimumTextContrast,
  parseHexColour,
  relativeLuminance,
  type TextContrast,
} from './contrast.ts';
import {
  type Copy,
  type CopyFonts,
  type CopyLayout,
  type CopyLayoutParams,
  planCopyLayout,
  type Rectangle,
} from './copy-layout.ts';
import { type ContrastRemedy, renderCopyLayer } from './render-copy-layer.ts';

/** How copy is coloured and kept legible. */
export const copyStyleSchema = z.strictObject({
  /** `auto` picks near-white or near-black, whichever stands out more from the background. */
  color: z
    .union([
      z.literal('auto'),
      z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected "auto" or a hex colour like "#1A2B3C"'),
    ])
    .default('auto'),
  contrast: z
    .strictObject({
      /** WCAG ratio the text must reach against what is behind it (4.5 = AA for normal text). */
      minimum: z.number().min(1).max(21).default(minimumTextContrast),
      /** What to add until it does: a translucent panel behind the copy, or a soft glow around the letters. */
      remedy: z.enum(['scrim', 'shadow']).default('scrim'),
    })
    .prefault({}),
  /** Headline weight; the sub-line is set at 400 and the call-to-action at 600 (nearest the font has). */
  headlineWeight: z.number().int().min(100).max(900).multipleOf(100).default(700),
});
export type CopyStyle = z.infer<typeof copyStyleSchema>;

export interface OverlayFonts {
  /** `@fontsource/*` package for the headline. */
  readonly headline?: string;
  /** `@fontsource/*` package for sub-line and call-to-action (default: the headline's). */
  readonly body?: string;
}

export interface OverlayResult {
  /** The composed image, raw pixels. */
  readonly pixels: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /** The part of the image the copy (and any scrim) covers. */
  readonly region: Rectangle;
  readonly layout: CopyLayout;
  readonly fonts: CopyFonts;
  readonly textColour: string;
  readonly contrast: {
    readonly minimum: number;
    /** Measured on the plain copy, before any remedy. */
    readonly before: TextContrast;
    /** Measured on the final image. */
    readonly after: TextContrast;
    readonly remedy: ContrastRemedy;
    readonly passed: boolean;
  };
}

const white = '#FFFFFF';
const nearBlack = '#111111';
const black = '#000000';
const scrimOpacities = [0.35, 0.5, 0.65, 0.8, 0.92, 1];
/** Halo blur radii as fractions of the headline size. */
const shadowStrengths = [
  { blur: 0.12, opacity: 0.85 },
  { blur: 0.18, opacity: 1 },
  { blur: 0.25, opacity: 1 },
];

/**
 * Typesets the exact copy onto an image: fonts from `@fontsource/*` packages, layout fitted to
 * the safe area, then the text/background contrast is measured over the text's area and a
 * scrim or shadow is strengthened step by step until it reaches the minimum. Same inputs,
 * same pixels.
 *
 * @example
 * const result = await overlayCopy({ image, copy: { headline: 'Spring into colour' }, fonts: {},
 *   layout: copyLayoutSchema.parse({}), style: copyStyleSchema.parse({}) });
 */
export async function overlayCopy(input: {
  readonly image: Uint8Array;
  readonly copy: Copy;
  readonly fonts: OverlayFonts;
  readonly layout: CopyLayoutParams;
  readonly style: CopyStyle;
}): Promise<OverlayResult> {
  const sharp = await loadSharp();
  const { copy, style } = input;
  const source = sharp(input.image).removeAlpha();
  const { data: base, info } = await source.raw().toBuffer({ resolveWithObject: true });
  const size = { width: info.width, height: info.height };
  const headlinePackage = input.fonts.headline ?? defaultFontPackage;
  const bodyPackage = input.fonts.body ?? headlinePackage;
  const fonts: CopyFonts = {
    headline: await selectFontFaces(headlinePackage, style.headlineWeight, copy.headline),
    subline: await selectFontFaces(bodyPackage, 400, copy.subline ?? ''),
    callToAction: await selectFontFaces(bodyPackage, 600, copy.callToAction ?? ''),
  };
  const layout = await planCopyLayout(copy, fonts, size, input.layout);
  const padding = Math.round(layout.headline.fontSize * 0.45);
  const region = clampRectangle(
    {
      x: layout.block.x - padding,
      y: layout.block.y - padding,
      width: layout.block.width + 2 * padding,
      height: layout.block.height + 2 * padding,
    },
    size,
  );
  const behind = extract(base, size.width, 3, region);
  const textColour =
    style.color === 'auto' ? autoTextColour(behind, layout, region) : style.color.toUpperCase();
  const text = parseHexColour(textColour);
  const textLuminance = relativeLuminance(text.r, text.g, text.b);
  const backdropColour = contrastRatio(textLuminance, 0) >= contrastRatio(textLuminance, 1) ? black : white;
  // The ring measured around the letters: about a third of a bold stroke's width.
  const radius = Math.max(2, Math.round(layout.headline.fontSize * 0.06));

  const glyphs = await renderCopyLayer(layout, fonts, region, {
    textColour,
    backdropColour,
    remedy: { kind: 'none' },
    content: 'text',
  });
  const glyphAlpha = alphaPlane(glyphs.pixels);
  const measure = async (remedy: ContrastRemedy) => {
    const layer = await renderCopyLayer(layout, fonts, region, {
      textColour,
      backdropColour,
      remedy,
      content: 'all',
    });
    const composed = await sharp(behind, { raw: { width: region.width, height: region.height, channels: 3 } })
      .composite([{ input: layer.png }])
      .raw()
      .toBuffer({ resolveWithObject: true });
    const contrast = measureTextContrast({
      image: composed.data,
      channels: composed.info.channels,
      glyphAlpha,
      width: region.width,
      height: region.height,
      textColour: text,
      radius,
    });
    return { layer, contrast };
  };

  const before = await measure({ kind: 'none' });
  let chosen = { remedy: { kind: 'none' } as ContrastRemedy, ...before };
  if (before.contrast.ratio < style.contrast.minimum) {
    const fontSize = layout.headline.fontSize;
    const remedies: ContrastRemedy[] = [
      ...(style.contrast.remedy === 'shadow'
        ? shadowStrengths.map(({ blur, opacity }) => ({
            kind: 'shadow' as const,
            blur: Math.max(1, Math.round(blur * fontSize)),
            opacity,
          }))
        : []),
      // A shadow that is not enough falls back to a scrim: legibility comes first.
      ...scrimOpacities.map((opacity) => ({ kind: 'scrim' as const, opacity })),
    ];
    for (const remedy of remedies) {
      chosen = { remedy, ...(await measure(remedy)) };
      if (chosen.contrast.ratio >= style.contrast.minimum) break;
    }
  }

  // Composited, the image gains an alpha channel; it is fully opaque, so it is dropped again.
  const composed = await sharp(base, { raw: { width: size.width, height: size.height, channels: 3 } })
    .composite([{ input: chosen.layer.png, left: region.x, top: region.y }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = await sharp(composed.data, { raw: composed.info }).removeAlpha().raw().toBuffer();
  const after = measureTextContrast({
    image: extract(pixels, size.width, 3, region),
    channels: 3,
    glyphAlpha,
    width: region.width,
    height: region.height,
    textColour: text,
    radius,
  });
  return {
    pixels,
    width: size.width,
    height: size.height,
    channels: 3,
    region,
    layout,
    fonts,
    textColour,
    contrast: {
      minimum: style.contrast.minimum,
      before: before.contrast,
      after,
      remedy: chosen.remedy,
      passed: after.ratio >= style.contrast.minimum,
    },
  };
}

function clampRectangle(rectangle: Rectangle, image: { width: number; height: number }): Rectangle {
  const x = Math.max(0, rectangle.x);
  const y = Math.max(0, rectangle.y);
  return {
    x,
    y,
    width: Math.min(image.width, rectangle.x + rectangle.width) - x,
    height: Math.min(image.height, rectangle.y + rectangle.height) - y,
  };
}

/** Copies a rectangle out of raw interleaved pixels. */
export function extract(pixels: Uint8Array, width: number, channels: number, region: Rectangle): Buffer {
  const out = Buffer.alloc(region.width * region.height * channels);
  for (let row = 0; row < region.height; row++) {
    const from = ((region.y + row) * width + region.x) * channels;
    out.set(pixels.subarray(from, from + region.width * channels), row * region.width * channels);
  }
  return out;
}

function alphaPlane(rgba: Uint8Array): Uint8Array {
  const alpha = new Uint8Array(rgba.length / 4);
  for (let index = 0; index < alpha.length; index++) alpha[index] = rgba[index * 4 + 3]!;
  return alpha;
}

/** Near-white or near-black, whichever contrasts more with the median luminance behind the block. */
function autoTextColour(behind: Uint8Array, layout: CopyLayout, region: Rectangle): string {
  const luminances: number[] = [];
  const block = layout.block;
  for (let y = block.y - region.y; y < block.y - region.y + block.height; y += 2) {
    for (let x = block.x - region.x; x < block.x - region.x + block.width; x += 2) {
      const offset = (y * region.width + x) * 3;
      luminances.push(relativeLuminance(behind[offset]!, behind[offset + 1]!, behind[offset + 2]!));
    }
  }
  luminances.sort((a, b) => a - b);
  const median = luminances[Math.floor(luminances.length / 2)] ?? 0.5;
  const light = parseHexColour(white);
  const dark = parseHexColour(nearBlack);
  return contrastRatio(relativeLuminance(light.r, light.g, light.b), median) >=
    contrastRatio(relativeLuminance(dark.r, dark.g, dark.b), median)
    ? white
    : hexColour(dark);
}
