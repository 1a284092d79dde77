import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import {
  countingRegistry,
  createTempProject,
  hashTree,
  smallCampaign,
  type TempProject,
} from '../../test/helpers/temp-project.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { BullmqExecutor, EmbeddedExecutor, type Executor } from './executor.ts';
import { startQueueWorker } from './queue-worker.ts';

let redis: TestRedis;
const projects: TempProject[] = [];
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await Promise.all(projects.splice(0).map((project) => project.cleanup()));
  await redis?.stop();
});

interface Harness {
  executor: Executor;
  calls: () => number;
  /** The registry whose calls are counted: where this executor computes. */
  registry: ModelRegistry;
  close(): Promise<void>;
}

/** Each executor with what it needs to run: the queue one gets an in-process worker. */
const harnesses: Record<string, () => Promise<Harness>> = {
  embedded: async () => {
    const counting = countingRegistry();
    const executor = new EmbeddedExecutor();
    return { executor, calls: counting.calls, registry: counting.registry, close: () => executor.close() };
  },
  bullmq: async () => {
    const counting = countingRegistry();
    const worker = await startQueueWorker({ url: redis.url, concurrency: 2, registry: counting.registry });
    const executor = new BullmqExecutor(redis.url);
    return {
      executor,
      calls: counting.calls,
      // The run's own process resolves models only to check the lock; the worker calls them.
      registry: countingRegistry().registry,
      close: async () => {
        await executor.close();
        await worker.close();
      },
    };
  },
};

async function renderWith(kind: string) {
  const project = await createTempProject(smallCampaign());
  projects.push(project);
  const harness = await harnesses[kind]!();
  try {
    const first = await harness.executor.run({ loaded: await project.load(), registry: harness.registry });
    const callsAfterFirst = harness.calls();
    const second = await harness.executor.run({ loaded: await project.load(), registry: harness.registry });
    return { project, first, second, callsAfterFirst, callsAfterSecond: harness.calls() };
  } finally {
    await harness.close();
  }
}

describe.each(Object.keys(harnesses))('executor: %s', (kind) => {
  it('renders the campaign, records it in the ledger, and re-uses the cache on a second run', async () => {
    const { project, first, second, callsAfterFirst, callsAfterSecond } = await renderWith(kind);
    expect(first.status).toBe('completed');
    expect(first.computedJobs).toBe(10);
    expect(callsAfterFirst).toBe(5);
    expect(second.cacheHits).toBe(10);
    expect(callsAfterSecond).toBe(5);
    for (const record of ['run.json', 'report.html', 'contact-sheet.png'])
      expect(existsSync(join(first.runDirectory, record))).toBe(true);
    const workspace = openWorkspace(project.directory);
    try {
      expect(workspace.ledger.run(first.runId)?.status).toBe('completed');
      const jobs = workspace.ledger.jobs(first.runId);
      expect(jobs).toHaveLength(10);
      expect(jobs.every((job) => job.status === 'done')).toBe(true);
    } finally {
      workspace.close();
    }
  }, 60_000);
});

describe('executors', () => {
  it('produce the same artifacts, byte for byte', async () => {
    const embedded = await renderWith('embedded');
    const queued = await renderWith('bullmq');
    const a = await hashTree(embedded.first.runDirectory, { artifactsOnly: true });
    const b = await hashTree(queued.first.runDirectory, { artifactsOnly: true });
    expect(a.size).toBe(5 + (2 * 2 + 1 * 2 + 2 * 1) * 2);
    expect(b).toEqual(a);
  }, 60_000);
});
