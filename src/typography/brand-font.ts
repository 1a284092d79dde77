import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AtelierError } from '../errors.ts';

const require = createRequire(import.meta.url);

/** The font Atelier sets copy in when the brand names none. */
export const defaultFontPackage = '@fontsource/inter';

/** One font file as the typesetter (satori) takes it. */
export interface FontFace {
  readonly name: string;
  readonly data: Buffer;
  readonly weight: 100 | 200 | 300 | 400 | 500 | 600 | 700 | 800 | 900;
  readonly style: 'normal';
}

/** The faces needed to set one text in one weight, and where they came from. */
export interface FontSelection {
  readonly family: string;
  /**
   * The CSS `font-family` list naming every face in fallback order: the typesetter picks one
   * face per name, so each subset file gets its own name and glyph fallback walks this list.
   */
  readonly fontFamily: string;
  readonly package: { readonly name: string; readonly version: string };
  readonly weight: FontFace['weight'];
  /** Files read, relative to the package (e.g. `files/inter-latin-700-normal.woff`). */
  readonly files: readonly string[];
  readonly faces: readonly FontFace[];
}

interface FontsourcePackage {
  readonly directory: string;
  readonly version: string;
  readonly id: string;
  readonly family: string;
  readonly subsets: readonly string[];
  readonly defaultSubset: string;
  readonly weights: readonly number[];
  /** Code point ranges per subset. */
  readonly ranges: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>;
}

const packagePattern = /^@fontsource\/[a-z0-9-]+$/;
const packages = new Map<string, Promise<FontsourcePackage>>();
const fontFiles = new Map<string, Promise<Buffer>>();

/**
 * Picks the `@fontsource/*` font files that cover every character of `text` in the nearest
 * available weight, and reads them. Fontsource splits a family into unicode-range subsets
 * (latin, latin-ext, cyrillic...); only the subsets the text needs are loaded, always with the
 * family's default subset first, in the package's order, so the same text always gets the
 * same faces. The `.woff` files are read explicitly: the result never depends on the fonts
 * installed on the machine.
 *
 * @example const { faces } = await selectFontFaces('@fontsource/inter', 700, 'Straße — “jetzt”');
 */
export async function selectFontFaces(
  packageName: string,
  weight: number,
  text: string,
): Promise<FontSelection> {
  const fontPackage = await readFontsourcePackage(packageName);
  const nearest = [...fontPackage.weights].sort(
    (a, b) => Math.abs(a - weight) - Math.abs(b - weight) || a - b,
  )[0] as FontFace['weight'];
  const needed = new Set<string>([fontPackage.defaultSubset]);
  for (const character of new Set(Array.from(text))) {
    if (/\s/u.test(character)) continue;
    const codePoint = character.codePointAt(0)!;
    const covering = [fontPackage.defaultSubset, ...fontPackage.subsets].find((subset) =>
      (fontPackage.ranges.get(subset) ?? []).some(([from, to]) => codePoint >= from && codePoint <= to),
    );
    if (!covering) {
      const hex = codePoint.toString(16).toUpperCase().padStart(4, '0');
      throw new AtelierError(
        'INVALID_ARGUMENT',
        `Font ${packageName} has no glyph for "${character}" (U+${hex}); choose a brand font that covers the copy`,
      );
    }
    needed.add(covering);
  }
  const subsets = fontPackage.subsets.filter((subset) => needed.has(subset));
  subsets.sort((a, b) => Number(b === fontPackage.defaultSubset) - Number(a === fontPackage.defaultSubset));
  const files = subsets.map(
    (subset) => `files/${fontPackage.id}-${subset.replace(/^\[(\d+)\]$/, '$1')}-${nearest}-normal.woff`,
  );
  const names = subsets.map((subset) =>
    subset === fontPackage.defaultSubset ? fontPackage.family : `${fontPackage.family} ${subset}`,
  );
  const faces = await Promise.all(
    files.map(async (file, index) => ({
      name: names[index]!,
      data: await readFontFile(join(fontPackage.directory, file)),
      weight: nearest,
      style: 'normal' as const,
    })),
  );
  return {
    family: fontPackage.family,
    fontFamily: names.map((name) => `"${name}"`).join(', '),
    package: { name: packageName, version: fontPackage.version },
    weight: nearest,
    files,
    faces,
  };
}

/** The installed version of a font package, or undefined when it is not installed. */
export function fontPackageVersion(packageName: string): string | undefined {
  try {
    return (require(`${packageName}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

function readFontsourcePackage(packageName: string): Promise<FontsourcePackage> {
  let loading = packages.get(packageName);
  if (!loading) {
    loading = loadFontsourcePackage(packageName);
    packages.set(packageName, loading);
    loading.catch(() => packages.delete(packageName));
  }
  return loading;
}

async function loadFontsourcePackage(packageName: string): Promise<FontsourcePackage> {
  if (!packagePattern.test(packageName)) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `Expected a font package like "@fontsource/inter" for brand.fonts but found "${packageName}"`,
    );
  }
  let directory: string;
  try {
    directory = dirname(require.resolve(`${packageName}/package.json`));
  } catch {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `Font package ${packageName} is not installed: run \`npm install ${packageName}\` in the project`,
    );
  }
  const manifest = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as { version: string };
  const metadata = JSON.parse(await readFile(join(directory, 'metadata.json'), 'utf8')) as {
    id: string;
    family: string;
    subsets: string[];
    defSubset?: string;
    weights: number[];
    styles: string[];
  };
  const unicode = JSON.parse(await readFile(join(directory, 'unicode.json'), 'utf8')) as Record<
    string,
    string
  >;
  if (!metadata.styles.includes('normal') || metadata.weights.length === 0) {
    throw new AtelierError('INVALID_ARGUMENT', `Font package ${packageName} has no upright (normal) style`);
  }
  const ranges = new Map<string, Array<[number, number]>>();
  for (const [subset, text] of Object.entries(unicode)) ranges.set(subset, parseUnicodeRanges(text));
  const subsets = Object.keys(unicode).filter((subset) => ranges.has(subset));
  const defaultSubset =
    metadata.defSubset && ranges.has(metadata.defSubset) ? metadata.defSubset : subsets[0]!;
  return {
    directory,
    version: manifest.version,
    id: metadata.id,
    family: metadata.family,
    subsets,
    defaultSubset,
    weights: metadata.weights,
    ranges,
  };
}

/** `U+0000-00FF,U+0131` -> [[0, 255], [305, 305]] */
export function parseUnicodeRanges(text: string): Array<[number, number]> {
  return text
    .split(',')
    .map((part) => part.trim().replace(/^U\+/i, ''))
    .filter(Boolean)
    .map((part) => {
      const [from, to] = part.split('-');
      return [Number.parseInt(from!, 16), Number.parseInt(to ?? from!, 16)] as [number, number];
    });
}

function readFontFile(path: string): Promise<Buffer> {
  let reading = fontFiles.get(path);
  if (!reading) {
    reading = readFile(path);
    fontFiles.set(path, reading);
    reading.catch(() => fontFiles.delete(path));
  }
  return reading;
}
