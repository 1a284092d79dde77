import { hashOf, sha256 } from '../util/canonical-json.ts';
import { loadSharp } from '../util/sharp.ts';

export interface ContactSheetItem {
  label: string;
  bytes: Uint8Array;
  /** Marks a failed chain: shown as a grey tile with its reason. */
  failed?: string;
}

const labelHeight = 36;
const gap = 12;
const header = 56;
const background = [0xf7, 0xf5, 0xf2] as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function tileSizeFor(count: number): number {
  // Big sets get smaller tiles so the sheet stays a readable, quick-to-make picture.
  return count <= 36 ? 256 : 128;
}

/** Renders SVG text onto the sheet background as raw RGB, so it can be pasted like a tile. */
async function rasterise(svgBody: string, width: number, height: number): Promise<Buffer> {
  const sharp = await loadSharp();
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svgBody}</svg>`;
  return sharp(Buffer.from(svg))
    .flatten({ background: { r: background[0], g: background[1], b: background[2] } })
    .raw()
    .toBuffer();
}

function paste(
  canvas: Buffer,
  canvasWidth: number,
  image: Buffer,
  left: number,
  top: number,
  width: number,
  height: number,
) {
  for (let row = 0; row < height; row++) {
    image.copy(canvas, ((top + row) * canvasWidth + left) * 3, row * width * 3, (row + 1) * width * 3);
  }
}

/** Bumped when the sheet's drawing changes, so sheets reused by key are drawn again. */
const sheetFormatVersion = 1;

interface Cell {
  /** What the tile shows: an image's address, or a failure's reason. */
  shows: { image: string } | { failed: string };
  label: string;
  tile(): Promise<Buffer | undefined>;
}

/**
 * Collects a contact sheet's tiles as a run's chains finish and draws it at the end. Nothing is
 * decoded until `render`: a sheet with the same `key` (the same images, labels and title) is
 * reused by the caller instead. Each label is rasterised as its own small image and pasted
 * (libvips composites each overlay as a separate operation and one big SVG of labels is slow:
 * on a 200-image run both cost more than the orchestration they summarise).
 */
export class ContactSheetBuilder {
  private readonly cells: Array<Cell | undefined>;
  readonly tile: number;

  constructor(readonly count: number) {
    this.tile = tileSizeFor(count);
    this.cells = new Array(count);
  }

  /** An image by address, with what reads its bytes (a preview is enough) when the sheet is drawn. */
  add(index: number, label: string, address: string, read: () => Promise<Uint8Array | undefined>): void {
    const tile = async () => {
      const [data, sharp] = await Promise.all([read(), loadSharp()]);
      return data
        ? sharp(data).resize(this.tile, this.tile, { fit: 'cover' }).removeAlpha().raw().toBuffer()
        : undefined;
    };
    this.cells[index] = { shows: { image: address }, label, tile };
  }

  addFailure(index: number, label: string, reason: string): void {
    const text = escapeXml(reason.slice(0, this.tile < 256 ? 16 : 32));
    const tile = () =>
      rasterise(
        `<rect width="100%" height="100%" fill="#d9d4ce"/><text x="8" y="${this.tile / 2}" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#8a1c1c">${text}</text>`,
        this.tile,
        this.tile,
      );
    this.cells[index] = { shows: { failed: reason }, label, tile };
  }

  /** The sheet's content address before it is drawn: equal keys draw equal sheets. */
  key(title: string): string {
    const cells = this.cells.flatMap((cell) => (cell ? [{ shows: cell.shows, label: cell.label }] : []));
    return hashOf({ sheetFormatVersion, tile: this.tile, title, cells });
  }

  private label(text: string): Promise<Buffer> {
    const size = this.tile < 256 ? 11 : 14;
    return rasterise(
      `<text x="0" y="22" font-family="DejaVu Sans, sans-serif" font-size="${size}" fill="#2b2b2b">${escapeXml(text)}</text>`,
      this.tile,
      labelHeight,
    );
  }

  async render(title: string): Promise<Buffer> {
    const { tile } = this;
    const cells = this.cells.filter((cell): cell is Cell => cell !== undefined);
    const columns = Math.max(
      1,
      Math.min(cells.length <= 36 ? 6 : 12, Math.ceil(Math.sqrt(cells.length * 1.5))),
    );
    const rows = Math.max(1, Math.ceil(cells.length / columns));
    const width = gap + columns * (tile + gap);
    const height = header + rows * (tile + labelHeight + gap) + gap;
    const canvas = Buffer.alloc(width * height * 3, Buffer.from(background));
    const heading = await rasterise(
      `<text x="${gap}" y="36" font-family="DejaVu Sans, sans-serif" font-size="22" font-weight="bold" fill="#1d1d1d">${escapeXml(title)}</text>`,
      width,
      header,
    );
    paste(canvas, width, heading, 0, 0, width, header);
    // Started together: libvips spreads them over its threads.
    const drawn = await Promise.all(cells.map((cell) => Promise.all([cell.tile(), this.label(cell.label)])));
    for (const [position, [image, label]] of drawn.entries()) {
      const left = gap + (position % columns) * (tile + gap);
      const top = header + Math.floor(position / columns) * (tile + labelHeight + gap);
      if (image) paste(canvas, width, image, left, top, tile, tile);
      paste(canvas, width, label, left, top + tile, tile, labelHeight);
    }
    const sharp = await loadSharp();
    return sharp(canvas, { raw: { width, height, channels: 3 } })
      .png({ compressionLevel: 4 })
      .toBuffer();
  }
}

/** A PNG grid of images with a label under each (failed items as grey tiles with the reason). */
export async function renderContactSheet(items: readonly ContactSheetItem[], title: string): Promise<Buffer> {
  const builder = new ContactSheetBuilder(items.length);
  for (const [index, item] of items.entries()) {
    if (item.failed) builder.addFailure(index, item.label, item.failed);
    else builder.add(index, item.label, sha256(item.bytes), async () => item.bytes);
  }
  return builder.render(title);
}
