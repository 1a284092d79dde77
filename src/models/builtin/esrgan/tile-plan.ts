/** A rectangle in pixels; `left`/`top` may be negative for regions read past the image edge. */
export interface Rectangle {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface TileSettings {
  /** Largest core tile edge in input pixels. */
  readonly tile: number;
  /** Context read around each tile's output region (input pixels), discarded after inference. */
  readonly padding: number;
  /** Input pixels on each side of a seam where neighbouring tiles are blended. */
  readonly overlap: number;
}

export interface PlannedTile {
  readonly index: number;
  readonly row: number;
  readonly column: number;
  /** The part of the image this tile owns. Cores partition the image. */
  readonly core: Rectangle;
  /** The part this tile produces: its core plus the overlap on sides that have a neighbour. */
  readonly region: Rectangle;
  /**
   * What the engine sees: the region plus at least `padding` on every side (reflected past the
   * image edges). All tiles of a plan share one input size.
   */
  readonly input: Rectangle;
}

export interface TilePlan {
  readonly width: number;
  readonly height: number;
  readonly rows: number;
  readonly columns: number;
  /** Overlap actually used: the requested one, limited to half the narrowest core. */
  readonly overlap: number;
  readonly padding: number;
  /** Core boundaries: `columns + 1` x positions and `rows + 1` y positions. */
  readonly xBounds: readonly number[];
  readonly yBounds: readonly number[];
  /** Row-major. */
  readonly tiles: readonly PlannedTile[];
  /** The engine input size shared by every tile, which is what bounds memory. */
  readonly largestInput: { readonly width: number; readonly height: number };
}

/**
 * Splits an image into a grid of near-equal core tiles no larger than `tile`. Equal splits keep
 * the workers evenly loaded and the largest tile (which bounds memory) as small as the grid
 * allows. The plan is a pure function of the image size and settings, so the same settings
 * always give the same tiles, hence the same bytes.
 *
 * @example planTiles(1000, 600, { tile: 256, padding: 10, overlap: 4 }).columns === 4
 */
export function planTiles(width: number, height: number, settings: TileSettings): TilePlan {
  const columns = Math.ceil(width / settings.tile);
  const rows = Math.ceil(height / settings.tile);
  const xBounds = evenBounds(width, columns);
  const yBounds = evenBounds(height, rows);
  const narrowest = Math.min(...spans(xBounds), ...spans(yBounds));
  const overlap = columns === 1 && rows === 1 ? 0 : Math.min(settings.overlap, Math.floor(narrowest / 2));
  const { padding } = settings;
  // Every tile gets the same input size (the largest region plus padding; smaller regions read
  // a little more context to their right and below). One shape for the whole image lets the
  // engine reuse its buffers instead of fragmenting memory over a dozen slightly different sizes.
  const widest = Math.max(...spans(xBounds)) + 2 * overlap;
  const tallest = Math.max(...spans(yBounds)) + 2 * overlap;
  const inputWidth = (columns === 1 ? width : widest) + 2 * padding;
  const inputHeight = (rows === 1 ? height : tallest) + 2 * padding;
  const tiles: PlannedTile[] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const core = {
        left: xBounds[column]!,
        top: yBounds[row]!,
        width: xBounds[column + 1]! - xBounds[column]!,
        height: yBounds[row + 1]! - yBounds[row]!,
      };
      const left = column > 0 ? overlap : 0;
      const right = column < columns - 1 ? overlap : 0;
      const top = row > 0 ? overlap : 0;
      const bottom = row < rows - 1 ? overlap : 0;
      const region = {
        left: core.left - left,
        top: core.top - top,
        width: core.width + left + right,
        height: core.height + top + bottom,
      };
      const input = {
        left: region.left - padding,
        top: region.top - padding,
        width: inputWidth,
        height: inputHeight,
      };
      tiles.push({ index: tiles.length, row, column, core, region, input });
    }
  }
  return {
    width,
    height,
    rows,
    columns,
    overlap,
    padding,
    xBounds,
    yBounds,
    tiles,
    largestInput: { width: inputWidth, height: inputHeight },
  };
}

function evenBounds(length: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, index) => Math.round((index * length) / parts));
}

function spans(bounds: readonly number[]): number[] {
  return bounds.slice(1).map((bound, index) => bound - bounds[index]!);
}

/**
 * Maps any integer coordinate onto `[0, length)` by mirroring about the edge pixels without
 * repeating them (…2 1 | 0 1 2 … n-1 | n-2 …), folding as often as needed, so context of any
 * width exists even for an image narrower than the padding.
 */
export function reflectIndex(index: number, length: number): number {
  if (length === 1) return 0;
  const period = 2 * (length - 1);
  const folded = ((index % period) + period) % period;
  return folded < length ? folded : period - folded;
}
