import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedCall, testingProvider, testingProviderEnv } from '../../test/doubles/testing-provider.ts';
import { redisServerRequirement, startTestRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { requireSystemBinary } from '../../test/helpers/system-requirement.ts';
import { createTempProject, hashTree, type TempProject } from '../../test/helpers/temp-project.ts';
import { startWorkers, stopWorkers, type WorkerProcess } from '../../test/helpers/worker-processes.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { builtinProvider, ModelRegistry } from '../models/model-registry.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { BullmqDispatcher } from './bullmq-dispatcher.ts';

const hasRedis = requireSystemBinary(redisServerRequirement);
let redis: TestRedis;
const workers: WorkerProcess[] = [];
const projects: TempProject[] = [];
beforeAll(async () => {
  if (hasRedis) redis = await startTestRedis();
});
afterEach(async () => {
  await stopWorkers(workers);
});
afterAll(async () => {
  await stopWorkers(workers);
  await Promise.all(projects.splice(0).map((project) => project.cleanup()));
  await redis?.stop();
});

/** `shots` shots x `seeds` seeds, composed by the fixed-latency testing model, then exported. */
function latencyCampaign(latencyMs: number, shots: number, seeds: number) {
  return {
    campaign: `scaleout-${latencyMs}`,
    models: { compose: `testing:fixed-latency-${latencyMs}ms` },
    brand: { palette: ['#F4E9DA', '#2E4057'] },
    pipeline: {
      seeds,
      stages: [
        { stage: 'compose', size: '96x96' },
        { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '64x64' }] },
      ],
    },
    shots: Array.from({ length: shots }, (_, index) => ({
      id: `shot-${index}`,
      prompt: `product shot ${index}`,
    })),
  };
}

async function project(config: Record<string, unknown>) {
  const created = await createTempProject(config);
  projects.push(created);
  const load = () =>
    loadCampaign(created.configPath, { stages: stageCatalog(), providers: ['builtin', 'testing'] });
  return { ...created, load, callLog: join(created.directory, 'calls.jsonl') };
}

async function readCalls(path: string): Promise<LoggedCall[]> {
  if (!existsSync(path)) return [];
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LoggedCall);
}

const registry = () => new ModelRegistry([builtinProvider, testingProvider]);

// Worker processes, a fixed-latency model and a real redis: 20-23 s a test on a loaded 2-core
// machine; each test may take 4x that.
describe.skipIf(!hasRedis)('BullMQ scale-out with worker processes', { timeout: 90_000 }, () => {
  it('completes with 3 workers when one is SIGKILLed mid-job: nothing lost, no paid call made twice', async () => {
    const created = await project(latencyCampaign(400, 6, 2));
    const env = { ...testingProviderEnv(), ATELIER_TESTING_CALL_LOG: created.callLog };
    const fleet = await startWorkers(
      3,
      ['--queue', redis.url, '--concurrency', '1', '--lock-ms', '1500'],
      env,
      workers,
    );
    const dispatcher = new BullmqDispatcher(redis.url);
    try {
      const running = runCampaign({ dispatcher, loaded: await created.load(), registry: registry() });
      // Kill the first worker just after one of its calls started: that job is mid-call.
      const victim = fleet[0]!;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const calls = await readCalls(created.callLog);
        if (calls.some((call) => call.pid === victim.pid && call.phase === 'start')) break;
        if (Date.now() > deadline) throw new Error('the first worker never started a call');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      victim.child.kill('SIGKILL');
      const summary = await running;
      expect(summary.status).toBe('completed');
      expect(summary.chainsSucceeded).toBe(12);

      const calls = await readCalls(created.callLog);
      const key = (call: LoggedCall) => `${call.prompt}#${call.seed}`;
      const paid = calls.filter((call) => call.phase === 'paid').map(key);
      // The killed call started but was never paid; its job was taken over and paid once.
      expect(calls.some((call) => call.pid === victim.pid && call.phase === 'start')).toBe(true);
      expect(new Set(paid).size).toBe(12);
      expect(paid).toHaveLength(12);
      // The surviving workers shared the work.
      const payers = new Set(calls.filter((call) => call.phase === 'paid').map((call) => call.pid));
      expect(payers.size).toBeGreaterThanOrEqual(2);

      // Every artifact is present once in the run folder and recorded in the ledger.
      const tree = await hashTree(summary.runDirectory, { artifactsOnly: true });
      expect(tree.size).toBe(12 * 2);
      const workspace = openWorkspace(created.directory);
      try {
        const jobs = workspace.ledger.jobs(summary.runId);
        expect(jobs).toHaveLength(24);
        expect(jobs.every((job) => job.status === 'done')).toBe(true);
        for (const job of jobs)
          for (const output of job.outputs) expect(await workspace.store.has(output.sha256)).toBe(true);
      } finally {
        workspace.close();
      }
    } finally {
      await dispatcher.close();
    }
  });

  it('holds a fleet-wide limit of 3 calls per 2 s across workers', async () => {
    const created = await project(latencyCampaign(50, 9, 1));
    const env = { ...testingProviderEnv(), ATELIER_TESTING_CALL_LOG: created.callLog };
    await startWorkers(
      2,
      ['--queue', redis.url, '--concurrency', '3', '--rate-limit', 'compose=3/2s'],
      env,
      workers,
    );
    const dispatcher = new BullmqDispatcher(redis.url);
    try {
      const summary = await runCampaign({ dispatcher, loaded: await created.load(), registry: registry() });
      expect(summary.status).toBe('completed');
    } finally {
      await dispatcher.close();
    }
    const starts = (await readCalls(created.callLog))
      .filter((call) => call.phase === 'start')
      .sort((a, b) => a.at - b.at);
    expect(starts).toHaveLength(9);
    // Both workers called the provider, so the limit held across processes, not per worker.
    expect(new Set(starts.map((call) => call.pid)).size).toBe(2);
    // In any window a little shorter than 2 s (clock reads jitter), at most 3 calls started.
    for (const [index, call] of starts.entries()) {
      const inWindow = starts.slice(index).filter((other) => other.at < call.at + 1900);
      expect(inWindow.length).toBeLessThanOrEqual(3);
    }
    // 9 calls at 3 per 2 s need at least two full windows.
    expect(starts.at(-1)!.at - starts[0]!.at).toBeGreaterThanOrEqual(3900);
  });

  it('holds a fleet-wide limit of 2 calls in flight across workers', async () => {
    const created = await project(latencyCampaign(200, 8, 1));
    const env = { ...testingProviderEnv(), ATELIER_TESTING_CALL_LOG: created.callLog };
    await startWorkers(
      2,
      ['--queue', redis.url, '--concurrency', '3', '--max-in-flight', 'compose=2'],
      env,
      workers,
    );
    const dispatcher = new BullmqDispatcher(redis.url);
    try {
      const summary = await runCampaign({ dispatcher, loaded: await created.load(), registry: registry() });
      expect(summary.status).toBe('completed');
    } finally {
      await dispatcher.close();
    }
    const calls = await readCalls(created.callLog);
    expect(calls.filter((call) => call.phase === 'paid')).toHaveLength(8);
    expect(new Set(calls.map((call) => call.pid)).size).toBe(2);
    // Replay starts and ends in time order: never more than 2 calls open at once.
    let open = 0;
    let peak = 0;
    const events = calls
      .map((call) => ({ at: call.at, delta: call.phase === 'start' ? 1 : -1 }))
      .sort((a, b) => a.at - b.at || a.delta - b.delta);
    for (const event of events) {
      open += event.delta;
      peak = Math.max(peak, open);
    }
    expect(peak).toBe(2);
  });

  it('runs from the command line: atelier run --queue, atelier worker, atelier status', async () => {
    const created = await project(latencyCampaign(50, 2, 2));
    const env = { ...testingProviderEnv(), ATELIER_TESTING_CALL_LOG: created.callLog };
    await startWorkers(
      1,
      ['--queue', redis.url, '--roles', 'compose,cpu', '--concurrency', '2'],
      env,
      workers,
    );
    const run = await runCli(['run', created.directory, '--queue', redis.url, '--json'], { env });
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { runId: string; status: string; computedJobs: number };
    expect(summary).toMatchObject({ status: 'completed', computedJobs: 8 });
    expect((await readCalls(created.callLog)).filter((call) => call.phase === 'paid')).toHaveLength(4);
    const status = await runCli(['status', summary.runId, created.directory], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(summary.runId);
    expect(status.stdout).toMatch(/completed/);
  });
});
