import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../ledger/ledger-records.ts';
import { benchMarkdown } from './bench-report.ts';
import type { BenchResult } from './bench-schema.ts';
import { stageFigures } from './model-bench.ts';

function job(
  stage: string,
  status: JobRecord['status'],
  durationMs: number | null,
  error?: string,
): JobRecord {
  return { stage, status, durationMs, error: error ?? null } as unknown as JobRecord;
}

describe('bench rows for stages that did not finish', () => {
  const jobs = [
    job('compose', 'done', 40),
    job('compose', 'done', 60),
    job('typography', 'rejected', 900, 'headline read as "Sprng" instead of "Spring" (score 0.83 < 0.9)'),
    job('typography', 'rejected', 800, 'headline read as "" instead of "Spring" (score 0.00 < 0.9)'),
  ];

  it('say failed, with the reason, instead of 0 ms', () => {
    const figures = stageFigures(jobs, ['compose', 'typography', 'upscale', 'export']);
    expect(figures[0]).toMatchObject({ stage: 'compose', jobs: 2 });
    expect(figures[0]!.p50Ms).toBeGreaterThanOrEqual(40);
    expect(figures[0]!.failed).toBeUndefined();
    expect(figures[1]).toMatchObject({
      stage: 'typography',
      jobs: 0,
      failed: 'rejected: headline read as "Sprng" instead of "Spring" (score 0.83 < 0.9)',
    });
    expect(figures[2]!.failed).toBe(
      'not run: typography rejected: headline read as "Sprng" instead of "Spring" (score 0.83 < 0.9)',
    );
    expect(figures[3]!.failed).toMatch(/^not run: typography rejected/);
  });

  it('show as failed in the Markdown tables, sweep included', () => {
    const stages = stageFigures(jobs, ['compose', 'typography']);
    const result: BenchResult = {
      schema: 'atelier-bench/1',
      campaign: 'sweep',
      date: '2026-11-27T00:00:00.000Z',
      machine: 'test',
      seeds: [1],
      setups: [
        {
          label: 'draft',
          models: { compose: 'builtin:draft' },
          images: 0,
          failed: 2,
          wallMs: 1000,
          imagesPerMinute: 0,
          peakRssMb: 100,
          costUsd: 0,
          stages,
          quality: [],
        },
      ],
      sweep: [
        {
          setup: 'draft',
          stage: 'typography',
          setting: '256x256',
          ms: 0,
          peakRssMb: 100,
          failed: stages[1]!.failed,
        },
      ],
    };
    const markdown = benchMarkdown(result);
    expect(markdown).toContain('| draft | typography | 0 | failed: rejected: headline read as "Sprng"');
    expect(markdown).toContain('| draft | typography | 256x256 | failed: rejected: headline read as');
    expect(markdown).not.toMatch(/\| typography \| 0 \| 0\.0 \|/);
  });
});
