// Where people wait (issue "Fast where people wait"): `atelier --help`, `atelier validate`, a
// re-run of the example where every job is a cache hit, and the cold example
// (`run --fresh --no-cache`: wall, CPU, peak RSS), each a whole `node bin/atelier.js` process,
// for this tree and for the baseline commit checked out into a temporary git worktree, measured
// alternately in one run on one machine. `npm run bench -- run`.
//
// ATELIER_BENCH_BASELINE picks the baseline commit (default below); ATELIER_BENCH_RUNS the runs
// of each quick row (default 5) and ATELIER_BENCH_COLD_RUNS those of the cold example (default 3).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type BenchSection, median, round } from './bench-section.ts';

/** The code before the work: its figures are the "previous" column. */
const defaultBaseline = '338a1b3';
const exampleFiles = ['atelier.yaml', 'atelier.lock.json'];
const usagePreload = new URL('./process-usage.mjs', import.meta.url).href;
const currentRoot = fileURLToPath(new URL('..', import.meta.url));

interface Tree {
  readonly label: string;
  readonly root: string;
  /** A copy of the tree's own example (its lock pins that tree's built-ins), runs go there. */
  readonly project: string;
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssBytes: number;
  readonly stdout: string;
}

interface Row {
  readonly what: string;
  readonly args: (project: string) => string[];
  readonly runs: number;
  readonly target: string;
  /** What the command must print for the row to measure what it says (a re-run of nothing but cache hits). */
  readonly expect?: RegExp;
}

function git(args: string[], cwd = currentRoot): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Runs `node bin/atelier.js ...args` in a fresh process; fails loudly on a non-zero exit. */
function measure(tree: Tree, args: string[], usageFile: string): Sample {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    ['--import', usagePreload, join(tree.root, 'bin/atelier.js'), ...args],
    {
      cwd: tree.root,
      encoding: 'utf8',
      env: { ...process.env, ATELIER_BENCH_USAGE_FILE: usageFile, NO_COLOR: '1' },
      maxBuffer: 16 << 20,
    },
  );
  const wallMs = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${tree.label}: atelier ${args.join(' ')} exited with ${result.status}:\n${result.stderr.slice(-2000)}`,
    );
  }
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuMs: number; maxRssBytes: number };
  return { wallMs, ...usage, stdout: result.stdout };
}

/** The baseline commit in a temporary worktree sharing this tree's node_modules. */
async function checkOutBaseline(commit: string, scratch: string): Promise<string> {
  const root = join(scratch, 'baseline');
  git(['worktree', 'add', '--detach', root, commit]);
  await symlink(join(currentRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** Builds the tree if it has a build step (compiled JavaScript), then copies its example. */
async function prepare(label: string, root: string, scratch: string): Promise<Tree> {
  const scripts = (
    JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    }
  ).scripts;
  if (scripts?.build) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const project = join(scratch, label, 'spring-launch');
  await mkdir(project, { recursive: true });
  for (const file of exampleFiles) {
    await copyFile(join(root, 'examples/spring-launch', file), join(project, file));
  }
  const tree = { label, root, project };
  // Signing credentials, as `npm run example` makes them: the runs sign their exports.
  measure(tree, ['credentials', 'init', project], join(scratch, `${label}-usage.json`));
  return tree;
}

const rows: Row[] = [
  { what: '`atelier --help`', args: () => ['--help'], runs: 5, target: '<= 0.3 s' },
  {
    what: '`atelier validate examples/spring-launch`',
    args: (project) => ['validate', project],
    runs: 5,
    target: '<= 0.5 s',
  },
  {
    what: 'cold example (`run --fresh --no-cache`)',
    args: (project) => ['run', project, '--fresh', '--no-cache'],
    runs: 3,
    target: '<= 20 s wall, <= 1 GB peak',
  },
  // After the cold runs, which stored every job's result: every job is now a cache hit.
  {
    what: 're-run of the example, every job a cache hit',
    args: (project) => ['run', project],
    runs: 5,
    target: '<= 0.8 s',
  },
];

function runsFor(row: Row): number {
  const variable = row.what.startsWith('cold') ? 'ATELIER_BENCH_COLD_RUNS' : 'ATELIER_BENCH_RUNS';
  const value = Number(process.env[variable]);
  return Number.isInteger(value) && value > 0 ? value : row.runs;
}

/** Summed compute time per stage of the run a `run` command printed the directory of. */
function stageProfile(stdout: string): Array<{ stage: string; computed: number; computeMs: number }> {
  const directory = /^outputs: (.+)$/m.exec(stdout)?.[1];
  if (!directory) throw new Error(`no run directory in the output of a run:\n${stdout}`);
  const record = JSON.parse(readFileSync(join(directory.trim(), 'run.json'), 'utf8')) as {
    summary: { stages: Array<{ stage: string; computed: number; computeMs: number }> };
  };
  return record.summary.stages;
}

/** The tile the tree's example gives its upscale stage, if any: the job alone must be the same job. */
function exampleUpscaleTile(tree: Tree): number | undefined {
  const config = parse(readFileSync(join(tree.project, 'atelier.yaml'), 'utf8')) as {
    pipeline: { stages: Array<{ stage: string; tile?: number }> };
  };
  return config.pipeline.stages.find((stage) => stage.stage === 'upscale')?.tile;
}

/** Median ms of the upscale job alone, in a fresh process of the tree's own bench/upscale-job.ts. */
function upscaleAloneMs(tree: Tree): number {
  const tile = exampleUpscaleTile(tree);
  const job = { kind: 'esrgan', size: 'slim', engine: 'onnx', edge: 512, scale: 2, runs: 3, warmup: 1, tile };
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(tree.root, 'bench/upscale-job.ts'), JSON.stringify(job)],
    { cwd: tree.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return median((JSON.parse(output.trim().split('\n').at(-1)!) as { timesMs: number[] }).timesMs);
}

/** The upscale job inside a `--concurrency 1` cold run against the same job alone, per tree; and each run's profile. */
function upscaleInRunAgainstAlone(trees: Tree[], usageFile: string) {
  const cells: Record<string, string> = {};
  const profiles: string[] = [];
  for (const tree of trees) {
    process.stderr.write(`bench: ${tree.label}: upscale in a --concurrency 1 run and alone\n`);
    const run = measure(
      tree,
      ['run', tree.project, '--fresh', '--no-cache', '--concurrency', '1'],
      usageFile,
    );
    const stages = stageProfile(run.stdout);
    const upscale = stages.find((stage) => stage.stage === 'upscale')!;
    const inRunMs = upscale.computeMs / upscale.computed;
    const aloneMs = upscaleAloneMs(tree);
    cells[`${tree.label} (median)`] =
      `${seconds(inRunMs)} / ${seconds(aloneMs)} = ${round(inRunMs / aloneMs, 2)}x`;
    profiles.push(
      `${tree.label}, \`--concurrency 1\` cold run, ${seconds(run.wallMs)} wall, ${seconds(run.cpuMs)} CPU; compute summed per stage: ` +
        stages.map((stage) => `${stage.stage} ${seconds(stage.computeMs)}`).join(', '),
    );
  }
  const row = {
    what: 'upscale job in a run / alone (mean / median)',
    ...cells,
    speed: '',
    target: '<= 1.3x',
    runs: 1,
  };
  return { rows: [row], profiles };
}

const seconds = (ms: number) => `${round(ms / 1000, 2)} s`;
const ratio = (before: number, after: number) => `${round(before / after, 2)}x`;

export async function run(): Promise<BenchSection> {
  const baselineCommit = process.env.ATELIER_BENCH_BASELINE ?? defaultBaseline;
  const scratch = await mkdtemp(join(tmpdir(), 'atelier-bench-'));
  const loadBefore = loadavg();
  let baselineRoot: string | undefined;
  try {
    baselineRoot = await checkOutBaseline(baselineCommit, scratch);
    const trees = [
      await prepare(`baseline ${git(['rev-parse', '--short', baselineCommit])}`, baselineRoot, scratch),
      await prepare(`current ${git(['rev-parse', '--short', 'HEAD'])}`, currentRoot, scratch),
    ];
    const table: BenchSection['rows'] = [];
    for (const row of rows) {
      const samples = new Map<Tree, Sample[]>(trees.map((tree) => [tree, []]));
      // Alternating the trees spreads whatever else the machine does over both columns.
      for (let index = 0; index < runsFor(row); index++) {
        for (const tree of trees) {
          process.stderr.write(`bench: ${tree.label}: ${row.what} (${index + 1}/${runsFor(row)})\n`);
          const sample = measure(tree, row.args(tree.project), join(scratch, 'usage.json'));
          if (row.expect && !row.expect.test(sample.stdout)) {
            throw new Error(`${tree.label}: ${row.what} did not print ${row.expect}:\n${sample.stdout}`);
          }
          samples.get(tree)!.push(sample);
        }
      }
      const [before, after] = trees.map((tree) => samples.get(tree)!);
      const figure = (pick: (sample: Sample) => number) =>
        [median(before!.map(pick)), median(after!.map(pick))] as const;
      const [wallBefore, wallAfter] = figure((sample) => sample.wallMs);
      table.push({
        what: row.what,
        [`${trees[0]!.label} (median)`]: seconds(wallBefore),
        [`${trees[1]!.label} (median)`]: seconds(wallAfter),
        speed: ratio(wallBefore, wallAfter),
        target: row.target,
        runs: before!.length,
      });
      if (row.what.startsWith('cold')) {
        const [cpuBefore, cpuAfter] = figure((sample) => sample.cpuMs);
        const [rssBefore, rssAfter] = figure((sample) => sample.maxRssBytes);
        table.push(
          {
            what: '… its CPU time (all threads)',
            [`${trees[0]!.label} (median)`]: seconds(cpuBefore),
            [`${trees[1]!.label} (median)`]: seconds(cpuAfter),
            speed: ratio(cpuBefore, cpuAfter),
            target: '',
            runs: before!.length,
          },
          {
            what: '… its peak RSS',
            [`${trees[0]!.label} (median)`]: `${Math.round(rssBefore / 1e6)} MB`,
            [`${trees[1]!.label} (median)`]: `${Math.round(rssAfter / 1e6)} MB`,
            speed: ratio(rssBefore, rssAfter),
            target: '<= 1000 MB',
            runs: before!.length,
          },
        );
      }
    }
    const { rows: upscaleRows, profiles } = upscaleInRunAgainstAlone(trees, join(scratch, 'usage.json'));
    table.push(...upscaleRows);
    const loadAfter = loadavg();
    return {
      title: `Where people wait: whole \`node bin/atelier.js\` processes, baseline ${baselineCommit} against this tree`,
      rows: table,
      notes: [
        'Each figure is the median of whole-process runs, the two trees alternating; speed is baseline / current (above 1x: faster now).',
        "CPU time and peak RSS are the process's own (every thread), read by a preloaded exit hook (bench/process-usage.mjs).",
        `Load average (1/5/15 min) before: ${loadBefore.map((value) => round(value, 2)).join(' / ')}, after: ${loadAfter.map((value) => round(value, 2)).join(' / ')}; a shared machine inflates both columns alike, not their ratio.`,
        'Both trees run a copy of their own examples/spring-launch (config and lock) with signing credentials, as `npm run example` does.',
        'Upscale in a run: the mean upscale job of one `--concurrency 1` cold run (one upscale at a time, the next chain computing beside it) against the median of the same job alone (bench/upscale-job.ts: 512 -> 1024, the tile of the example, default workers).',
        ...profiles,
      ],
    };
  } finally {
    if (baselineRoot && existsSync(baselineRoot)) git(['worktree', 'remove', '--force', baselineRoot]);
    await rm(scratch, { recursive: true, force: true });
  }
}
