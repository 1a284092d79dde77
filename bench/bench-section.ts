import { percentile as nearestRank } from '../src/util/percentile.ts';

/** One section of the benchmark report: a titled table, with notes under it. */
export interface BenchSection {
  title: string;
  rows: Array<Record<string, string | number>>;
  notes?: string[];
}

/** The value below which `fraction` of the samples lie (nearest rank); NaN for no samples. */
export function percentile(samples: readonly number[], fraction: number): number {
  return nearestRank(samples, fraction) ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

/** A section as a Markdown table (for running one bench file on its own). */
export function formatSection(section: BenchSection): string {
  const columns = [...new Set(section.rows.flatMap((row) => Object.keys(row)))];
  const lines = [
    `## ${section.title}`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...section.rows.map((row) => `| ${columns.map((column) => String(row[column] ?? '')).join(' | ')} |`),
  ];
  if (section.notes?.length) lines.push('', ...section.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
