import { z } from 'zod';
import type { FontSelection } from './brand-font.ts';

/** Where and how large copy may be set; sizes are fractions of the image's shorter edge. */
export const copyLayoutSchema = z
  .strictObject({
    /** Safe-area margin on every side. */
    margin: z.number().min(0).max(0.3).default(0.06),
    position: z.enum(['top', 'centre', 'center', 'bottom']).default('bottom'),
    align: z.enum(['left', 'centre', 'center', 'right']).default('left'),
    /** The most of the safe area's height the copy block may take. */
    maxHeight: z.number().gt(0).max(1).default(0.45),
    /** The most lines the headline may wrap to. */
    maxLines: z.number().int().min(1).max(8).default(3),
    /** Headline size range for auto-fit: the largest size that fits is used. */
    minFontSize: z.number().gt(0).max(0.5).default(0.035),
    maxFontSize: z.number().gt(0).max(0.5).default(0.1),
    lineHeight: z.number().min(0.8).max(2).default(1.1),
    /** Sub-line and call-to-action sizes relative to the headline's. */
    sublineScale: z.number().min(0.2).max(1).default(0.42),
    callToActionScale: z.number().min(0.2).max(1).default(0.36),
  })
  .refine((layout) => layout.minFontSize <= layout.maxFontSize, {
    message: 'minFontSize must not exceed maxFontSize',
    path: ['minFontSize'],
  });
export type CopyLayoutParams = z.infer<typeof copyLayoutSchema>;

export interface Copy {
  readonly headline: string;
  readonly subline?: string;
  readonly callToAction?: string;
}

/** The fonts each piece of copy is set in. */
export interface CopyFonts {
  readonly headline: FontSelection;
  readonly subline: FontSelection;
  readonly callToAction: FontSelection;
}

export interface Rectangle {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface TextRun {
  readonly lines: readonly string[];
  readonly fontSize: number;
  /** Height of one line in px. */
  readonly lineHeight: number;
}

/** Everything the renderer needs: sizes, line breaks and where the block goes. */
export interface CopyLayout {
  readonly headline: TextRun;
  readonly subline: TextRun | undefined;
  readonly callToAction:
    | (TextRun & {
        readonly paddingX: number;
        readonly paddingY: number;
        /** The pill, in image pixels. */
        readonly box: Rectangle;
      })
    | undefined;
  /** Vertical space between the pieces, px. */
  readonly gap: number;
  readonly align: 'left' | 'centre' | 'right';
  /** The copy block (text only) in image pixels. */
  readonly block: Rectangle;
  /** The safe area the block was fitted into. */
  readonly safeArea: Rectangle;
}

/** Font size at which words are measured; widths scale linearly with size from there. */
const referenceSize = 200;
/** Room left for rounding in the layout engine when a measured line is set at another size. */
const widthTolerance = 0.985;

/**
 * Measures text widths with the typesetter itself (satori lays text out with the font's real
 * advances and kerning), once per distinct string, at a reference size.
 */
export class TextMeasurer {
  private readonly widths = new Map<string, Promise<number>>();

  constructor(private readonly font: FontSelection) {}

  /** Width of `text` set on one line at `fontSize` px. */
  async width(text: string, fontSize: number): Promise<number> {
    let measuring = this.widths.get(text);
    if (!measuring) {
      measuring = this.measure(text);
      this.widths.set(text, measuring);
    }
    return ((await measuring) * fontSize) / referenceSize;
  }

  private async measure(text: string): Promise<number> {
    // Loaded with the first text measured: validating a config never pays for the typesetter.
    const { default: satori } = await import('satori');
    const svg = await satori(
      {
        type: 'div',
        props: {
          style: {
            display: 'flex',
            fontFamily: this.font.fontFamily,
            fontWeight: this.font.weight,
            fontSize: referenceSize,
            whiteSpace: 'pre',
          },
          children: text,
        },
      } as never,
      { height: referenceSize * 2, fonts: this.font.faces as never },
    );
    return Number(/width="([\d.]+)"/.exec(svg)?.[1] ?? 0);
  }
}

/** Why copy could not be laid out (too long for the box at the smallest size allowed). */
export class CopyDoesNotFitError extends Error {
  override readonly name = 'CopyDoesNotFitError';
}

/**
 * Fits copy into the safe area: the largest headline size (whole px, within the allowed range)
 * at which the headline wraps to at most `maxLines` lines, no word is wider than the safe area
 * and the whole block (headline, sub-line, call-to-action) fits `maxHeight`. Lines are broken
 * so that they are as even as possible for the number of lines needed.
 */
export async function planCopyLayout(
  copy: Copy,
  fonts: CopyFonts,
  image: { width: number; height: number },
  layout: CopyLayoutParams,
): Promise<CopyLayout> {
  const shorter = Math.min(image.width, image.height);
  const margin = Math.round(layout.margin * shorter);
  const safeArea = {
    x: margin,
    y: margin,
    width: image.width - 2 * margin,
    height: image.height - 2 * margin,
  };
  const measurers = {
    headline: new TextMeasurer(fonts.headline),
    subline: new TextMeasurer(fonts.subline),
    callToAction: new TextMeasurer(fonts.callToAction),
  };
  const maxBlockHeight = safeArea.height * layout.maxHeight;
  const largest = Math.floor(layout.maxFontSize * shorter);
  const smallest = Math.max(1, Math.ceil(layout.minFontSize * shorter));
  for (let size = largest; size >= smallest; size--) {
    const lineHeight = Math.round(size * layout.lineHeight);
    const headlineLines = await breakLines(copy.headline, size, safeArea.width, measurers.headline);
    if (!headlineLines || headlineLines.length > layout.maxLines) continue;
    const headline = { lines: headlineLines, fontSize: size, lineHeight };
    let height = headlineLines.length * lineHeight;
    let width = await widest(headlineLines, size, measurers.headline);
    const gap = Math.round(size * 0.3);

    let subline: TextRun | undefined;
    if (copy.subline) {
      const sublineSize = Math.max(1, Math.round(size * layout.sublineScale));
      const lines = await breakLines(copy.subline, sublineSize, safeArea.width, measurers.subline);
      if (!lines) continue;
      subline = { lines, fontSize: sublineSize, lineHeight: Math.round(sublineSize * layout.lineHeight) };
      height += gap + lines.length * subline.lineHeight;
      width = Math.max(width, await widest(lines, sublineSize, measurers.subline));
    }

    let callToAction: Omit<NonNullable<CopyLayout['callToAction']>, 'box'> | undefined;
    let callToActionTop = 0;
    let callToActionWidth = 0;
    if (copy.callToAction) {
      const ctaSize = Math.max(1, Math.round(size * layout.callToActionScale));
      const paddingX = Math.round(ctaSize * 0.8);
      const paddingY = Math.round(ctaSize * 0.35);
      const text = copy.callToAction.trim().replace(/\s+/g, ' ');
      const textWidth = await measurers.callToAction.width(text, ctaSize);
      if (textWidth + 2 * paddingX > safeArea.width * widthTolerance) continue;
      const ctaLineHeight = Math.round(ctaSize * layout.lineHeight);
      callToAction = { lines: [text], fontSize: ctaSize, lineHeight: ctaLineHeight, paddingX, paddingY };
      callToActionTop = height + gap;
      callToActionWidth = Math.ceil(textWidth) + 2 * paddingX;
      height += gap + ctaLineHeight + 2 * paddingY;
      width = Math.max(width, callToActionWidth);
    }
    if (height > maxBlockHeight) continue;

    const align = layout.align === 'center' ? 'centre' : layout.align;
    const position = layout.position === 'center' ? 'centre' : layout.position;
    const blockWidth = Math.min(safeArea.width, Math.ceil(width));
    const x =
      align === 'left'
        ? safeArea.x
        : align === 'right'
          ? safeArea.x + safeArea.width - blockWidth
          : safeArea.x + Math.round((safeArea.width - blockWidth) / 2);
    const y =
      position === 'top'
        ? safeArea.y
        : position === 'bottom'
          ? safeArea.y + safeArea.height - height
          : safeArea.y + Math.round((safeArea.height - height) / 2);
    const pillX =
      align === 'left'
        ? x
        : align === 'right'
          ? x + blockWidth - callToActionWidth
          : x + Math.round((blockWidth - callToActionWidth) / 2);
    return {
      headline,
      subline,
      callToAction: callToAction && {
        ...callToAction,
        box: {
          x: pillX,
          y: y + callToActionTop,
          width: callToActionWidth,
          height: callToAction.lineHeight + 2 * callToAction.paddingY,
        },
      },
      gap,
      align,
      block: { x, y, width: blockWidth, height },
      safeArea,
    };
  }
  throw new CopyDoesNotFitError(
    `The copy does not fit the safe area (${safeArea.width}x${Math.floor(maxBlockHeight)} px, at most ${layout.maxLines} headline lines) even at the smallest headline size, ${smallest} px; shorten it or widen the layout`,
  );
}

async function widest(lines: readonly string[], size: number, measurer: TextMeasurer): Promise<number> {
  let width = 0;
  for (const line of lines) width = Math.max(width, await measurer.width(line, size));
  return width;
}

/**
 * Breaks text into the fewest lines that fit `maxWidth` (greedy), then re-balances the same
 * number of lines so the longest is as short as possible. Undefined when a single word does
 * not fit.
 */
async function breakLines(
  text: string,
  size: number,
  maxWidth: number,
  measurer: TextMeasurer,
): Promise<string[] | undefined> {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const limit = maxWidth * widthTolerance;
  const fits = async (line: string) => (await measurer.width(line, size)) <= limit;
  for (const word of words) if (!(await fits(word))) return undefined;
  let count = 1;
  let current = words[0] ?? '';
  for (const word of words.slice(1)) {
    const candidate = `${current} ${word}`;
    if (await fits(candidate)) current = candidate;
    else {
      count++;
      current = word;
    }
  }
  if (count === 1) return [words.join(' ')];
  let best: { lines: string[]; width: number } | undefined;
  for (const breaks of breakPositions(words.length, count)) {
    const lines = breaks.map(([from, to]) => words.slice(from, to).join(' '));
    const width = await widest(lines, size, measurer);
    if (width > limit) continue;
    if (!best || width < best.width) best = { lines, width };
  }
  return best?.lines;
}

/** Every way to cut `length` words into `parts` non-empty consecutive runs, as [from, to) pairs. */
function* breakPositions(length: number, parts: number, from = 0): Generator<Array<[number, number]>> {
  if (parts === 1) {
    yield [[from, length]];
    return;
  }
  for (let to = from + 1; to <= length - parts + 1; to++) {
    for (const rest of breakPositions(length, parts - 1, to)) yield [[from, to], ...rest];
  }
}
