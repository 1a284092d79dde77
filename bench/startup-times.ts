// Whole-process times of the three commands people wait on (issue "Fast where people wait"):
// `atelier --help`, `atelier validate <example>` and a re-run of the example whose every job is a
// cache hit, for one Atelier checkout (its dist/ built, or not: bin/atelier.js picks the tree).
// `npx tsx bench/startup-times.ts [checkout] [--runs 7]` prints the medians; the run bench may
// import `measureStartupTimes` to put them next to a baseline checkout's.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface StartupTimes {
  /** Median wall seconds per row, and every run's. */
  rows: { row: string; medianSeconds: number; seconds: number[] }[];
  loadAverage: number[];
}

function timed(args: string[], cwd: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Runs each row `runs` times in turn. The cached row renders a copy of the example once first
 * (cold, not timed; no signer, as in the repository) and removes each run's folder after it.
 */
export async function measureStartupTimes(checkout: string, runs = 7): Promise<StartupTimes> {
  const bin = join(checkout, 'bin/atelier.js');
  const project = await mkdtemp(join(tmpdir(), 'atelier-startup-'));
  try {
    await cp(join(checkout, 'examples/spring-launch/atelier.yaml'), join(project, 'atelier.yaml'));
    await cp(join(checkout, 'examples/spring-launch/atelier.lock.json'), join(project, 'atelier.lock.json'));
    timed([bin, 'run', project], project);
    const rows: Record<string, number[]> = { '--help': [], validate: [], 'cached re-run': [] };
    for (let index = 0; index < runs; index++) {
      rows['--help']!.push(timed([bin, '--help'], project));
      rows.validate!.push(timed([bin, 'validate', project], project));
      rows['cached re-run']!.push(timed([bin, 'run', project], project));
      await rm(join(project, 'runs'), { recursive: true, force: true });
    }
    return {
      rows: Object.entries(rows).map(([row, seconds]) => ({ row, medianSeconds: median(seconds), seconds })),
      loadAverage: loadavg(),
    };
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runsAt = process.argv.indexOf('--runs');
  const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 7;
  const checkout = resolve(
    process.argv.slice(2).find((arg, index, all) => !arg.startsWith('--') && all[index - 1] !== '--runs') ??
      '.',
  );
  const before = loadavg();
  const times = await measureStartupTimes(checkout, runs);
  for (const { row, medianSeconds, seconds } of times.rows)
    process.stdout.write(
      `${row.padEnd(14)} median ${medianSeconds.toFixed(2)} s  (${seconds.map((s) => s.toFixed(2)).join(' ')})\n`,
    );
  process.stdout.write(
    `load average before ${before.map((v) => v.toFixed(2)).join(' ')}, after ${times.loadAverage.map((v) => v.toFixed(2)).join(' ')}\n`,
  );
}
