// `npm run bench`: runs every committed benchmark section (bench/*.bench.ts) in one process, so
// figures and ratios come from the same run on the same machine, and writes
// bench-results/bench.md and bench.json. `npm run bench -- upscale` runs matching sections only.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchSection } from './bench-section.ts';

const filters = process.argv.slice(2);
const directory = new URL('.', import.meta.url).pathname;
const files = (await readdir(directory)).filter((name) => name.endsWith('.bench.ts')).sort();
const selected = files.filter(
  (name) => filters.length === 0 || filters.some((filter) => name.includes(filter)),
);
const sections: BenchSection[] = [];
for (const file of selected) {
  process.stderr.write(`bench: ${file}\n`);
  const module = (await import(join(directory, file))) as {
    run: () => Promise<BenchSection | BenchSection[]>;
  };
  const result = await module.run();
  sections.push(...(Array.isArray(result) ? result : [result]));
}

function markdownTable(rows: BenchSection['rows']): string {
  if (rows.length === 0) return '(no rows)';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(columns),
    line(columns.map(() => '---')),
    ...rows.map((row) => line(columns.map((column) => String(row[column] ?? '')))),
  ].join('\n');
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const markdown = [
  `# Atelier benchmarks`,
  '',
  `Machine: ${machine}. Date: ${new Date().toISOString()}.`,
  '',
  ...sections.flatMap((section) => [
    `## ${section.title}`,
    '',
    markdownTable(section.rows),
    '',
    ...(section.notes ?? []).map((note) => `- ${note}`),
    '',
  ]),
].join('\n');
const output = join(process.cwd(), 'bench-results');
await mkdir(output, { recursive: true });
await writeFile(join(output, 'bench.md'), markdown);
await writeFile(
  join(output, 'bench.json'),
  `${JSON.stringify({ machine, date: new Date().toISOString(), sections }, null, 2)}\n`,
);
process.stdout.write(`${markdown}\nwritten: ${join(output, 'bench.md')}\n`);
