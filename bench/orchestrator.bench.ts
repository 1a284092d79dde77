// Orchestrator overhead: how close the embedded runner gets to ideal scheduling when the model
// is a fixed 50 ms, and how fast a fully cached re-run of the example campaign is.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadCampaign } from '../src/config/load-campaign.ts';
import { builtinProvider, ModelRegistry } from '../src/models/model-registry.ts';
import { runCampaign } from '../src/pipeline/run-campaign.ts';
import { stageCatalog } from '../src/stages/stage-catalog.ts';
import { FixedLatencyModel } from '../test/doubles/fixed-latency-model.ts';
import { type BenchSection, median, round } from './bench-section.ts';

const latencyMs = 50;
const jobs = 200;
const concurrency = 8;

function fixedLatencyRegistry(): ModelRegistry {
  return new ModelRegistry([
    builtinProvider,
    {
      name: 'testing',
      lock: async (reference) => ({
        reference: reference.raw,
        provider: 'testing',
        modelId: reference.modelId,
      }),
      create: async () => new FixedLatencyModel(latencyMs),
    },
  ]);
}

async function overheadRun(): Promise<{ total: number; jobs: number }> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-bench-'));
  try {
    const configPath = join(directory, 'atelier.yaml');
    await writeFile(
      configPath,
      stringify({
        campaign: 'overhead',
        models: { compose: `testing:fixed-latency-${latencyMs}ms` },
        brand: { palette: ['#000000', '#ffffff'] },
        pipeline: { seeds: 10, stages: [{ stage: 'compose', size: '32x32' }] },
        shots: Array.from({ length: jobs / 10 }, (_, index) => ({
          id: `shot-${index}`,
          prompt: `prompt ${index}`,
        })),
      }),
    );
    const registry = fixedLatencyRegistry();
    const loaded = await loadCampaign(configPath, {
      stages: stageCatalog(),
      providers: registry.providerNames(),
    });
    let firstJobStarted = 0;
    let lastJobFinished = 0;
    const started = performance.now();
    const summary = await runCampaign({
      loaded,
      registry,
      concurrency,
      onEvent: (event) => {
        if (event.type === 'job-started' && firstJobStarted === 0) firstJobStarted = performance.now();
        if (event.type === 'job-finished') lastJobFinished = performance.now();
      },
    });
    const elapsed = performance.now() - started;
    if (summary.computedJobs !== jobs)
      throw new Error(`expected ${jobs} computed jobs, got ${summary.computedJobs}`);
    return { total: elapsed, jobs: lastJobFinished - firstJobStarted };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function cachedExampleRerun(): Promise<{ cliMs: number[]; inProcessMs: number[] }> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-bench-example-'));
  const example = new URL('../examples/spring-launch/', import.meta.url).pathname;
  const bin = new URL('../bin/atelier.js', import.meta.url).pathname;
  try {
    await copyFile(join(example, 'atelier.yaml'), join(directory, 'atelier.yaml'));
    await copyFile(join(example, 'atelier.lock.json'), join(directory, 'atelier.lock.json'));
    execFileSync(process.execPath, [bin, 'run', directory], { stdio: 'ignore' });
    const cliMs: number[] = [];
    const inProcessMs: number[] = [];
    for (let repeat = 0; repeat < 3; repeat++) {
      const started = performance.now();
      execFileSync(process.execPath, [bin, 'run', directory], { stdio: 'ignore' });
      cliMs.push(performance.now() - started);
      const loaded = await loadCampaign(directory, { stages: stageCatalog(), providers: ['builtin'] });
      const inProcessStarted = performance.now();
      const summary = await runCampaign({ loaded });
      inProcessMs.push(performance.now() - inProcessStarted);
      if (summary.computedJobs !== 0) throw new Error('the re-run was not a full cache hit');
    }
    return { cliMs, inProcessMs };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchSection[]> {
  const ideal = (jobs / concurrency) * latencyMs;
  const runs: Array<{ total: number; jobs: number }> = [];
  for (let repeat = 0; repeat < 3; repeat++) runs.push(await overheadRun());
  const jobPhase = runs.map((entry) => entry.jobs);
  const whole = runs.map((entry) => entry.total);
  const cached = await cachedExampleRerun();
  return [
    {
      title: 'Orchestrator overhead (embedded executor)',
      rows: [
        {
          measure: 'jobs: first job started to last job finished',
          jobs,
          concurrency,
          'model latency ms': latencyMs,
          'ideal ms': ideal,
          'median ms': round(median(jobPhase)),
          'ratio to ideal': round(median(jobPhase) / ideal, 3),
          target: '<= 1.05',
        },
        {
          measure: 'whole run: lock check to report.html written',
          jobs,
          concurrency,
          'model latency ms': latencyMs,
          'ideal ms': ideal,
          'median ms': round(median(whole)),
          'ratio to ideal': round(median(whole) / ideal, 3),
          target: '',
        },
      ],
      notes: [
        `${jobs} compose jobs against an in-process model with fixed ${latencyMs} ms latency; each job also encodes, stores (fsync), records and writes its manifest. The whole run also writes the contact sheet, the colour set report and report.html for 200 images. Job-phase runs: ${jobPhase.map((value) => round(value)).join(', ')} ms.`,
      ],
    },
    {
      title: 'Fully cached re-run of the example campaign',
      rows: [
        {
          measure: 'atelier run (whole CLI process)',
          'median ms': round(median(cached.cliMs)),
          target: '< 2000',
        },
        { measure: 'runCampaign in process', 'median ms': round(median(cached.inProcessMs)), target: '' },
      ],
      notes: ['Every job is a cache hit: no model call; files are re-materialised into a new run folder.'],
    },
  ];
}
