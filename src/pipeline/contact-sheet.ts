import sharp, { type OverlayOptions } from 'sharp';

export interface ContactSheetItem {
  label: string;
  bytes: Uint8Array;
  /** Marks a failed chain: shown as a grey tile with its reason. */
  failed?: string;
}

const tile = 256;
const labelHeight = 36;
const gap = 12;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A PNG grid of every chain's master image with its shot and seed under it. */
export async function renderContactSheet(items: readonly ContactSheetItem[], title: string): Promise<Buffer> {
  const columns = Math.max(1, Math.min(6, Math.ceil(Math.sqrt(items.length * 1.5))));
  const rows = Math.max(1, Math.ceil(items.length / columns));
  const header = 56;
  const width = gap + columns * (tile + gap);
  const height = header + rows * (tile + labelHeight + gap) + gap;
  const layers: OverlayOptions[] = [];
  const labels: string[] = [];
  for (const [index, item] of items.entries()) {
    const left = gap + (index % columns) * (tile + gap);
    const top = header + Math.floor(index / columns) * (tile + labelHeight + gap);
    const thumbnail = item.failed
      ? await sharp({ create: { width: tile, height: tile, channels: 3, background: '#d9d4ce' } })
          .png()
          .toBuffer()
      : await sharp(item.bytes).resize(tile, tile, { fit: 'cover' }).png().toBuffer();
    layers.push({ input: thumbnail, left, top });
    labels.push(
      `<text x="${left}" y="${top + tile + 22}" font-family="DejaVu Sans, sans-serif" font-size="14" fill="#2b2b2b">${escapeXml(item.label)}</text>`,
    );
    if (item.failed) {
      labels.push(
        `<text x="${left + 12}" y="${top + tile / 2}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#8a1c1c">${escapeXml(item.failed.slice(0, 32))}</text>`,
      );
    }
  }
  const overlay = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<text x="${gap}" y="36" font-family="DejaVu Sans, sans-serif" font-size="22" font-weight="bold" fill="#1d1d1d">${escapeXml(title)}</text>` +
      `${labels.join('')}</svg>`,
  );
  return sharp({ create: { width, height, channels: 3, background: '#f7f5f2' } })
    .composite([...layers, { input: overlay, left: 0, top: 0 }])
    .png()
    .toBuffer();
}
