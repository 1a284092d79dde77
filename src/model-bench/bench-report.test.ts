import { describe, expect, it } from 'vitest';
import { benchChartSvg, benchMarkdown } from './bench-report.ts';
import type { BenchResult } from './bench-schema.ts';

type Setup = BenchResult['setups'][number];

function judgedSetup(label: string, mean: number, low: number, high: number): Setup {
  return {
    label,
    models: { compose: label },
    images: 4,
    failed: 0,
    wallMs: 4000,
    imagesPerMinute: 60,
    peakRssMb: 100,
    costUsd: 0.01,
    stages: [{ stage: 'compose', jobs: 4, p50Ms: 900, p95Ms: 1200, meanMs: 950 }],
    quality: [],
    adherence: {
      judge: 'google:gemini-2.5-flash',
      images: [],
      adherence: { mean, low, high },
      categories: { entity: { yes: 7, total: 8 }, count: { yes: 2, total: 4 } },
      judgeCostUsd: 0.002,
    },
  };
}

const result = (questions?: BenchResult['questions']): BenchResult => ({
  schema: 'atelier-bench/1',
  campaign: 'spring',
  date: '2026-11-27T00:00:00.000Z',
  machine: 'test',
  seeds: [1, 2],
  setups: [judgedSetup('builtin:draft', 0.6, 0.45, 0.75), judgedSetup('openai:gpt-image-1', 0.8, 0.7, 0.9)],
  sweep: [],
  judge: 'google:gemini-2.5-flash',
  ...(questions ? { questions } : {}),
});

/** Each judged bar's rect width and its whisker's ends, read back from the SVG. */
function barsWithWhiskers(svg: string) {
  const pattern =
    /<rect x="(\d+)" y="[\d.]+" width="([\d.]+)"[^>]*\/>(?:<g stroke="#ffffff"[^>]*>(?:<line[^>]*\/>)+<\/g>)?<g class="interval"[^>]*><line x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"/g;
  return [...svg.matchAll(pattern)].map((match) => ({
    left: Number(match[1]),
    width: Number(match[2]),
    low: Number(match[3]),
    high: Number(match[4]),
  }));
}

describe('bench chart', () => {
  it('draws the adherence interval as a whisker on each setup’s bar, on the bar’s own scale', () => {
    const bench = result();
    const svg = benchChartSvg(bench);
    expect(svg).not.toContain('95% CI low');
    expect(svg).not.toContain('95% CI high');
    const bars = barsWithWhiskers(svg);
    expect(bars).toHaveLength(2);
    for (const [index, bar] of bars.entries()) {
      const { mean, low, high } = bench.setups[index]!.adherence!.adherence;
      // Ends sit where the bar would end at the interval's bounds (SVG rounds to 0.1 px).
      expect((bar.low - bar.left) / bar.width).toBeCloseTo(low / mean, 2);
      expect((bar.high - bar.left) / bar.width).toBeCloseTo(high / mean, 2);
    }
    expect(svg).toContain('60.0 % [45.0, 75.0]');
    // Categories stay plain bars.
    expect(svg.match(/class="interval"/g)).toHaveLength(2);
  });
});

describe('bench.md question writing', () => {
  it('gets its own line, apart from every setup’s cost', () => {
    const markdown = benchMarkdown(
      result({ writer: 'google:gemini-2.5-flash', prompts: 3, written: 2, costUsd: 0.00123 }),
    );
    expect(markdown).toContain(
      "Question writing (once for every setup, in no setup's cost): google:gemini-2.5-flash, 3 prompts (2 written now, 1 from the ledger), cost USD 0.0012.",
    );
    expect(markdown).toContain('| builtin:draft | 1.00 | 60.0% [45.0, 75.0] | 4 | 0.0100 | 0.0025 |');
  });

  it('says the cost is unknown when the writer has no token prices, and is absent without a judge', () => {
    const unpriced = benchMarkdown(
      result({ writer: 'openai-compatible:qwen', prompts: 1, written: 1, costUsd: null }),
    );
    expect(unpriced).toContain('1 prompt (1 written now, 0 from the ledger), cost unknown');
    expect(benchMarkdown(result())).not.toContain('Question writing');
  });
});
