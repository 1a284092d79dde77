import { describe, expect, it } from 'vitest';
import { renderDraft } from '../models/builtin/draft/draft-image-model.ts';
import { type ColourSample, colourReport } from './colour-report.ts';
import { measureImageColour } from './image-colour.ts';
import { decodeRawImage } from './raw-image.ts';

const brand = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];
const offBrand = ['#00C2FF', '#0047FF', '#00FF85'];

async function sample(shotId: string, seed: number, palette: readonly string[]): Promise<ColourSample> {
  const png = await renderDraft({ prompt: `${shotId} scene`, seed, width: 160, height: 160, palette });
  return { shotId, seedIndex: 0, seed, colour: measureImageColour(await decodeRawImage(png), brand) };
}

describe('colourReport', () => {
  it('flags exactly the one deliberately off-palette image of a set', async () => {
    const samples = await Promise.all([
      sample('tulips', 1, brand),
      sample('bottle', 2, brand),
      sample('meadow', 3, brand),
      sample('window', 4, brand),
      sample('neon', 5, offBrand),
      sample('citrus', 6, brand),
    ]);
    const report = colourReport(samples);
    expect(report.outliers.map((image) => image.shotId)).toEqual(['neon']);
    expect(report.outliers[0]!.outlier).toContain('brand');
    const neon = report.perImage.find((image) => image.shotId === 'neon')!;
    expect(neon.brandDeltaE).toBe(report.brandDeltaE.max);
    expect(report.images).toBe(6);
  });

  it('flags nothing in a consistent set and measures its spread', async () => {
    const samples = await Promise.all([1, 2, 3, 4, 5].map((seed) => sample(`shot-${seed}`, seed, brand)));
    const report = colourReport(samples);
    expect(report.outliers).toEqual([]);
    expect(report.spread).toBeGreaterThan(0);
    const withNeon = colourReport([...samples, await sample('neon', 9, offBrand)]);
    expect(withNeon.spread).toBeGreaterThan(report.spread);
    expect(withNeon.brandDeltaE.mean).toBeGreaterThan(report.brandDeltaE.mean);
  });

  it('leaves the image out of its own mean and deviation (a set of five can still flag one)', () => {
    const at = (brandDeltaE: number, index: number): ColourSample => ({
      shotId: `s${index}`,
      seedIndex: 0,
      seed: index,
      colour: {
        palette: [{ hex: '#000000', lab: [index * 0.1, 0, 0], weight: 1 }],
        mean: { hex: '#000000', lab: [0, 0, 0] },
        brandDeltaE,
      },
    });
    // With the image included, 20 would be only 1.79 standard deviations above the mean of five.
    const report = colourReport([5, 5.5, 6, 5.2, 20].map(at));
    expect(report.outliers.map((image) => image.shotId)).toEqual(['s4']);
    // A tight set: 3 ΔE above the rest is many deviations but below the minimum excess.
    expect(colourReport([5, 5.01, 5.02, 5.01, 8].map(at)).outliers).toEqual([]);
    expect(colourReport([5, 5.01, 5.02, 5.01, 8].map(at), { minimumExcess: 2 }).outliers).toHaveLength(1);
    expect(colourReport([5, 30].map(at)).outliers).toEqual([]);
  });
});
