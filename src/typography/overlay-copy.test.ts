import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AtelierError } from '../errors.ts';
import { renderDraft } from '../models/builtin/draft/draft-image-model.ts';
import { selectFontFaces } from './brand-font.ts';
import {
  type Copy,
  CopyDoesNotFitError,
  type CopyLayoutParams,
  copyLayoutSchema,
  TextMeasurer,
} from './copy-layout.ts';
import { copyStyleSchema, overlayCopy } from './overlay-copy.ts';

const palette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];

function solid(colour: string, width = 800, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

function overlay(
  image: Uint8Array,
  copy: Copy,
  layout: Partial<Record<keyof CopyLayoutParams, unknown>> = {},
  style: Record<string, unknown> = {},
) {
  return overlayCopy({
    image,
    copy,
    fonts: {},
    layout: copyLayoutSchema.parse(layout),
    style: copyStyleSchema.parse(style),
  });
}

describe('overlayCopy', () => {
  it('is byte-identical for the same inputs', async () => {
    const image = await renderDraft({
      prompt: 'tulips in the morning',
      seed: 5,
      width: 640,
      height: 640,
      palette,
    });
    const copy = { headline: 'Spring into colour', subline: 'The new collection', callToAction: 'Shop now' };
    const first = await overlay(image, copy);
    const second = await overlay(image, copy);
    expect(first.pixels.equals(second.pixels)).toBe(true);
    expect(first.pixels.equals(await sharp(image).removeAlpha().raw().toBuffer())).toBe(false);
  });

  it('flags low-contrast text (#777 on #888) and adds a scrim until it passes', async () => {
    const result = await overlay(
      await solid('#888888'),
      { headline: 'Quiet grey' },
      {},
      { color: '#777777' },
    );
    expect(result.contrast.before.ratio).toBeLessThan(1.4);
    expect(result.contrast.remedy.kind).toBe('scrim');
    expect(result.contrast.after.ratio).toBeGreaterThanOrEqual(4.5);
    expect(result.contrast.passed).toBe(true);
  });

  it('tries a shadow first when asked, and falls back to a scrim when a shadow is not enough', async () => {
    const shadow = await overlay(
      await solid('#A0A0A0'),
      { headline: 'Breathe in' },
      {},
      {
        color: '#FFFFFF',
        contrast: { remedy: 'shadow' },
      },
    );
    expect(shadow.contrast.before.ratio).toBeLessThan(4.5);
    expect(shadow.contrast.remedy.kind).toBe('shadow');
    expect(shadow.contrast.after.ratio).toBeGreaterThanOrEqual(4.5);
    const grey = await overlay(
      await solid('#888888'),
      { headline: 'Quiet grey' },
      {},
      {
        color: '#777777',
        contrast: { remedy: 'shadow' },
      },
    );
    expect(grey.contrast.remedy.kind).toBe('scrim');
    expect(grey.contrast.passed).toBe(true);
  });

  it('leaves well-contrasted copy alone and picks the text colour that stands out', async () => {
    const light = await overlay(await solid('#F4E9DA'), { headline: 'Light ground' });
    expect(light.textColour).toBe('#111111');
    expect(light.contrast.remedy.kind).toBe('none');
    expect(light.contrast.after.ratio).toBeGreaterThanOrEqual(4.5);
    const dark = await overlay(await solid('#2E4057'), { headline: 'Dark ground' });
    expect(dark.textColour).toBe('#FFFFFF');
    expect(dark.contrast.remedy.kind).toBe('none');
  });

  it('places the block in the safe area by position and alignment', async () => {
    const image = await solid('#F4E9DA', 1000, 800);
    const margin = Math.round(0.05 * 800);
    const bottomLeft = await overlay(image, { headline: 'Corner' }, { margin: 0.05 });
    expect(bottomLeft.layout.block.x).toBe(margin);
    expect(bottomLeft.layout.block.y + bottomLeft.layout.block.height).toBe(800 - margin);
    const topRight = await overlay(
      image,
      { headline: 'Corner' },
      { margin: 0.05, position: 'top', align: 'right' },
    );
    expect(topRight.layout.block.y).toBe(margin);
    expect(topRight.layout.block.x + topRight.layout.block.width).toBe(1000 - margin);
    const centre = await overlay(
      image,
      { headline: 'Corner' },
      { margin: 0.05, position: 'centre', align: 'center' },
    );
    const { block } = centre.layout;
    expect(Math.abs(block.x + block.width / 2 - 500)).toBeLessThanOrEqual(1);
    expect(Math.abs(block.y + block.height / 2 - 400)).toBeLessThanOrEqual(1);
  });

  it('wraps a long headline into even lines that fit the safe area, and shrinks it to fit', async () => {
    const image = await solid('#F4E9DA');
    const short = await overlay(image, { headline: 'New shelf' });
    const long = await overlay(image, {
      headline: 'New season, new shelf: everything you love about spring, in one place',
    });
    expect(long.layout.headline.lines.length).toBeGreaterThan(1);
    expect(long.layout.headline.lines.length).toBeLessThanOrEqual(3);
    expect(long.layout.headline.lines.join(' ')).toBe(
      'New season, new shelf: everything you love about spring, in one place',
    );
    expect(long.layout.headline.fontSize).toBeLessThan(short.layout.headline.fontSize);
    const measurer = new TextMeasurer(long.fonts.headline);
    const widths = await Promise.all(
      long.layout.headline.lines.map((line) => measurer.width(line, long.layout.headline.fontSize)),
    );
    for (const width of widths) expect(width).toBeLessThanOrEqual(long.layout.safeArea.width);
    // Balanced: the shortest line is not a lone word left over from greedy filling.
    expect(Math.min(...widths) / Math.max(...widths)).toBeGreaterThan(0.6);
  });

  it('stacks sub-line and call-to-action under the headline', async () => {
    const result = await overlay(await solid('#F4E9DA'), {
      headline: 'Spring into colour',
      subline: 'The new collection is here',
      callToAction: 'Shop now',
    });
    const { headline, subline, callToAction, block } = result.layout;
    expect(subline!.fontSize).toBeLessThan(headline.fontSize);
    expect(callToAction!.box.y).toBeGreaterThan(block.y + headline.lineHeight);
    expect(callToAction!.box.y + callToAction!.box.height).toBe(block.y + block.height);
  });

  it('refuses copy that cannot fit, without trying forever', async () => {
    await expect(
      overlay(
        await solid('#F4E9DA', 400, 400),
        { headline: 'Supercalifragilisticexpialidocious' },
        {
          minFontSize: 0.2,
          maxFontSize: 0.3,
        },
      ),
    ).rejects.toBeInstanceOf(CopyDoesNotFitError);
  });

  it('sets non-ASCII copy with the subsets that cover it', async () => {
    const copy = { headline: 'Crème brûlée für Straße — “jetzt”', subline: 'Łódź, Kraków' };
    const result = await overlay(await solid('#F4E9DA'), copy);
    expect(result.fonts.headline.files).toEqual(['files/inter-latin-700-normal.woff']);
    expect(result.fonts.subline.files).toEqual([
      'files/inter-latin-400-normal.woff',
      'files/inter-latin-ext-400-normal.woff',
    ]);
    expect(result.contrast.passed).toBe(true);
  });
});

describe('selectFontFaces', () => {
  it('says which character the font cannot set', async () => {
    const error = await selectFontFaces('@fontsource/inter', 700, 'Sale ア').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AtelierError);
    expect((error as Error).message).toBe(
      'Font @fontsource/inter has no glyph for "ア" (U+30A2); choose a brand font that covers the copy',
    );
  });

  it('explains a font package that is not installed or not a fontsource package', async () => {
    await expect(selectFontFaces('@fontsource/no-such-font', 400, 'a')).rejects.toThrow(
      'Font package @fontsource/no-such-font is not installed',
    );
    await expect(selectFontFaces('Helvetica', 400, 'a')).rejects.toThrow(
      'Expected a font package like "@fontsource/inter" for brand.fonts but found "Helvetica"',
    );
  });

  it('falls back to the nearest weight the family has', async () => {
    expect((await selectFontFaces('@fontsource/inter', 1000, 'a')).weight).toBe(900);
    const selection = await selectFontFaces('@fontsource/inter', 450, 'a');
    expect(selection.weight).toBe(400);
    expect(selection.package).toEqual({ name: '@fontsource/inter', version: expect.any(String) });
  });
});
