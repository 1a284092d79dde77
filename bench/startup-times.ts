// Whole-process times of the three commands people wait on (issue "Fast where people wait"):
// `atelier --help`, `atelier validate <example>` and a re-run of the example whose every job is a
// cache hit, for one or more Atelier checkouts (each with its node_modules; bin/atelier.js picks
// dist/ or the sources). Checkouts take turns within each round, so a change in the machine's
// load falls on all of them alike.
// `npx tsx bench/startup-times.ts [checkout...] [--runs 7]` prints the medians; the run bench may
// import `measureStartupTimes` to put them next to a baseline checkout's.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const startupRows = ['--help', 'validate', 'cached re-run'] as const;

export interface StartupTimes {
  checkout: string;
  /** Median wall seconds per row, and every run's. */
  rows: { row: (typeof startupRows)[number]; medianSeconds: number; seconds: number[] }[];
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
 * Runs each row `runs` times per checkout. The cached row uses a copy of each checkout's example
 * rendered once first (cold, not timed; no signer, as in the repository), and each timed run's
 * folder is removed after it.
 */
export async function measureStartupTimes(checkouts: readonly string[], runs = 7): Promise<StartupTimes[]> {
  const setups = [];
  try {
    for (const checkout of checkouts) {
      const project = await mkdtemp(join(tmpdir(), 'atelier-startup-'));
      setups.push({ checkout, project, bin: join(checkout, 'bin/atelier.js') });
      for (const file of ['atelier.yaml', 'atelier.lock.json'])
        await cp(join(checkout, 'examples/spring-launch', file), join(project, file));
      timed([join(checkout, 'bin/atelier.js'), 'run', project], project);
    }
    const seconds = setups.map(
      () =>
        ({ '--help': [], validate: [], 'cached re-run': [] }) as Record<
          (typeof startupRows)[number],
          number[]
        >,
    );
    for (let round = 0; round < runs; round++) {
      for (const [index, { project, bin }] of setups.entries()) {
        seconds[index]!['--help'].push(timed([bin, '--help'], project));
        seconds[index]!.validate.push(timed([bin, 'validate', project], project));
        seconds[index]!['cached re-run'].push(timed([bin, 'run', project], project));
        await rm(join(project, 'runs'), { recursive: true, force: true });
      }
    }
    return setups.map(({ checkout }, index) => ({
      checkout,
      rows: startupRows.map((row) => ({
        row,
        medianSeconds: median(seconds[index]![row]),
        seconds: seconds[index]![row],
      })),
    }));
  } finally {
    await Promise.all(setups.map(({ project }) => rm(project, { recursive: true, force: true })));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 7;
  const checkouts = args.filter((arg, index) => (arg !== '--runs' && index !== runsAt + 1) || runsAt < 0);
  const format = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  const before = loadavg();
  const results = await measureStartupTimes(
    checkouts.length > 0 ? checkouts.map((c) => resolve(c)) : [resolve('.')],
    runs,
  );
  for (const { checkout, rows } of results) {
    process.stdout.write(`${checkout}\n`);
    for (const { row, medianSeconds, seconds } of rows)
      process.stdout.write(
        `  ${row.padEnd(14)} median ${medianSeconds.toFixed(2)} s  (${format(seconds)})\n`,
      );
  }
  process.stdout.write(`load average before ${format(before)}, after ${format(loadavg())}\n`);
}
