// culori's single-file build (its `require` entry): one file to load instead of ~150 modules.
import culori from 'culori/require';
import { parseHexColour, type Triplet } from './srgb.ts';

const { converter, convertLrgbToOklab, convertOklabToLrgb, differenceCiede2000 } = culori;

/**
 * Colour-space conversions and ΔE, all from culori: these adapters only move culori's colour
 * objects to and from the plain triplets Atelier stores in manifests.
 *
 * - CIELAB (D65 white, culori's `lab65`): the space CIEDE2000 is defined on, so every ΔE
 *   Atelier reports is computed from these coordinates. L is 0..100.
 * - OKLab (Björn Ottosson, 2020): a perceptual space where Euclidean distance tracks visible
 *   difference well and hue stays put when lightness or chroma change. Clustering and the
 *   statistics-transfer grade work here. L is 0..1; a and b are roughly -0.4..0.4.
 *
 * Per-pixel loops call culori's `convertLrgbToOklab` directly, and `oklabToLinearRgbInto` below
 * on the way back.
 */

const toLab65 = converter('lab65');
const toOklab = converter('oklab');
const ciede2000 = differenceCiede2000();

/** Linear-light sRGB (0..1 each) to CIELAB (D65). */
export function linearRgbToCielab(red: number, green: number, blue: number): Triplet {
  const { l, a, b } = toLab65({ mode: 'lrgb', r: red, g: green, b: blue });
  return [l, a, b];
}

/** Linear-light sRGB (0..1 each) to OKLab. */
export function linearRgbToOklab(red: number, green: number, blue: number): Triplet {
  const { l, a, b } = convertLrgbToOklab({ r: red, g: green, b: blue });
  return [l, a, b];
}

/** OKLab to linear-light sRGB; the result may fall outside 0..1 for colours outside sRGB. */
export function oklabToLinearRgb(lightness: number, a: number, b: number): Triplet {
  const { r, g, b: blue } = convertOklabToLrgb({ l: lightness, a, b });
  return [r, g, blue];
}

/**
 * OKLab to linear-light sRGB, written to `out[0..2]` without allocating: culori's
 * `convertOklabToLrgb` with its coefficients, for per-pixel loops.
 */
export function oklabToLinearRgbInto(lightness: number, a: number, b: number, out: Float64Array): void {
  // Hand-written: culori cubes with Math.pow(x, 3); x * x * x measured 4x faster per graded pixel.
  const l = lightness + 0.3963377773761749 * a + 0.2158037573099136 * b;
  const m = lightness - 0.1055613458156586 * a - 0.0638541728258133 * b;
  const s = lightness - 0.0894841775298119 * a - 1.2914855480194092 * b;
  const l3 = l * l * l;
  const m3 = m * m * m;
  const s3 = s * s * s;
  out[0] = 4.0767416360759574 * l3 - 3.3077115392580616 * m3 + 0.2309699031821044 * s3;
  out[1] = -1.2684379732850317 * l3 + 2.6097573492876887 * m3 - 0.3413193760026573 * s3;
  out[2] = -0.0041960761386756 * l3 - 0.7034186179359362 * m3 + 1.7076146940746117 * s3;
}

/** CIELAB (D65) of a `#RRGGBB` colour. */
export function hexToCielab(hex: string): Triplet {
  const { l, a, b } = toLab65(hexToRgb(hex));
  return [l, a, b];
}

/** OKLab of a `#RRGGBB` colour. */
export function hexToOklab(hex: string): Triplet {
  const { l, a, b } = toOklab(hexToRgb(hex));
  return [l, a, b];
}

function hexToRgb(hex: string) {
  const [red, green, blue] = parseHexColour(hex);
  return { mode: 'rgb', r: red / 255, g: green / 255, b: blue / 255 } as const;
}

/**
 * CIEDE2000 colour difference between two CIELAB (D65) colours (Sharma, Wu & Dalal 2005), with
 * kL = kC = kH = 1. About 1 is a just-noticeable difference side by side; above 10 reads as a
 * different colour.
 *
 * @example deltaE2000([50, 2.6772, -79.7751], [50, 0, -82.7485]) // ≈ 2.0425
 */
export function deltaE2000(first: Triplet, second: Triplet): number {
  // culori's CIEDE2000 works on lab65, so these pass through unconverted.
  return ciede2000(
    { mode: 'lab65', l: first[0], a: first[1], b: first[2] },
    { mode: 'lab65', l: second[0], a: second[1], b: second[2] },
  );
}
