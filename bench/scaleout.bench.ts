// Scale-out throughput: the same campaign on BullMQ with 1 and with 3 `atelier worker`
// processes, each at concurrency 2, on a model with a fixed 200 ms latency. The ideal ratio is
// 3: the model's latency, not the machine, is the bottleneck, as with a remote provider.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadCampaign } from '../src/config/load-campaign.ts';
import { BullmqDispatcher } from '../src/execution/bullmq-dispatcher.ts';
import { builtinProvider, ModelRegistry } from '../src/models/model-registry.ts';
import { runCampaign } from '../src/pipeline/run-campaign.ts';
import { stageCatalog } from '../src/stages/stage-catalog.ts';
import { testingProvider, testingProviderEnv } from '../test/doubles/testing-provider.ts';
import { startTestRedis } from '../test/helpers/redis-server.ts';
import { startWorkers, stopWorkers, type WorkerProcess } from '../test/helpers/worker-processes.ts';
import { type BenchSection, median, round } from './bench-section.ts';

const latencyMs = 200;
const jobs = 36;
const concurrency = 2;
const repeats = 3;

async function timedRun(url: string): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-bench-'));
  const dispatcher = new BullmqDispatcher(url);
  try {
    const configPath = join(directory, 'atelier.yaml');
    await writeFile(
      configPath,
      stringify({
        campaign: 'scaleout',
        models: { compose: `testing:fixed-latency-${latencyMs}ms` },
        brand: { palette: ['#000000', '#ffffff'] },
        pipeline: { seeds: 6, stages: [{ stage: 'compose', size: '32x32' }] },
        shots: Array.from({ length: jobs / 6 }, (_, index) => ({
          id: `shot-${index}`,
          prompt: `prompt ${index}`,
        })),
      }),
    );
    const registry = new ModelRegistry([builtinProvider, testingProvider]);
    const loaded = await loadCampaign(configPath, {
      stages: stageCatalog(),
      providers: registry.providerNames(),
    });
    const started = performance.now();
    const summary = await runCampaign({ dispatcher, loaded, registry });
    const elapsed = performance.now() - started;
    if (summary.computedJobs !== jobs)
      throw new Error(`expected ${jobs} computed jobs, got ${summary.computedJobs}`);
    return elapsed;
  } finally {
    await dispatcher.close();
    await rm(directory, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchSection> {
  const redis = await startTestRedis();
  const workers: WorkerProcess[] = [];
  const rows: BenchSection['rows'] = [];
  const medians = new Map<number, number>();
  try {
    for (const count of [1, 3]) {
      await startWorkers(
        count,
        ['--queue', redis.url, '--concurrency', String(concurrency)],
        testingProviderEnv(),
        workers,
      );
      await timedRun(redis.url); // warm-up: workers load their modules on their first job
      const samples: number[] = [];
      for (let index = 0; index < repeats; index++) samples.push(await timedRun(redis.url));
      const wall = median(samples);
      medians.set(count, wall);
      rows.push({
        workers: count,
        'concurrency per worker': concurrency,
        jobs,
        'median wall (ms)': round(wall, 0),
        'jobs/s': round((jobs / wall) * 1000, 2),
        'ideal wall (ms)': Math.ceil(jobs / (count * concurrency)) * latencyMs,
      });
      await stopWorkers(workers);
    }
  } finally {
    await stopWorkers(workers);
    await redis.stop();
  }
  const ratio = medians.get(1)! / medians.get(3)!;
  return {
    title: `Scale-out: 1 vs 3 BullMQ workers, ${latencyMs} ms model, concurrency ${concurrency}`,
    rows,
    notes: [
      `Throughput ratio 3 workers / 1 worker: ${round(ratio, 2)} (ideal 3).`,
      `Medians of ${repeats} runs after a warm-up; workers and Redis on this machine (127.0.0.1), the run's own process records every job in its ledger.`,
    ],
  };
}
