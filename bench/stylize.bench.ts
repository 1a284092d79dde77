// Stylize and colour metrics: time per 1024x1024 image for the builtin:grade colour grade and for
// the colour measurement every stylized image (and every final image of a run) goes through, and
// what the grade does to a set's colour: distance to the brand palette and spread, by strength.
import { generateImage } from 'ai';
import { colourReport } from '../src/colour/colour-report.ts';
import { measureImageColour } from '../src/colour/image-colour.ts';
import { decodeRawImage, type RawImage } from '../src/colour/raw-image.ts';
import { renderDraft } from '../src/models/builtin/draft/draft-image-model.ts';
import { GradeImageModel } from '../src/models/builtin/grade/grade-image-model.ts';
import { paletteTargets, transferPalette } from '../src/models/builtin/grade/palette-transfer.ts';
import { paletteStatistics, transferStatistics } from '../src/models/builtin/grade/statistics-transfer.ts';
import { type BenchSection, median, percentile, round } from './bench-section.ts';

const brand = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];
const repeats = 7;

async function time(action: () => unknown | Promise<unknown>): Promise<number[]> {
  await action(); // warm-up: JIT, libvips caches
  const samples: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const started = performance.now();
    await action();
    samples.push(performance.now() - started);
  }
  return samples;
}

function row(measure: string, samples: number[], target = '') {
  return { measure, 'median ms': round(median(samples)), 'p95 ms': round(percentile(samples, 0.95)), target };
}

async function timings(): Promise<BenchSection> {
  // A cold blue render: the grade has real work to do.
  const png = await renderDraft({
    prompt: 'sea waves over dunes, open air',
    seed: 5,
    width: 1024,
    height: 1024,
    palette: ['#0B3D91', '#1E90FF', '#0A1F44', '#9FD3FF'],
  });
  const raw = await decodeRawImage(png);
  const target = paletteStatistics(brand);
  const model = new GradeImageModel();
  const grade = () =>
    generateImage({
      model,
      prompt: { images: [png], text: '' },
      providerOptions: { builtin: { palette: brand, strength: 0.6 } },
    });
  const sample = measureImageColour(raw, brand);
  const set = Array.from({ length: 100 }, (_, index) => ({
    shotId: `shot-${index}`,
    seedIndex: 0,
    seed: index,
    colour: sample,
  }));
  return {
    title: 'Stylize: grade and colour metrics per 1024x1024 image',
    rows: [
      row(
        'grade pixels (OKLab statistics transfer)',
        await time(() => transferStatistics(raw, target, { strength: 0.6 })),
        '< 1000',
      ),
      row(
        'grade pixels, palette mode (k-means + per-cluster pull)',
        await time(() => transferPalette(raw, paletteTargets(brand), { strength: 0.6 })),
        '< 1000',
      ),
      row('builtin:grade call (decode + grade + PNG encode)', await time(grade), '< 1000'),
      row('colour metrics (histogram + k-means + ΔE00)', await time(() => measureImageColour(raw, brand))),
      row(
        'colour metrics incl. PNG decode',
        await time(async () => measureImageColour(await decodeRawImage(png), brand)),
      ),
      row('set report for 100 images (pairwise palettes)', await time(() => colourReport(set))),
    ],
    notes: [
      `${repeats} timed runs after one warm-up; single thread for the pixel maths (libvips threads decode/encode).`,
      'The stylize stage adds its final PNG encode (with provenance XMP) to the builtin:grade call.',
    ],
  };
}

async function consistency(): Promise<BenchSection> {
  // Eight 256x256 draft renders: six in the brand palette, two with a strong colour cast.
  const casts = [
    ['#0B3D91', '#1E90FF', '#0A1F44'],
    ['#B22222', '#FF7F50', '#5C0A0A'],
  ];
  const images: RawImage[] = [];
  for (let index = 0; index < 8; index++) {
    const palette = index < 6 ? brand : casts[index - 6]!;
    const png = await renderDraft({
      prompt: `scene ${index}`,
      seed: 100 + index,
      width: 256,
      height: 256,
      palette,
    });
    images.push(await decodeRawImage(png));
  }
  const statistics = paletteStatistics(brand);
  const targets = paletteTargets(brand);
  const rows = [];
  for (const [mode, strength] of [
    ['none', 0],
    ['statistics', 0.3],
    ['statistics', 0.6],
    ['statistics', 1],
    ['palette', 0.3],
    ['palette', 0.6],
    ['palette', 1],
  ] as const) {
    const grade = (image: RawImage) =>
      mode === 'palette'
        ? transferPalette(image, targets, { strength })
        : transferStatistics(image, statistics, { strength });
    const samples = images.map((image, index) => ({
      shotId: `image-${index}`,
      seedIndex: 0,
      seed: index,
      colour: measureImageColour(grade(image), brand),
    }));
    const report = colourReport(samples);
    rows.push({
      mode,
      strength,
      'mean ΔE00 to brand': report.brandDeltaE.mean,
      'max ΔE00 to brand': report.brandDeltaE.max,
      'set spread ΔE00': report.spread,
      outliers: report.outliers.map((image) => image.shotId).join(' ') || '-',
    });
  }
  return {
    title: 'Stylize: colour consistency of a set by grade strength',
    rows,
    notes: [
      'Six builtin:draft renders in the brand palette plus two with a blue and a red cast (image-6, image-7), graded toward the brand palette with builtin:grade in each mode.',
      'ΔE00 to brand: weighted distance of each image’s dominant palette to the nearest brand colour. Spread: mean palette distance between two images.',
    ],
  };
}

export async function run(): Promise<BenchSection[]> {
  return [await timings(), await consistency()];
}
