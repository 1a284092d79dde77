import { z } from 'zod';
import { aspectSchema, aspectValue, type Shot, sizeSchema } from '../config/campaign-schema.ts';
import { deflateClassOfLevel, pngDeflateClass } from '../manifest/png-xmp.ts';
import { defaultEncodeEffort, loadSharp } from '../util/sharp.ts';
import type { OutputFormat, StageDefinition } from './stage.ts';

const cropSchema = z
  .strictObject({ aspect: aspectSchema, size: sizeSchema })
  .refine((crop) => Math.abs(crop.size.width - crop.size.height * aspectValue(crop.aspect)) <= 1, {
    message: 'size does not match its aspect ratio (allowed rounding: 1 px)',
    path: ['size'],
  });

const exportParamsSchema = z.strictObject({
  formats: z
    .array(z.enum(['png', 'jpeg', 'webp']))
    .min(1)
    .default(['png']),
  /** Quality for lossy formats, 1..100. */
  quality: z.number().int().min(1).max(100).default(90),
  /** CPU spent on compression per format: the zlib level of a PNG (0..9), the effort of a WebP (0..6). */
  effort: z
    .strictObject({
      png: z.number().int().min(0).max(9).default(defaultEncodeEffort.png),
      webp: z.number().int().min(0).max(6).default(defaultEncodeEffort.webp),
    })
    .default(defaultEncodeEffort),
  crops: z
    .array(cropSchema)
    .min(1, 'expected at least one crop')
    .refine(
      (crops) => new Set(crops.map((crop) => crop.aspect)).size === crops.length,
      'each aspect may appear once',
    ),
});
export type ExportParams = z.infer<typeof exportParamsSchema>;

const mediaTypes: Record<OutputFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export interface CropRectangle {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The largest rectangle of the given aspect ratio inside the image, centred on the focal
 * point and shifted (never shrunk) to stay inside the image.
 */
export function cropAround(
  image: { width: number; height: number },
  aspect: number,
  focus: { x: number; y: number } = { x: 0.5, y: 0.5 },
): CropRectangle {
  const fitsWidth = image.width / image.height > aspect;
  const width = fitsWidth ? Math.min(image.width, Math.round(image.height * aspect)) : image.width;
  const height = fitsWidth ? image.height : Math.min(image.height, Math.round(image.width / aspect));
  const clamp = (value: number, max: number) => Math.min(Math.max(0, value), max);
  return {
    left: clamp(Math.round(focus.x * image.width - width / 2), image.width - width),
    top: clamp(Math.round(focus.y * image.height - height / 2), image.height - height),
    width,
    height,
  };
}

function isWholeImage(
  rectangle: CropRectangle,
  size: { width: number; height: number },
  image: { width: number; height: number },
): boolean {
  return (
    rectangle.left === 0 &&
    rectangle.top === 0 &&
    rectangle.width === image.width &&
    rectangle.height === image.height &&
    size.width === image.width &&
    size.height === image.height
  );
}

function keepsMasterPng(master: Uint8Array, level: number): boolean {
  const stored = pngDeflateClass(master);
  return stored !== undefined && stored >= deflateClassOfLevel(level);
}

function cropsFor(shot: Shot, params: ExportParams) {
  return shot.crops ? params.crops.filter((crop) => shot.crops!.includes(crop.aspect)) : params.crops;
}

/**
 * The final stage: exact-size crops (4:5, 16:9, 1:1, 9:16...) from the last image, around the
 * shot's focal point, in each requested format.
 */
export const exportStage: StageDefinition<ExportParams> = {
  name: 'export',
  position: 'last',
  // The sealer names the crop and format of each file beside this.
  credentialAction: () => ({ action: 'c2pa.cropped', description: 'exact-size crop around the focal point' }),
  paramsSchema: exportParamsSchema,
  checkShot(shot, params) {
    const defined = params.crops.map((crop) => crop.aspect);
    return (shot.crops ?? []).flatMap((aspect, index) =>
      defined.includes(aspect)
        ? []
        : [
            {
              path: ['crops', index],
              message: `crop "${aspect}" is not defined by the export stage (it defines ${defined.join(', ')})`,
            },
          ],
    );
  },
  shotInputs: (shot, params) => ({ focus: shot.focus, crops: cropsFor(shot, params) }),
  async run(context) {
    const sharp = await loadSharp();
    const { input, shot, params } = context;
    if (!input) throw new Error('export stage ran without an input image');
    const rectangles: Record<string, CropRectangle> = {};
    const crops = cropsFor(shot, params);
    // Decoded once: every crop in every format is cut from the same pixels.
    const { data, info } = await sharp(input.bytes).raw().toBuffer({ resolveWithObject: true });
    const raw = { width: info.width, height: info.height, channels: info.channels };
    let encoded = 0;
    const files = crops.flatMap((crop) => {
      const rectangle = cropAround(input, aspectValue(crop.aspect), shot.focus);
      const name = crop.aspect.replace(':', 'x');
      rectangles[name] = rectangle;
      // All at once: the encoder runs each on a thread of the shared budget, as many as it has.
      const whole = isWholeImage(rectangle, crop.size, input);
      return params.formats.map(async (format) => {
        // A crop that is the whole master at its own size is the master: its PNG is kept as it
        // was stored (only the record changes) when it is at least as compressed as asked,
        // instead of being encoded a second time.
        const image =
          whole && format === 'png' && keepsMasterPng(input.bytes, params.effort.png)
            ? input.bytes
            : sharp(data, { raw })
                .extract(rectangle)
                .resize(crop.size.width, crop.size.height, { fit: 'fill', kernel: 'lanczos3' });
        const bytes = await context.encode(image, format, {
          quality: params.quality,
          effort: format === 'jpeg' ? undefined : params.effort[format],
        });
        context.progress(++encoded / (crops.length * params.formats.length), name);
        return { name, bytes, mediaType: mediaTypes[format], primary: false };
      });
    });
    // In the order of the config (crop, then format), however the encodes finish.
    const outputs = await Promise.all(files);
    return { status: 'ok', outputs, details: { crops: rectangles } };
  },
};
