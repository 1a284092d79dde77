import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  accentMark,
  closedFoot,
  flagReach,
  type GreyImage,
  inkPolarity,
  wordGlyphs,
} from './glyph-shapes.ts';

/** Dark shapes (SVG markup) on a light 60x100 card, as grey pixels. */
async function draw(shapes: string, options: { light?: boolean } = {}): Promise<GreyImage> {
  const [ground, ink] = options.light ? ['#202020', '#F0F0F0'] : ['#F0F0F0', '#202020'];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="100"><rect width="60" height="100" fill="${ground}"/><g fill="${ink}" stroke="${ink}">${shapes}</g></svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const stem = '<rect x="26" y="20" width="8" height="70" stroke="none"/>';
const letterBox = { x: 14, y: 20, width: 24, height: 70 };

describe('flagReach', () => {
  it('tells an "l" (a plain stem) from a "1" (a stem with a flag)', async () => {
    const l = flagReach(await draw(stem), letterBox, 'dark-on-light');
    const one = flagReach(
      await draw(`${stem}<polygon points="26,20 34,20 16,40 12,34" stroke="none"/>`),
      letterBox,
      'dark-on-light',
    );
    expect(l).toBeLessThan(0.2);
    expect(one).toBeGreaterThan(1);
  });

  it('reads light lettering the other way round', async () => {
    const one = await draw(`${stem}<polygon points="26,20 34,20 16,40 12,34" stroke="none"/>`, {
      light: true,
    });
    expect(inkPolarity(one, { x: 0, y: 0, width: 60, height: 100 })).toBe('light-on-dark');
    expect(flagReach(one, letterBox, 'light-on-dark')).toBeGreaterThan(1);
  });

  it('says nothing where there is no ink', async () => {
    expect(flagReach(await draw(''), letterBox, 'dark-on-light')).toBeUndefined();
  });
});

describe('accentMark', () => {
  // A letter body at x-height and a mark above it; the box covers the body only (as OCR boxes may).
  const body = '<rect x="15" y="50" width="30" height="40" stroke="none"/>';
  const box = { x: 15, y: 45, width: 30, height: 45 };
  it.each([
    ['acute', '<line x1="24" y1="42" x2="36" y2="30" stroke-width="4"/>'],
    ['grave', '<line x1="24" y1="30" x2="36" y2="42" stroke-width="4"/>'],
    ['circumflex', '<polyline points="20,42 30,30 40,42" fill="none" stroke-width="4"/>'],
    ['diaeresis', '<circle cx="22" cy="38" r="4"/><circle cx="38" cy="38" r="4"/>'],
    ['tilde', '<path d="M16 40 Q23 30 30 37 T44 34" fill="none" stroke-width="4"/>'],
    ['none', ''],
  ] as const)('makes out the %s', async (accent, mark) => {
    expect(accentMark(await draw(body + mark), box, 'dark-on-light')).toBe(accent);
  });
});

describe('closedFoot', () => {
  // A bold "B" and "ß" 70 px tall (y 20-90) in a 24-50 box: the "B"'s lower bowl closes onto
  // its stem along the baseline; the "ß" ends in a tail with ground between it and the stem.
  const box = { x: 10, y: 20, width: 40, height: 70 };
  const b =
    '<rect x="10" y="20" width="10" height="70" stroke="none"/><path d="M15 25 H32 Q44 25 44 40 Q44 52 32 52 H15" fill="none" stroke-width="10"/><path d="M15 55 H34 Q45 55 45 70 Q45 85 34 85 H15" fill="none" stroke-width="10"/>';
  const sharpS =
    '<rect x="10" y="30" width="10" height="60" stroke="none"/><path d="M15 32 Q15 22 30 22 Q44 22 44 36 Q44 50 30 52 Q46 56 46 70 Q46 86 30 86" fill="none" stroke-width="9"/>';

  it('finds a closed foot on a "B" and an open one on a "ß"', async () => {
    expect(closedFoot(await draw(b), box, 'dark-on-light')).toBe(true);
    expect(closedFoot(await draw(sharpS), box, 'dark-on-light')).toBe(false);
  });

  it('says nothing about a glyph too small to tell', async () => {
    expect(
      closedFoot(await draw(b), { x: 10, y: 80, width: 40, height: 10 }, 'dark-on-light'),
    ).toBeUndefined();
  });
});

describe('inkPolarity', () => {
  it('goes by the ground around the box, not by how much of a tight box is ink', async () => {
    // Heavy lettering filling most of its own box: by share alone the ground would be the ink.
    const heavy = '<rect x="14" y="40" width="32" height="30" stroke="none"/>';
    const tight = { x: 16, y: 42, width: 28, height: 26 };
    expect(inkPolarity(await draw(heavy), tight)).toBe('dark-on-light');
    expect(inkPolarity(await draw(heavy, { light: true }), tight)).toBe('light-on-dark');
  });
});

describe('wordGlyphs', () => {
  it("makes room above a lowercase-only word for its accent, given the line's x-height", async () => {
    // Two x-height bodies (y 60-90) and a diaeresis 11-17 px above them; the word box stops at x-height.
    const letters =
      '<rect x="8" y="60" width="16" height="30" stroke="none"/><rect x="34" y="60" width="16" height="30" stroke="none"/><circle cx="37" cy="46" r="3"/><circle cx="47" cy="46" r="3"/>';
    const image = await draw(letters);
    const box = { x: 8, y: 60, width: 42, height: 30 };
    expect(wordGlyphs(image, box, 'dark-on-light').map((glyph) => glyph.accent)).toEqual(['none', 'none']);
    expect(wordGlyphs(image, box, 'dark-on-light', 30).map((glyph) => glyph.accent)).toEqual([
      'none',
      'diaeresis',
    ]);
  });
});
