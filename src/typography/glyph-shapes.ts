import type { OcrBox, OcrPolarity } from '../models/ocr-model.ts';

/** A greyscale image, one byte per pixel. */
export interface GreyImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Otsu's threshold of the pixels in a box: the grey level that best splits them in two. */
function otsuThreshold(image: GreyImage, box: OcrBox): number {
  const histogram = new Float64Array(256);
  for (let y = box.y; y < box.y + box.height; y++)
    for (let x = box.x; x < box.x + box.width; x++) histogram[image.data[y * image.width + x]!]!++;
  const total = box.width * box.height;
  let sum = 0;
  for (let level = 0; level < 256; level++) sum += level * histogram[level]!;
  let below = 0;
  let belowSum = 0;
  let best = 0;
  let threshold = 128;
  for (let level = 0; level < 256; level++) {
    below += histogram[level]!;
    if (below === 0 || below === total) continue;
    belowSum += level * histogram[level]!;
    const meanBelow = belowSum / below;
    const meanAbove = (sum - belowSum) / (total - below);
    const between = below * (total - below) * (meanBelow - meanAbove) ** 2;
    if (between > best) {
      best = between;
      threshold = level;
    }
  }
  return threshold;
}

/**
 * Which way round the lettering in `box` is: text covers less of its word's box than the ground
 * does, so the minority side of Otsu's threshold is ink. (The whole image's polarity can be
 * wrong for one word: light copy on a busy, mostly light photo.)
 */
export function inkPolarity(image: GreyImage, box: OcrBox): OcrPolarity {
  const area = clip(image, box);
  const threshold = otsuThreshold(image, area);
  let dark = 0;
  for (let y = area.y; y < area.y + area.height; y++)
    for (let x = area.x; x < area.x + area.width; x++) if (image.data[y * image.width + x]! <= threshold) dark++;
  return dark * 2 < area.width * area.height ? 'dark-on-light' : 'light-on-dark';
}

function clip(image: GreyImage, box: OcrBox): OcrBox {
  const x = Math.max(0, Math.min(image.width - 1, box.x));
  const y = Math.max(0, Math.min(image.height - 1, box.y));
  return {
    x,
    y,
    width: Math.max(1, Math.min(image.width, box.x + box.width) - x),
    height: Math.max(1, Math.min(image.height, box.y + box.height) - y),
  };
}

/**
 * How far the top of a one-stem glyph reaches left of its stem, in stem widths: about 0 for an
 * "l" (a plain stem, or a serif at its very top), 1 or more for a "1" (its flag). The glyph is
 * the ink shape crossing the middle of `box` — neighbours that do not touch it are left out.
 * Undefined when no such stem is found.
 */
export function flagReach(image: GreyImage, box: OcrBox, polarity: OcrPolarity): number | undefined {
  const pad = Math.round(box.height * 0.1);
  const area = {
    x: Math.max(0, box.x - pad),
    y: Math.max(0, box.y - pad),
    width: 0,
    height: 0,
  };
  area.width = Math.min(image.width, box.x + box.width + pad) - area.x;
  area.height = Math.min(image.height, box.y + box.height + pad) - area.y;
  if (area.width < 3 || area.height < 8) return undefined;
  const threshold = otsuThreshold(image, area);
  const ink = new Uint8Array(area.width * area.height);
  for (let y = 0; y < area.height; y++)
    for (let x = 0; x < area.width; x++) {
      const level = image.data[(area.y + y) * image.width + area.x + x]!;
      ink[y * area.width + x] = (polarity === 'dark-on-light' ? level <= threshold : level > threshold) ? 1 : 0;
    }
  // The stem: the ink pixel nearest the box's centre on its middle row.
  const middle = Math.round(box.y + box.height / 2) - area.y;
  const centre = Math.round(box.x + box.width / 2) - area.x;
  let seed = -1;
  for (let offset = 0; offset < area.width && seed < 0; offset++) {
    for (const x of [centre - offset, centre + offset]) {
      if (x >= 0 && x < area.width && ink[middle * area.width + x]) {
        seed = middle * area.width + x;
        break;
      }
    }
  }
  if (seed < 0) return undefined;
  // Flood fill the glyph (4-connected) and note each row's leftmost and rightmost ink.
  const left = new Int32Array(area.height).fill(-1);
  const right = new Int32Array(area.height).fill(-1);
  const stack = [seed];
  ink[seed] = 2;
  while (stack.length > 0) {
    const at = stack.pop()!;
    const y = Math.floor(at / area.width);
    const x = at - y * area.width;
    if (left[y]! < 0 || x < left[y]!) left[y] = x;
    if (x > right[y]!) right[y] = x;
    for (const next of [
      x > 0 ? at - 1 : -1,
      x < area.width - 1 ? at + 1 : -1,
      y > 0 ? at - area.width : -1,
      y < area.height - 1 ? at + area.width : -1,
    ]) {
      if (next >= 0 && ink[next] === 1) {
        ink[next] = 2;
        stack.push(next);
      }
    }
  }
  const rows = [...left.keys()].filter((y) => left[y]! >= 0);
  if (rows.length < 8) return undefined;
  const top = rows[0]!;
  const glyphHeight = rows.at(-1)! - top + 1;
  const band = (from: number, to: number) =>
    rows.filter((y) => y >= top + glyphHeight * from && y <= top + glyphHeight * to);
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const stemRows = band(0.45, 0.8);
  if (stemRows.length === 0) return undefined;
  const stemLeft = median(stemRows.map((y) => left[y]!));
  const stemWidth = Math.max(1, median(stemRows.map((y) => right[y]! - left[y]! + 1)));
  const flagRows = band(0.1, 0.4);
  if (flagRows.length === 0) return undefined;
  const reach = Math.max(...flagRows.map((y) => stemLeft - left[y]!));
  return Math.max(0, reach) / stemWidth;
}
