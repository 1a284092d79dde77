import type { GreyPixels, OcrBox, OcrPolarity } from '../models/ocr-model.ts';

/** A greyscale image, one byte per pixel. */
export type GreyImage = GreyPixels;

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

/** 1 where `area` (row-major, its own width) has ink of the given polarity, by Otsu's threshold over the area. */
function inkMask(image: GreyImage, area: OcrBox, polarity: OcrPolarity): Uint8Array {
  const threshold = otsuThreshold(image, area);
  const ink = new Uint8Array(area.width * area.height);
  for (let y = 0; y < area.height; y++)
    for (let x = 0; x < area.width; x++) {
      const level = image.data[(area.y + y) * image.width + area.x + x]!;
      ink[y * area.width + x] = (polarity === 'dark-on-light' ? level <= threshold : level > threshold)
        ? 1
        : 0;
    }
  return ink;
}

/**
 * Which way round the lettering in `box` is: the pixels on a ring just outside the box are
 * ground, so the side of Otsu's threshold (over the box) most of them fall on is the ground's
 * and the other is ink. (The whole image's polarity can be wrong for one word: light copy on a
 * scrim over a light photo; and a tight box round heavy lowercase, "más" in a bold serif, can
 * hold more ink than ground.) When the box fills the image, text covering less than the
 * ground decides.
 */
export function inkPolarity(image: GreyImage, box: OcrBox): OcrPolarity {
  const area = clip(image, box);
  const threshold = otsuThreshold(image, area);
  const gap = Math.max(2, Math.round(area.height * 0.15));
  const ring = clip(image, {
    x: area.x - gap,
    y: area.y - gap,
    width: area.width + 2 * gap,
    height: area.height + 2 * gap,
  });
  let ground = 0;
  let darkGround = 0;
  const count = (x: number, y: number) => {
    ground++;
    if (image.data[y * image.width + x]! <= threshold) darkGround++;
  };
  const top = area.y - gap;
  const bottom = area.y + area.height - 1 + gap;
  const left = area.x - gap;
  const right = area.x + area.width - 1 + gap;
  for (let x = ring.x; x < ring.x + ring.width; x++) {
    if (top >= 0) count(x, top);
    if (bottom < image.height) count(x, bottom);
  }
  for (let y = ring.y; y < ring.y + ring.height; y++) {
    if (left >= 0) count(left, y);
    if (right < image.width) count(right, y);
  }
  if (ground > 0) return darkGround * 2 > ground ? 'light-on-dark' : 'dark-on-light';
  let dark = 0;
  for (let y = area.y; y < area.y + area.height; y++)
    for (let x = area.x; x < area.x + area.width; x++)
      if (image.data[y * image.width + x]! <= threshold) dark++;
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
  const ink = inkMask(image, area, polarity);
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

/** Glyphs shorter than this (px) have too few rows at their foot to tell a stroke from a gap. */
const minimumFootHeight = 16;

/**
 * Whether a glyph's foot is closed: across its lowest rows (85-95% of its height) ink runs as
 * one stroke over most of its width, as the bottom of a "B" joins its stem to the lower bowl;
 * a "ß" shows its stem and the end of its tail there with ground between them. The recogniser
 * reads either as the other when the word wants it ("GrüBe" as "Grüße"). Undefined when the
 * glyph is too small to tell.
 */
export function closedFoot(image: GreyImage, box: OcrBox, polarity: OcrPolarity): boolean | undefined {
  const area = clip(image, box);
  if (area.height < minimumFootHeight || area.width < 4) return undefined;
  const ink = inkMask(image, area, polarity);
  let rows = 0;
  let closed = 0;
  for (let y = Math.floor(area.height * 0.85); y <= Math.floor(area.height * 0.95); y++) {
    rows++;
    // Runs of ink at least two pixels long: a lone pixel is noise, not a stroke.
    let runs = 0;
    let longest = 0;
    let run = 0;
    for (let x = 0; x <= area.width; x++) {
      if (x < area.width && ink[y * area.width + x]) run++;
      else {
        if (run >= 2) {
          runs++;
          longest = Math.max(longest, run);
        }
        run = 0;
      }
    }
    if (runs === 1 && longest >= area.width * 0.6) closed++;
  }
  return closed * 2 > rows;
}

/** The accents a glyph's mark is told apart as. */
export type AccentMark = 'acute' | 'grave' | 'circumflex' | 'diaeresis' | 'tilde' | 'none';

interface Component {
  readonly pixels: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  /** The shape's pixels, as column and row coordinates (one entry each per pixel). */
  readonly xs: Int32Array;
  readonly ys: Int32Array;
}

/** The 8-connected ink shapes of a binary image. */
function components(ink: Uint8Array, width: number, height: number): Component[] {
  const seen = new Uint8Array(ink.length);
  // Every pixel enters the stack and the coordinate lists at most once: flat typed arrays, no
  // per-pixel allocation (this runs on every word of every reading).
  const stack = new Int32Array(ink.length);
  const xs = new Int32Array(ink.length);
  const ys = new Int32Array(ink.length);
  let filled = 0;
  const found: Component[] = [];
  for (let start = 0; start < ink.length; start++) {
    if (!ink[start] || seen[start]) continue;
    const first = filled;
    let left = width;
    let right = -1;
    let top = height;
    let bottom = -1;
    let depth = 0;
    stack[depth++] = start;
    seen[start] = 1;
    while (depth > 0) {
      const at = stack[--depth]!;
      const y = Math.floor(at / width);
      const x = at - y * width;
      xs[filled] = x;
      ys[filled] = y;
      filled++;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const next = ny * width + nx;
          if (ink[next] && !seen[next]) {
            seen[next] = 1;
            stack[depth++] = next;
          }
        }
    }
    found.push({
      pixels: filled - first,
      left,
      right,
      top,
      bottom,
      xs: xs.subarray(first, filled),
      ys: ys.subarray(first, filled),
    });
  }
  return found;
}

/** The shape of one mark: which way it slants, or a peak, or a wave. */
function markShape(mark: Component): AccentMark | undefined {
  const { xs, ys } = mark;
  const n = xs.length;
  let sumX = 0;
  let sumY = 0;
  for (let index = 0; index < n; index++) {
    sumX += xs[index]!;
    sumY += ys[index]!;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let index = 0; index < n; index++) {
    const x = xs[index]!;
    const y = ys[index]!;
    xx += (x - meanX) ** 2;
    yy += (y - meanY) ** 2;
    xy += (x - meanX) * (y - meanY);
  }
  const correlation = xy / Math.sqrt(Math.max(1e-9, xx * yy));
  // Image rows grow downwards: an acute rises to the right (negative), a grave falls.
  if (correlation <= -0.45) return 'acute';
  if (correlation >= 0.45) return 'grave';
  const width = mark.right - mark.left + 1;
  const height = mark.bottom - mark.top + 1;
  if (width < height) return undefined;
  // A circumflex peaks in the middle; a tilde waves across.
  const third = width / 3;
  let middleCount = 0;
  let middleSum = 0;
  let outerSum = 0;
  for (let index = 0; index < n; index++) {
    const x = xs[index]!;
    if (x >= mark.left + third && x < mark.left + 2 * third) {
      middleCount++;
      middleSum += ys[index]!;
    } else outerSum += ys[index]!;
  }
  const outerCount = n - middleCount;
  if (middleCount === 0 || outerCount === 0) return undefined;
  const middleY = middleSum / middleCount;
  const outerY = outerSum / outerCount;
  if (outerY - middleY >= height * 0.2) return 'circumflex';
  if (Math.abs(outerY - middleY) < height * 0.15) return 'tilde';
  return undefined;
}

/**
 * The accent drawn above a letter: the ink shapes above the letter's body within its column,
 * told apart by count (two dots: diaeresis) and shape (slant: acute or grave; peak: circumflex;
 * wave: tilde). Undefined when the glyph cannot be made out.
 */
export function accentMark(image: GreyImage, box: OcrBox, polarity: OcrPolarity): AccentMark | undefined {
  // The recogniser's box may stop at the letter's body: look half a box higher too.
  const area = clip(image, {
    x: Math.round(box.x - box.width * 0.1),
    y: Math.round(box.y - box.height * 0.5),
    width: Math.round(box.width * 1.2),
    height: Math.round(box.height * 1.5),
  });
  if (area.width < 4 || area.height < 8) return undefined;
  const ink = inkMask(image, area, polarity);
  const shapes = components(ink, area.width, area.height);
  // The letter's body: the largest shape reaching the bottom half of the box.
  const boxBottom = box.y + box.height - area.y;
  const body = shapes
    .filter((shape) => shape.bottom >= boxBottom - box.height / 2)
    .reduce<Component | undefined>(
      (largest, shape) => (!largest || shape.pixels > largest.pixels ? shape : largest),
      undefined,
    );
  if (!body) return undefined;
  const marks = shapes.filter(
    (shape) =>
      shape !== body &&
      shape.bottom < body.top + (body.bottom - body.top) * 0.1 &&
      shape.pixels >= body.pixels * 0.02 &&
      shape.right >= body.left &&
      shape.left <= body.right,
  );
  if (marks.length === 0) return 'none';
  if (marks.length === 2) return 'diaeresis';
  if (marks.length > 2) return undefined;
  return markShape(marks[0]!);
}

/** One glyph of a word as drawn: its body (the letter) and the marks above it (accents, dots). */
export interface Glyph {
  readonly body: OcrBox;
  readonly marks: number;
  /** The accent its marks make, when it has any. */
  readonly accent: AccentMark | undefined;
}

/**
 * The glyphs of a word, left to right, cut from the pixels in its box: each ink shape at least
 * 40% as tall as the tallest is a letter's body; smaller shapes above a body are its marks
 * (an accent, the dot of an "i"). The recogniser's own glyph boxes are often placed off their
 * glyphs; these are where the ink is. Letters that touch come out as one glyph. `xHeight`, the
 * line's, when known, makes room above for accents over a word of lowercase only.
 */
export function wordGlyphs(image: GreyImage, box: OcrBox, polarity: OcrPolarity, xHeight?: number): Glyph[] {
  // Room above for marks: a third of the box, and at least the height an accent rises above
  // lowercase (a box round "más" is only x-height tall, its accent above it).
  const above = Math.max(box.height * 0.3, (xHeight ?? 0) * 0.7);
  const area = clip(image, {
    x: Math.round(box.x - box.height * 0.05),
    y: Math.round(box.y - above),
    width: Math.round(box.width + box.height * 0.1),
    height: Math.round(box.height * 1.05 + above),
  });
  if (area.width < 4 || area.height < 8) return [];
  const ink = inkMask(image, area, polarity);
  const shapes = components(ink, area.width, area.height);
  if (shapes.length === 0) return [];
  const tallest = Math.max(...shapes.map((shape) => shape.bottom - shape.top + 1));
  // Ink cut by the area's edge belongs to the ground or a neighbour, not to the word.
  const inside = (shape: Component) =>
    shape.left > 0 && shape.top > 0 && shape.right < area.width - 1 && shape.bottom < area.height - 1;
  const bodies = shapes
    .filter((shape) => inside(shape) && shape.bottom - shape.top + 1 >= tallest * 0.4)
    .sort((a, b) => a.left - b.left);
  const largest = Math.max(0, ...bodies.map((body) => body.pixels));
  const marksOf = new Map<Component, Component[]>(bodies.map((body) => [body, []]));
  for (const shape of shapes) {
    if (marksOf.has(shape) || !inside(shape) || shape.pixels < largest * 0.01) continue;
    const centre = (shape.left + shape.right) / 2;
    const under = bodies.find((body) => centre >= body.left - 1 && centre <= body.right + 1);
    if (under && shape.bottom < under.top + (under.bottom - under.top) * 0.2) marksOf.get(under)!.push(shape);
  }
  return bodies.map((body) => {
    const marks = marksOf.get(body)!;
    const accent: AccentMark | undefined =
      marks.length === 0
        ? 'none'
        : marks.length === 2
          ? 'diaeresis'
          : marks.length === 1
            ? markShape(marks[0]!)
            : undefined;
    return {
      body: {
        x: area.x + body.left,
        y: area.y + body.top,
        width: body.right - body.left + 1,
        height: body.bottom - body.top + 1,
      },
      marks: marks.length,
      accent,
    };
  });
}
