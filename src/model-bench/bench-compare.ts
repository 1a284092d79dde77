import type { BenchResult } from './bench-schema.ts';

export interface ComparisonRow {
  setup: string;
  measure: string;
  before: number;
  after: number;
  /** after / before: below 1 is faster, smaller or cheaper. */
  ratio: number;
}

/** Before/after ratios for every setup both bench files measured. */
export function compareBenchResults(before: BenchResult, after: BenchResult): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const push = (setup: string, measure: string, a: number, b: number) =>
    rows.push({
      setup,
      measure,
      before: a,
      after: b,
      ratio: a === 0 ? (b === 0 ? 1 : Number.POSITIVE_INFINITY) : b / a,
    });
  for (const setupBefore of before.setups) {
    const setupAfter = after.setups.find((setup) => setup.label === setupBefore.label);
    if (!setupAfter) continue;
    for (const stage of setupBefore.stages) {
      const other = setupAfter.stages.find((candidate) => candidate.stage === stage.stage);
      // A stage that did not run on either side has no time to compare.
      if (other && !stage.failed && !other.failed) {
        push(setupBefore.label, `${stage.stage} p50 ms`, stage.p50Ms, other.p50Ms);
        push(setupBefore.label, `${stage.stage} p95 ms`, stage.p95Ms, other.p95Ms);
      }
    }
    push(setupBefore.label, 'images/min', setupBefore.imagesPerMinute, setupAfter.imagesPerMinute);
    push(setupBefore.label, 'peak RSS MB', setupBefore.peakRssMb, setupAfter.peakRssMb);
    push(setupBefore.label, 'cost USD', setupBefore.costUsd, setupAfter.costUsd);
  }
  return rows;
}

export function formatComparison(rows: ComparisonRow[]): string {
  const lines = ['| setup | measure | before | after | ratio |', '| --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    lines.push(
      `| ${row.setup} | ${row.measure} | ${round(row.before)} | ${round(row.after)} | ${Number.isFinite(row.ratio) ? `${row.ratio.toFixed(3)}x` : 'n/a'} |`,
    );
  }
  return lines.join('\n');
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
