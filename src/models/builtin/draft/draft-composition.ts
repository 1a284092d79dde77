import { deriveSeed, SeededRandom } from '../../../util/seeded-random.ts';

/**
 * The procedural layout behind `builtin:draft`: brand-palette gradients, soft light, simple
 * shapes. It is a layout stand-in for offline runs, demos and CI — not a generative model. The
 * prompt only steers it through keywords and word count, and the same (prompt, seed, size,
 * palette) always yields the same SVG.
 */
export interface DraftCompositionInput {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  palette: readonly string[];
}

export const defaultDraftPalette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'] as const;

type Motif = 'petals' | 'orbs' | 'arches' | 'blocks' | 'waves';

const motifKeywords: Record<Motif, readonly string[]> = {
  petals: ['flower', 'flowers', 'tulip', 'tulips', 'bloom', 'blossom', 'petal', 'garden', 'spring', 'floral'],
  orbs: ['glow', 'light', 'sun', 'morning', 'bubble', 'drop', 'dew', 'fresh', 'citrus', 'lemon'],
  arches: ['window', 'door', 'arch', 'studio', 'room', 'interior', 'home', 'store', 'shop'],
  blocks: ['product', 'bottle', 'box', 'package', 'podium', 'shelf', 'stack', 'hero', 'still'],
  waves: ['sea', 'water', 'wave', 'breeze', 'wind', 'field', 'hill', 'meadow', 'outdoor', 'picnic'],
};

export function chooseMotifs(prompt: string): Motif[] {
  const words = new Set(prompt.toLowerCase().match(/[a-z]+/g) ?? []);
  const matched = (Object.keys(motifKeywords) as Motif[]).filter((motif) =>
    motifKeywords[motif].some((keyword) => words.has(keyword)),
  );
  return matched.length > 0 ? matched : ['orbs', 'blocks'];
}

function mix(hexA: string, hexB: string, amount: number): string {
  const a = Number.parseInt(hexA.slice(1), 16);
  const b = Number.parseInt(hexB.slice(1), 16);
  const channel = (shift: number) => {
    const value = ((a >> shift) & 255) * (1 - amount) + ((b >> shift) & 255) * amount;
    return Math.round(value).toString(16).padStart(2, '0');
  };
  return `#${channel(16)}${channel(8)}${channel(0)}`;
}

function fixed(value: number): string {
  return value.toFixed(2);
}

export function draftCompositionSvg(input: DraftCompositionInput): string {
  const { width, height, prompt } = input;
  const palette = input.palette.length >= 2 ? input.palette : defaultDraftPalette;
  const random = new SeededRandom(deriveSeed('draft', prompt, input.seed));
  const wordCount = (prompt.match(/\S+/g) ?? []).length;
  const motifs = chooseMotifs(prompt);
  const shorter = Math.min(width, height);

  const background = random.pick(palette);
  const gradientEnd = random.pick(palette.filter((colour) => colour !== background));
  const angle = random.integer(0, 359);
  const parts: string[] = [];
  const defs: string[] = [
    `<linearGradient id="bg" gradientTransform="rotate(${angle} 0.5 0.5)">` +
      `<stop offset="0" stop-color="${background}"/><stop offset="1" stop-color="${mix(gradientEnd, background, 0.35)}"/></linearGradient>`,
    '<radialGradient id="light"><stop offset="0" stop-color="#ffffff" stop-opacity="0.75"/>' +
      '<stop offset="1" stop-color="#ffffff" stop-opacity="0"/></radialGradient>',
    '<radialGradient id="shade"><stop offset="0" stop-color="#000000" stop-opacity="0.35"/>' +
      '<stop offset="1" stop-color="#000000" stop-opacity="0"/></radialGradient>',
  ];
  parts.push(`<rect width="${width}" height="${height}" fill="url(#bg)"/>`);

  // A horizon band anchors the composition; its height follows the prompt length so that
  // different briefs get visibly different layouts.
  const horizon = height * (0.55 + ((wordCount % 7) / 7) * 0.3);
  parts.push(
    `<rect x="0" y="${fixed(horizon)}" width="${width}" height="${fixed(height - horizon)}" fill="${mix(random.pick(palette), '#000000', 0.15)}" opacity="0.55"/>`,
  );

  const shapeCount = 3 + (wordCount % 6);
  for (let index = 0; index < shapeCount; index++) {
    const motif = motifs[index % motifs.length]!;
    const colour = random.pick(palette);
    const x = random.range(0.1, 0.9) * width;
    const y = random.range(0.2, 0.85) * height;
    const size = random.range(0.08, 0.22) * shorter;
    parts.push(
      `<ellipse cx="${fixed(x)}" cy="${fixed(y + size * 0.9)}" rx="${fixed(size)}" ry="${fixed(size * 0.25)}" fill="url(#shade)"/>`,
    );
    parts.push(shape(motif, random, { x, y, size, colour, width }));
  }

  const lights = 1 + random.integer(0, 2);
  for (let index = 0; index < lights; index++) {
    const radius = random.range(0.25, 0.6) * shorter;
    parts.push(
      `<circle cx="${fixed(random.range(0, width))}" cy="${fixed(random.range(0, height * 0.5))}" r="${fixed(radius)}" fill="url(#light)" opacity="${fixed(random.range(0.35, 0.7))}"/>`,
    );
  }

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs>${defs.join('')}</defs>${parts.join('')}</svg>`
  );
}

function shape(
  motif: Motif,
  random: SeededRandom,
  at: { x: number; y: number; size: number; colour: string; width: number },
): string {
  const { x, y, size, colour } = at;
  switch (motif) {
    case 'petals': {
      const petals = 5 + random.integer(0, 3);
      const rotation = random.integer(0, 71);
      const leaves: string[] = [];
      for (let petal = 0; petal < petals; petal++) {
        const turn = rotation + (360 / petals) * petal;
        leaves.push(
          `<ellipse cx="${fixed(x)}" cy="${fixed(y - size * 0.45)}" rx="${fixed(size * 0.22)}" ry="${fixed(size * 0.5)}" fill="${colour}" opacity="0.85" transform="rotate(${fixed(turn)} ${fixed(x)} ${fixed(y)})"/>`,
        );
      }
      leaves.push(
        `<circle cx="${fixed(x)}" cy="${fixed(y)}" r="${fixed(size * 0.18)}" fill="${mix(colour, '#ffffff', 0.6)}"/>`,
      );
      return `<g>${leaves.join('')}</g>`;
    }
    case 'orbs':
      return `<circle cx="${fixed(x)}" cy="${fixed(y)}" r="${fixed(size)}" fill="${colour}" opacity="${fixed(random.range(0.55, 0.95))}"/>`;
    case 'arches': {
      const w = size * 1.2;
      const h = size * 2;
      return (
        `<path d="M ${fixed(x - w / 2)} ${fixed(y + h / 2)} V ${fixed(y - h / 2 + w / 2)} ` +
        `A ${fixed(w / 2)} ${fixed(w / 2)} 0 0 1 ${fixed(x + w / 2)} ${fixed(y - h / 2 + w / 2)} V ${fixed(y + h / 2)} Z" fill="${colour}" opacity="0.9"/>`
      );
    }
    case 'blocks': {
      const w = size * random.range(0.8, 1.6);
      const h = size * random.range(1, 2.2);
      return `<rect x="${fixed(x - w / 2)}" y="${fixed(y - h / 2)}" width="${fixed(w)}" height="${fixed(h)}" rx="${fixed(size * 0.12)}" fill="${colour}" opacity="0.92"/>`;
    }
    case 'waves': {
      const amplitude = size * 0.4;
      const span = at.width;
      let path = `M 0 ${fixed(y)}`;
      for (let step = 1; step <= 8; step++) {
        const px = (span / 8) * step;
        path += ` Q ${fixed(px - span / 16)} ${fixed(y + (step % 2 === 0 ? amplitude : -amplitude))} ${fixed(px)} ${fixed(y)}`;
      }
      return `<path d="${path} V ${fixed(y + size)} H 0 Z" fill="${colour}" opacity="0.6"/>`;
    }
  }
}

/**
 * Film grain as a deterministic greyscale noise plane, blended over the render. Generated from
 * the seed so that the grain is part of the reproducible output.
 */
export function draftGrain(seed: number, width: number, height: number): Buffer {
  const random = new SeededRandom(deriveSeed('grain', seed));
  const plane = Buffer.alloc(width * height);
  for (let index = 0; index < plane.length; index++) {
    plane[index] = 128 + Math.round((random.next() + random.next() - 1) * 40);
  }
  return plane;
}
