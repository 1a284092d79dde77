import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeS3 } from '../../test/helpers/fake-s3-server.ts';
import { redisServerRequirement, startTestRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import { requireSystemBinary } from '../../test/helpers/system-requirement.ts';
import {
  countingRegistry,
  createTempProject,
  hashTree,
  smallCampaign,
  type TempProject,
} from '../../test/helpers/temp-project.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { InProcessDispatcher } from '../pipeline/in-process-dispatcher.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import type { StageJobDispatcher } from '../pipeline/stage-job-dispatcher.ts';
import { openWorkspace, type Workspace } from '../pipeline/workspace.ts';
import { S3ArtifactStore } from '../store/s3-artifact-store.ts';
import { BullmqDispatcher } from './bullmq-dispatcher.ts';
import { startQueueWorker } from './queue-worker.ts';

// The in-process dispatcher runs anywhere; the queue ones need a redis-server.
const hasRedis = requireSystemBinary(redisServerRequirement);
let redis: TestRedis;
const projects: TempProject[] = [];
beforeAll(async () => {
  if (hasRedis) redis = await startTestRedis();
});
afterAll(async () => {
  await Promise.all(projects.splice(0).map((project) => project.cleanup()));
  await redis?.stop();
});

interface Harness {
  dispatcher: StageJobDispatcher;
  calls: () => number;
  /** The registry whose calls are counted: where this dispatcher computes. */
  registry: ModelRegistry;
  /** The run's workspace, when the dispatcher needs more than the project's own. */
  workspace?: (directory: string) => Workspace;
  close(): Promise<void>;
}

/** Each dispatcher with what it needs to run: the queue one gets an in-process worker. */
const harnesses: Record<string, () => Promise<Harness>> = {
  'in-process': async () => {
    const counting = countingRegistry();
    const dispatcher = new InProcessDispatcher();
    return {
      dispatcher,
      calls: counting.calls,
      registry: counting.registry,
      close: () => dispatcher.close(),
    };
  },
  bullmq: async () => {
    const counting = countingRegistry();
    const worker = await startQueueWorker({ url: redis.url, concurrency: 2, registry: counting.registry });
    const dispatcher = new BullmqDispatcher(redis.url);
    return {
      dispatcher,
      calls: counting.calls,
      // The run's own process resolves models only to check the lock; the worker calls them.
      registry: countingRegistry().registry,
      close: async () => {
        await dispatcher.close();
        await worker.close();
      },
    };
  },
  'bullmq with an S3 store': async () => {
    const s3 = await startFakeS3();
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const bucket = () => new S3ArtifactStore({ bucket: 'renders', endpoint: s3.endpoint, credentials });
    const counting = countingRegistry();
    // The worker shares no folder with the run: only the bucket.
    const workerStore = bucket();
    const worker = await startQueueWorker({
      url: redis.url,
      registry: counting.registry,
      store: workerStore,
    });
    const dispatcher = new BullmqDispatcher(redis.url);
    const runStores: S3ArtifactStore[] = [];
    return {
      dispatcher,
      calls: counting.calls,
      registry: countingRegistry().registry,
      workspace: (directory) => {
        const remote = bucket();
        runStores.push(remote);
        return openWorkspace(directory, { remote });
      },
      close: async () => {
        await dispatcher.close();
        await worker.close();
        workerStore.close();
        for (const store of runStores) store.close();
        await s3.close();
      },
    };
  },
};

async function renderWith(kind: string) {
  const project = await createTempProject(smallCampaign());
  projects.push(project);
  const harness = await harnesses[kind]!();
  const workspace = harness.workspace?.(project.directory);
  try {
    const run = async () =>
      runCampaign({
        dispatcher: harness.dispatcher,
        loaded: await project.load(),
        registry: harness.registry,
        workspace,
      });
    const first = await run();
    const callsAfterFirst = harness.calls();
    const second = await run();
    return { project, first, second, callsAfterFirst, callsAfterSecond: harness.calls() };
  } finally {
    workspace?.close();
    await harness.close();
  }
}

for (const kind of Object.keys(harnesses)) {
  describe.skipIf(kind !== 'in-process' && !hasRedis)(`stage job dispatcher: ${kind}`, () => {
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
}

describe.skipIf(!hasRedis)('stage job dispatchers', () => {
  // Three dispatchers' runs, twice each: about 18 s on a loaded 2-core machine.
  it('produce the same artifacts, byte for byte', async () => {
    const embedded = await renderWith('in-process');
    const queued = await renderWith('bullmq');
    const overS3 = await renderWith('bullmq with an S3 store');
    const a = await hashTree(embedded.first.runDirectory, { artifactsOnly: true });
    expect(a.size).toBe(5 + (2 * 2 + 1 * 2 + 2 * 1) * 2);
    expect(await hashTree(queued.first.runDirectory, { artifactsOnly: true })).toEqual(a);
    expect(await hashTree(overS3.first.runDirectory, { artifactsOnly: true })).toEqual(a);
  }, 75_000);
});
