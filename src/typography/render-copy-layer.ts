import { createRequire } from 'node:module';
import { implementationHash } from '../util/module-graph.ts';
import type { FontSelection } from './brand-font.ts';
import type { CopyFonts, CopyLayout, Rectangle, TextRun } from './copy-layout.ts';

const require = createRequire(import.meta.url);

let typesetter: { satori: string; resvg: string; implementation: string } | undefined;

/**
 * What the overlay's bytes depend on besides its inputs: the typesetter and rasteriser versions,
 * and a sha256 of our own layout, contrast and rendering code — `overlayCopy` and everything it
 * imports — so changing it invalidates cached overlays, as a built-in model's lock entry pins its
 * source.
 */
export function typesetterVersions(): { satori: string; resvg: string; implementation: string } {
  typesetter ??= {
    satori: (require('satori/package.json') as { version: string }).version,
    resvg: (require('@resvg/resvg-js/package.json') as { version: string }).version,
    implementation: implementationHash([new URL('./overlay-copy.ts', import.meta.url)]),
  };
  return typesetter;
}

/** What is drawn behind the copy to lift its contrast. */
export type ContrastRemedy =
  | { readonly kind: 'none' }
  | { readonly kind: 'scrim'; readonly opacity: number }
  | { readonly kind: 'shadow'; readonly blur: number; readonly opacity: number };

export interface CopyLayerStyle {
  /** `#RRGGBB` of headline and sub-line (and of the call-to-action's pill). */
  readonly textColour: string;
  /** `#RRGGBB` opposite the text colour: scrim, shadow and the call-to-action's text. */
  readonly backdropColour: string;
  readonly remedy: ContrastRemedy;
  /** `text` draws only headline and sub-line glyphs, nothing else: the mask contrast is measured around. */
  readonly content: 'all' | 'text';
}

export interface CopyLayer {
  /** PNG with alpha, `region` sized. */
  readonly png: Buffer;
  /** RGBA pixels of the same image. */
  readonly pixels: Buffer;
  readonly width: number;
  readonly height: number;
}

interface Element {
  type: string;
  props: { style: Record<string, unknown>; children?: Element | Element[] | string };
}

function element(style: Record<string, unknown>, children?: Element | Element[] | string): Element {
  return { type: 'div', props: { style: { display: 'flex', ...style }, children } };
}

function rgba(hex: string, opacity: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${opacity})`;
}

/**
 * Draws the laid-out copy over a transparent `region` of the image: satori turns the text into
 * vector paths with the given font files, resvg rasterises them. No system font is consulted,
 * so the pixels are the same on every machine with the same packages.
 */
export async function renderCopyLayer(
  layout: CopyLayout,
  fonts: CopyFonts,
  region: Rectangle,
  style: CopyLayerStyle,
): Promise<CopyLayer> {
  const { remedy } = style;
  // A halo rather than a drop shadow: stacked blurred copies of the glyphs in the backdrop
  // colour, dense at the letter edge where legibility is decided, fading outwards.
  const textShadow =
    remedy.kind === 'shadow'
      ? [
          remedy.blur,
          remedy.blur,
          Math.max(1, Math.round(remedy.blur / 2)),
          Math.max(1, Math.round(remedy.blur / 2)),
        ]
          .map((blur) => `0 0 ${blur}px ${rgba(style.backdropColour, remedy.opacity)}`)
          .join(', ')
      : undefined;
  const run = (text: TextRun, font: FontSelection, first: boolean, gap: number): Element[] =>
    text.lines.map((line, index) =>
      element(
        {
          height: text.lineHeight,
          marginTop: first || index > 0 ? 0 : gap,
          alignItems: 'center',
          fontFamily: font.fontFamily,
          fontWeight: font.weight,
          fontSize: text.fontSize,
          lineHeight: `${text.lineHeight}px`,
          color: style.textColour,
          whiteSpace: 'pre',
          ...(textShadow ? { textShadow } : {}),
        },
        line,
      ),
    );
  const children: Element[] = [...run(layout.headline, fonts.headline, true, 0)];
  if (layout.subline) children.push(...run(layout.subline, fonts.subline, false, layout.gap));
  const cta = layout.callToAction;
  if (cta) {
    // The pill keeps its place in text-only renders (transparent) so nothing else moves.
    const visible = style.content === 'all';
    children.push(
      element(
        {
          marginTop: layout.gap,
          height: cta.lineHeight + 2 * cta.paddingY,
          paddingLeft: cta.paddingX,
          paddingRight: cta.paddingX,
          alignItems: 'center',
          borderRadius: Math.round((cta.lineHeight + 2 * cta.paddingY) / 2),
          backgroundColor: visible ? style.textColour : 'transparent',
          color: visible ? style.backdropColour : 'transparent',
          fontFamily: fonts.callToAction.fontFamily,
          fontWeight: fonts.callToAction.weight,
          fontSize: cta.fontSize,
          lineHeight: `${cta.lineHeight}px`,
          whiteSpace: 'pre',
        },
        cta.lines[0],
      ),
    );
  }
  const alignItems =
    layout.align === 'left' ? 'flex-start' : layout.align === 'right' ? 'flex-end' : 'center';
  const block = element(
    {
      position: 'absolute',
      left: layout.block.x - region.x,
      top: layout.block.y - region.y,
      width: layout.block.width,
      height: layout.block.height,
      flexDirection: 'column',
      alignItems,
    },
    children,
  );
  const layers: Element[] = [];
  if (remedy.kind === 'scrim' && style.content === 'all') {
    const radius = Math.round(layout.headline.fontSize * 0.25);
    layers.push(
      element({
        position: 'absolute',
        left: 0,
        top: 0,
        width: region.width,
        height: region.height,
        borderRadius: radius,
        backgroundColor: rgba(style.backdropColour, remedy.opacity),
      }),
    );
  }
  layers.push(block);
  const root = element({ position: 'relative', width: region.width, height: region.height }, layers);
  const faces = new Map(
    [...fonts.headline.faces, ...fonts.subline.faces, ...fonts.callToAction.faces].map((face) => [
      `${face.name}|${face.weight}`,
      face,
    ]),
  );
  const allFaces = [...faces.values()];
  // Loaded with the first copy drawn: validating a config never pays for the typesetter.
  const [{ default: satori }, { Resvg }] = await Promise.all([import('satori'), import('@resvg/resvg-js')]);
  const svg = await satori(root as never, {
    width: region.width,
    height: region.height,
    fonts: allFaces as never,
  });
  const rendered = new Resvg(svg, { font: { loadSystemFonts: false } }).render();
  return { png: rendered.asPng(), pixels: rendered.pixels, width: rendered.width, height: rendered.height };
}
