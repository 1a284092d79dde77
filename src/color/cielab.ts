import type { Triplet } from './srgb.ts';

/**
 * CIELAB (D65 white): the space CIEDE2000 is defined on, so every ΔE Atelier reports is
 * computed from these coordinates. L is 0..100.
 */

const whiteX = 0.95047;
const whiteY = 1;
const whiteZ = 1.08883;
const epsilon = (6 / 29) ** 3;
const kappa = 3 * (6 / 29) ** 2;

function f(t: number): number {
  return t > epsilon ? Math.cbrt(t) : t / kappa + 4 / 29;
}

/** Linear-light sRGB (0..1 each) to CIELAB. */
export function linearRgbToCielab(red: number, green: number, blue: number): Triplet {
  const x = (0.4124564 * red + 0.3575761 * green + 0.1804375 * blue) / whiteX;
  const y = (0.2126729 * red + 0.7151522 * green + 0.072175 * blue) / whiteY;
  const z = (0.0193339 * red + 0.119192 * green + 0.9503041 * blue) / whiteZ;
  const fy = f(y);
  return [116 * fy - 16, 500 * (f(x) - fy), 200 * (fy - f(z))];
}
