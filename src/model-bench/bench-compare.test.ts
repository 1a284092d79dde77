import { describe, expect, it } from 'vitest';
import { compareBenchResults, formatComparison } from './bench-compare.ts';
import { type BenchResult, benchResultSchema } from './bench-schema.ts';

function synthetic(p50: number, perMinute: number, rss: number): BenchResult {
  return benchResultSchema.parse({
    schema: 'atelier-bench/1',
    campaign: 'c',
    date: '2026-11-26T00:00:00.000Z',
    machine: 'test',
    seeds: [1, 2],
    setups: [
      {
        label: 'builtin:draft',
        models: { compose: 'builtin:draft' },
        images: 4,
        failed: 0,
        wallMs: 1000,
        imagesPerMinute: perMinute,
        peakRssMb: rss,
        costUsd: 0,
        stages: [{ stage: 'compose', jobs: 4, p50Ms: p50, p95Ms: p50 * 2, meanMs: p50 }],
        quality: [],
      },
      {
        label: 'only-before',
        models: {},
        images: 0,
        failed: 0,
        wallMs: 0,
        imagesPerMinute: 0,
        peakRssMb: 0,
        costUsd: 0,
        stages: [],
        quality: [],
      },
    ],
    sweep: [],
  });
}

describe('bench compare', () => {
  it('gives after/before ratios for setups both files measured', () => {
    const after = synthetic(50, 90, 500);
    after.setups = after.setups.filter((setup) => setup.label !== 'only-before');
    const rows = compareBenchResults(synthetic(100, 60, 400), after);
    const ratio = (measure: string) => rows.find((row) => row.measure === measure)?.ratio;
    expect(ratio('compose p50 ms')).toBe(0.5);
    expect(ratio('compose p95 ms')).toBe(0.5);
    expect(ratio('images/min')).toBe(1.5);
    expect(ratio('peak RSS MB')).toBe(1.25);
    expect(ratio('cost USD')).toBe(1);
    expect(rows.every((row) => row.setup === 'builtin:draft')).toBe(true);
    expect(formatComparison(rows)).toContain('| builtin:draft | compose p50 ms | 100 | 50 | 0.500x |');
  });

  it('rejects a file that is not an Atelier bench result', () => {
    expect(benchResultSchema.safeParse({ schema: 'atelier-bench/1', setups: 'x' }).success).toBe(false);
  });
});
