import sharp from 'sharp';
import { renderDraft } from '../../src/models/builtin/draft/draft-image-model.ts';
import { hexColour, relativeLuminance } from '../../src/typography/contrast.ts';
import { copyLayoutSchema } from '../../src/typography/copy-layout.ts';
import { copyStyleSchema, overlayCopy } from '../../src/typography/overlay-copy.ts';

/**
 * A labelled corpus of lettered compositions for the typography gate: legible headlines, and
 * headlines with one typo of a known class. Generated deterministically from a seed (same seed,
 * same images), so the bench and the tests measure the same thing on every machine.
 */

/** What is wrong with an image's lettering (`legible`: nothing). */
export const corpusClasses = [
  'legible',
  'substitution',
  'insertion',
  'deletion',
  'transposition',
  'look-alike',
  'diacritic',
  'missing-word',
  'doubled-word',
  'low-contrast',
] as const;
export type CorpusClass = (typeof corpusClasses)[number];

export interface CorpusItem {
  readonly id: string;
  readonly label: CorpusClass;
  /** The client's copy (what the check compares with). */
  readonly headline: string;
  /** What is actually lettered on the image. */
  readonly lettered: string;
  readonly language: string;
  readonly font: string;
  readonly background: 'draft' | 'noise' | 'gradient' | 'flat';
  readonly polarity: 'light-on-dark' | 'dark-on-light';
  readonly lines: number;
  readonly image: Uint8Array;
}

/** Display fonts from `@fontsource` packages (dev dependencies). */
export const corpusFonts = [
  '@fontsource/inter',
  '@fontsource/roboto',
  '@fontsource/open-sans',
  '@fontsource/lato',
  '@fontsource/montserrat',
  '@fontsource/oswald',
  '@fontsource/playfair-display',
  '@fontsource/bebas-neue',
  '@fontsource/poppins',
  '@fontsource/raleway',
  '@fontsource/merriweather',
  '@fontsource/anton',
] as const;

const englishHeadlines = [
  'Spring into colour',
  'Freshly picked',
  'Take it outside',
  'Light comes home',
  'Bright by nature',
  'New season, new shelf',
  'Free shipping',
  'Summer Sale 40% off',
  'Only at Nordvik',
  'Made to last',
  'Fresh milk daily',
  'Slow mornings',
  'Wild at heart',
  'Wind and water',
  'Simply better',
  'Good things take time',
  'Holiday looks',
  'Sleep well tonight',
  'Small batch coffee',
  'Meet the makers',
  'Limited edition',
  'Golden hour glow',
  'Bold moves only',
  'Welcome home',
  'Life in colour',
  'Hello sunshine',
  'Made for mornings',
  'Seasonal favourites',
  'Swim season is here',
  'Twice as soft',
];

/** Copy with diacritics, in languages whose trained data is installed. */
const accentedHeadlines: ReadonlyArray<readonly [string, string]> = [
  ['fra', 'Crème brûlée maison'],
  ['fra', 'Édition limitée'],
  ['fra', 'Très élégant'],
  ['fra', 'Café crème'],
  ['deu', 'Schöne Grüße'],
  ['deu', 'Frühling für alle'],
  ['deu', 'Süße Träume'],
  ['deu', 'Größer und besser'],
  ['spa', 'Diseño español'],
  ['spa', 'Año nuevo'],
  ['spa', 'Mañana más'],
  ['spa', 'Canción del verano'],
];

const palette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F', '#C8553D', '#588B8B', '#FFD5C2'];
const prompts = [
  'spring tulips in soft morning light, product hero on a pale podium',
  'glass bottle among garden flowers, fresh dew, still life',
  'picnic blanket on a meadow hill, breeze, outdoor lifestyle',
  'sunlit studio window, arch, calm interior with plants',
  'citrus slices glowing in sun light, fresh lemon drink',
  'product boxes stacked on a shelf, store display, pastel packaging',
];

/** mulberry32: a small seeded generator, enough for picking fonts and letters. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick, int: (below: number) => Math.floor(next() * below) };
}
type Random = ReturnType<typeof generator>;

const letters = 'abcdefghijkmnpqrtuvxyz'; // no look-alike letters (o, l, s, w) as substitutes
const lookAlikes: ReadonlyArray<readonly [RegExp, string]> = [
  [/o/i, '0'],
  [/l/, '1'],
  [/m/, 'rn'],
  [/s/i, '5'],
  [/w/, 'vv'],
  [/O/, '0'],
];

/** Positions of letters inside words of at least `minimum` letters. */
function letterPositions(text: string, minimum = 3): number[] {
  const positions: number[] = [];
  for (const match of text.matchAll(/\p{L}+/gu)) {
    if (match[0].length < minimum) continue;
    for (let index = 0; index < match[0].length; index++) positions.push(match.index + index);
  }
  return positions;
}

const swapCase = (original: string, letter: string) =>
  original === original.toUpperCase() ? letter.toUpperCase() : letter;

/** Letters `headline` with one typo of `label`; undefined when the class does not apply to it. */
export function misspell(headline: string, label: CorpusClass, random: Random): string | undefined {
  const chars = Array.from(headline);
  const positions = letterPositions(headline);
  const at = positions.length > 0 ? random.pick(positions) : -1;
  switch (label) {
    case 'legible':
    case 'low-contrast':
      return headline;
    case 'substitution': {
      if (at < 0) return undefined;
      const original = chars[at]!.toLowerCase();
      const options = [...letters].filter((letter) => letter !== original);
      chars[at] = swapCase(chars[at]!, random.pick(options));
      return chars.join('');
    }
    case 'insertion': {
      if (at < 0) return undefined;
      // Half doubled letters ("Frree"), half a stray one.
      const added = random.next() < 0.5 ? chars[at]!.toLowerCase() : random.pick([...letters]);
      chars.splice(at + 1, 0, added);
      return chars.join('');
    }
    case 'deletion': {
      const long = letterPositions(headline, 3);
      if (long.length === 0) return undefined;
      chars.splice(random.pick(long), 1);
      return chars.join('');
    }
    case 'transposition': {
      const pairs = positions.filter(
        (index) =>
          positions.includes(index + 1) && chars[index]!.toLowerCase() !== chars[index + 1]!.toLowerCase(),
      );
      if (pairs.length === 0) return undefined;
      const index = random.pick(pairs);
      [chars[index], chars[index + 1]] = [chars[index + 1]!, chars[index]!];
      return chars.join('');
    }
    case 'look-alike': {
      const applicable = lookAlikes.filter(([pattern]) => pattern.test(headline));
      if (applicable.length === 0) return undefined;
      const [pattern, replacement] = random.pick(applicable);
      const matches = [...headline.matchAll(new RegExp(pattern.source, `g${pattern.flags}`))];
      const match = random.pick(matches);
      return headline.slice(0, match.index) + replacement + headline.slice(match.index + match[0].length);
    }
    case 'diacritic': {
      const accented = chars.flatMap((char, index) =>
        char.normalize('NFD').length > 1 || char === 'ß' ? [index] : [],
      );
      if (accented.length === 0) return undefined;
      const index = random.pick(accented);
      const char = chars[index]!;
      if (char === 'ß') chars[index] = 'B';
      else {
        const base = char.normalize('NFD')[0]!;
        // Dropped accent, or the wrong one.
        const wrong = [`${base}\u0300`, `${base}\u0301`, `${base}\u0308`, `${base}\u0302`]
          .map((form) => form.normalize('NFC'))
          .filter((form) => form !== char && form.length === 1);
        chars[index] = random.next() < 0.5 || wrong.length === 0 ? base : random.pick(wrong);
      }
      return chars.join('');
    }
    case 'missing-word': {
      const words = headline.split(' ');
      if (words.length < 3) return undefined;
      words.splice(1 + random.int(words.length - 1), 1);
      return words.join(' ');
    }
    case 'doubled-word': {
      const words = headline.split(' ');
      const index = random.int(words.length);
      words.splice(index, 0, words[index]!.replace(/[,.!]$/, ''));
      return words.join(' ');
    }
  }
}

/** sRGB channel for a relative luminance (the inverse of the WCAG transfer). */
function channelFor(luminance: number): number {
  const clamped = Math.min(1, Math.max(0, luminance));
  const srgb = clamped <= 0.0031308 ? clamped * 12.92 : 1.055 * clamped ** (1 / 2.4) - 0.055;
  return Math.round(srgb * 255);
}

async function background(
  kind: CorpusItem['background'],
  size: number,
  random: Random,
  index: number,
): Promise<Uint8Array> {
  const [from, to] = [random.pick(palette), random.pick(palette)];
  const gradient = () =>
    sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><defs><linearGradient id="g" x1="0" y1="0" x2="${random.next().toFixed(2)}" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
      ),
    )
      .removeAlpha()
      .png()
      .toBuffer();
  switch (kind) {
    case 'draft':
      return renderDraft({
        prompt: random.pick(prompts),
        seed: 1000 + index,
        width: size,
        height: size,
        palette,
      });
    case 'gradient':
      return gradient();
    case 'flat':
      return sharp({ create: { width: size, height: size, channels: 3, background: from } })
        .png()
        .toBuffer();
    case 'noise': {
      // Photo-like texture: coarse blotches and fine grain over a gradient. (Seeded noise:
      // sharp's own noise generator is not.)
      const noise = (side: number, spread: number) => {
        const values = new Uint8Array(side * side * 3);
        for (let index = 0; index < values.length; index++) {
          values[index] = Math.max(
            0,
            Math.min(255, Math.round(128 + (random.next() + random.next() - 1) * spread)),
          );
        }
        return sharp(values, { raw: { width: side, height: side, channels: 3 } });
      };
      const blotches = await noise(size / 16, 200)
        .resize(size, size, { kernel: 'cubic' })
        .blur(6)
        .png()
        .toBuffer();
      const grain = await noise(size, 60).png().toBuffer();
      return sharp(await gradient())
        .composite([
          { input: blotches, blend: 'soft-light' },
          { input: grain, blend: 'overlay' },
        ])
        .removeAlpha()
        .png()
        .toBuffer();
    }
  }
}

/** How many images of each class a corpus of `total` holds: 40% legible, the rest split evenly. */
export function corpusPlan(total: number): Array<CorpusClass> {
  const typos = corpusClasses.filter((label) => label !== 'legible');
  const perTypo = Math.max(1, Math.floor((total * 0.6) / typos.length));
  const legible = Math.max(1, total - perTypo * typos.length);
  return [
    ...Array.from({ length: legible }, () => 'legible' as const),
    ...typos.flatMap((label) => Array.from({ length: perTypo }, () => label)),
  ];
}

/**
 * Generates the corpus, one image at a time (so a bench can read each as it comes).
 *
 * @example for await (const item of typographyCorpus({ total: 320, size: 1024, seed: 16 })) check(item);
 */
export async function* typographyCorpus(options: {
  readonly total: number;
  readonly size: number;
  readonly seed: number;
  /** Only these classes (default all), for a small test. */
  readonly classes?: readonly CorpusClass[];
  /** At most this many images of each class (the first ones), for a small test. */
  readonly perClass?: number;
}): AsyncGenerator<CorpusItem> {
  const { size } = options;
  const taken = new Map<CorpusClass, number>();
  for (const [index, label] of corpusPlan(options.total).entries()) {
    if (options.classes && !options.classes.includes(label)) continue;
    if ((taken.get(label) ?? 0) >= (options.perClass ?? Number.POSITIVE_INFINITY)) continue;
    taken.set(label, (taken.get(label) ?? 0) + 1);
    const random = generator(options.seed * 100_003 + index);
    // A share of legible controls and every diacritic typo are in French, German or Spanish.
    const accented = label === 'diacritic' || (label === 'legible' && random.next() < 0.15);
    const [language, headline] = accented
      ? random.pick(accentedHeadlines)
      : (['eng', random.pick(englishHeadlines)] as const);
    let lettered = misspell(headline, label, random);
    let copy = headline;
    const typo = label !== 'legible' && label !== 'low-contrast';
    for (let attempt = 0; lettered === undefined || (typo && lettered === copy); attempt++) {
      // The class does not apply to this headline: take another English one.
      copy = englishHeadlines[(index + attempt) % englishHeadlines.length]!;
      lettered = misspell(copy, label, random);
    }
    const font = corpusFonts[index % corpusFonts.length]!;
    const kind =
      label === 'low-contrast'
        ? random.pick(['flat', 'gradient'] as const)
        : random.pick(['draft', 'noise', 'gradient', 'flat'] as const);
    const base = await background(kind, size, random, index);
    const { channels } = await sharp(base).stats();
    const groundLuminance = relativeLuminance(
      Math.round(channels[0]!.mean),
      Math.round(channels[1]!.mean),
      Math.round(channels[2]!.mean),
    );
    let color: string;
    let minimum = 4.5;
    if (label === 'low-contrast') {
      // Lettering at 1.3:1 .. 2.2:1 against the ground, with no scrim to rescue it.
      const ratio = 1.3 + random.next() * 0.9;
      const lighter = (groundLuminance + 0.05) * ratio - 0.05;
      const luminance =
        lighter <= 1 && (groundLuminance < 0.4 || (groundLuminance + 0.05) / ratio - 0.05 < 0)
          ? lighter
          : (groundLuminance + 0.05) / ratio - 0.05;
      const level = channelFor(luminance);
      color = hexColour({ r: level, g: level, b: level });
      minimum = 1;
    } else {
      color = random.next() < 0.5 ? '#FFFFFF' : '#141414';
    }
    const result = await overlayCopy({
      image: base,
      copy: { headline: lettered },
      fonts: { headline: font },
      layout: copyLayoutSchema.parse({
        position: random.pick(['top', 'centre', 'bottom'] as const),
        align: random.pick(['left', 'centre', 'right'] as const),
        maxFontSize: 0.07 + random.next() * 0.05,
        maxLines: 2,
      }),
      style: copyStyleSchema.parse({ color, contrast: { minimum } }),
    });
    const image = await sharp(result.pixels, {
      raw: { width: result.width, height: result.height, channels: result.channels },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const textLuminance = relativeLuminance(
      Number.parseInt(color.slice(1, 3), 16),
      Number.parseInt(color.slice(3, 5), 16),
      Number.parseInt(color.slice(5, 7), 16),
    );
    yield {
      id: `${String(index).padStart(3, '0')}-${label}`,
      label,
      headline: copy,
      lettered,
      language,
      font,
      background: kind,
      polarity: textLuminance > groundLuminance ? 'light-on-dark' : 'dark-on-light',
      lines: result.layout.headline.lines.length,
      image,
    };
  }
}
