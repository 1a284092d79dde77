import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { accentMark, flagReach, type GreyImage, inkPolarity } from './glyph-shapes.ts';

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
