import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { pngDeflateClass } from '../manifest/png-xmp.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { cropAround, exportStage } from './export-stage.ts';

describe('cropAround', () => {
  it('takes the largest centred rectangle of the aspect', () => {
    expect(cropAround({ width: 1000, height: 1000 }, 16 / 9)).toEqual({
      left: 0,
      top: 219,
      width: 1000,
      height: 563,
    });
    expect(cropAround({ width: 1000, height: 1000 }, 4 / 5)).toEqual({
      left: 100,
      top: 0,
      width: 800,
      height: 1000,
    });
  });

  it('moves toward the focal point and stays inside the image', () => {
    expect(cropAround({ width: 1000, height: 1000 }, 9 / 16, { x: 0.1, y: 0.5 })).toEqual({
      left: 0,
      top: 0,
      width: 563,
      height: 1000,
    });
    expect(cropAround({ width: 1000, height: 1000 }, 9 / 16, { x: 0.7, y: 0.5 })).toEqual({
      left: 419,
      top: 0,
      width: 563,
      height: 1000,
    });
    expect(cropAround({ width: 1000, height: 1000 }, 9 / 16, { x: 1, y: 0.5 })).toEqual({
      left: 437,
      top: 0,
      width: 563,
      height: 1000,
    });
  });
});

describe('export encoding settings', () => {
  const projects: TempProject[] = [];
  afterEach(async () => {
    await Promise.all(projects.splice(0).map((project) => project.cleanup()));
  });

  const crops = [
    { aspect: '4:5', size: '80x100' },
    { aspect: '16:9', size: '160x90' },
  ];

  /** Renders one shot through compose and export; returns each exported file with what sharp reads in it. */
  async function exported(exportParams: Record<string, unknown>, exportCrops: typeof crops = crops) {
    const project = await createTempProject(
      smallCampaign({
        pipeline: {
          seeds: [5],
          stages: [
            { stage: 'compose', size: '160x128' },
            { stage: 'export', crops: exportCrops, ...exportParams },
          ],
        },
        shots: [{ id: 'tulips', prompt: 'spring tulips in morning light', focus: { x: 0.3, y: 0.5 } }],
      }),
    );
    projects.push(project);
    const summary = await runCampaign({ loaded: await project.load() });
    expect(summary.status).toBe('completed');
    const record = JSON.parse(await readFile(join(summary.runDirectory, 'run.json'), 'utf8'));
    return Promise.all(
      (record.chains[0].outputs as string[]).map(async (file) => {
        const bytes = await readFile(join(summary.runDirectory, file));
        const { format, width, height } = await sharp(bytes).metadata();
        return {
          file: file.replace(/^.*05?-?export-|^.*\//, ''),
          format,
          width,
          height,
          size: bytes.byteLength,
          bytes,
          path: join(summary.runDirectory, file),
        };
      }),
    );
  }

  it('writes every crop in every format at its exact size, in the order of the config', async () => {
    const files = await exported({ formats: ['png', 'webp', 'jpeg'] });
    expect(files.map(({ format, width, height }) => ({ format, width, height }))).toEqual([
      { format: 'png', width: 80, height: 100 },
      { format: 'webp', width: 80, height: 100 },
      { format: 'jpeg', width: 80, height: 100 },
      { format: 'png', width: 160, height: 90 },
      { format: 'webp', width: 160, height: 90 },
      { format: 'jpeg', width: 160, height: 90 },
    ]);
  });

  it('spends the configured effort: PNG level 0 stores, level 9 compresses; WebP effort changes the file', async () => {
    const least = await exported({ formats: ['png', 'webp'], effort: { png: 0, webp: 0 } });
    const most = await exported({ formats: ['png', 'webp'], effort: { png: 9, webp: 6 } });
    const sizes = (files: typeof least, format: string) =>
      files.filter((file) => file.format === format).map((file) => file.size);
    // Level 0 is zlib's "store": at least 3 bytes per RGB pixel of the 80x100 and 160x90 crops.
    expect(sizes(least, 'png').every((size, index) => size >= [80 * 100, 160 * 90][index]! * 3)).toBe(true);
    const [stored, squeezed] = [sizes(least, 'png'), sizes(most, 'png')];
    expect(squeezed.every((size, index) => size < stored[index]!)).toBe(true);
    expect(sizes(most, 'webp')).not.toEqual(sizes(least, 'webp'));
  });

  it('keeps the master PNG for a crop that is the whole image at its size, unless asked to compress harder', async () => {
    const whole = [...crops, { aspect: '5:4', size: '160x128' }];
    const master = async (files: Awaited<ReturnType<typeof exported>>) => {
      const compose = await readFile(files[0]!.path.replace(/[^/]+$/, '01-compose.png'));
      const crop = files.find((file) => file.file.endsWith('5x4.png'))!.bytes;
      const pixels = async (png: Uint8Array) => (await sharp(png).raw().toBuffer()).toString('base64');
      return {
        sameCompressedPixels: imageData(crop).equals(imageData(compose)),
        samePixels: (await pixels(crop)) === (await pixels(compose)),
        deflateClass: pngDeflateClass(crop),
      };
    };
    // Compose stores its PNG at level 2: an export asking for level 1 keeps those bytes as they are
    // (encoding again would give zlib's fastest class, 0); one asking for level 9 encodes again.
    expect(await master(await exported({ formats: ['png'], effort: { png: 1 } }, whole))).toEqual({
      sameCompressedPixels: true,
      samePixels: true,
      deflateClass: 1,
    });
    expect(await master(await exported({ formats: ['png'], effort: { png: 9 } }, whole))).toEqual({
      sameCompressedPixels: false,
      samePixels: true,
      deflateClass: 3,
    });
  });

  it('defaults to PNG level 2 and WebP effort 2, and refuses effort out of range', () => {
    const parsed = exportStage.paramsSchema.parse({ crops: [{ aspect: '1:1', size: '64x64' }] });
    expect(parsed.effort).toEqual({ png: 2, webp: 2 });
    const problem = exportStage.paramsSchema.safeParse({
      crops: [{ aspect: '1:1', size: '64x64' }],
      effort: { webp: 7 },
    });
    expect(problem.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['effort.webp']);
  });
});

/** The concatenated IDAT payloads of a PNG: its compressed pixels, without any metadata chunk. */
function imageData(png: Uint8Array): Buffer {
  const bytes = Buffer.from(png);
  const parts: Buffer[] = [];
  for (let offset = 8; offset < bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    if (bytes.toString('latin1', offset + 4, offset + 8) === 'IDAT')
      parts.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += length + 12;
  }
  return Buffer.concat(parts);
}
