import { getEventListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerRequirement, startTestRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { requireSystemBinary } from '../../test/helpers/system-requirement.ts';
import {
  countingRegistry,
  createTempProject,
  hashTree,
  smallCampaign,
  type TempProject,
} from '../../test/helpers/temp-project.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { stateDirectoryOf } from '../pipeline/workspace.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { BullmqDispatcher } from './bullmq-dispatcher.ts';
import { allQueueRoles, bullConnection, queueNameFor } from './queue-keys.ts';
import { startQueueWorker } from './queue-worker.ts';

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

describe.skipIf(!hasRedis)('queue worker', () => {
  it('re-uses a computed result when a job comes back, instead of calling the model again', async () => {
    const project = await createTempProject(smallCampaign());
    projects.push(project);
    const counting = countingRegistry();
    const worker = await startQueueWorker({ url: redis.url, registry: counting.registry, concurrency: 2 });
    const dispatcher = new BullmqDispatcher(redis.url);
    try {
      const first = await runCampaign({
        dispatcher,
        loaded: await project.load(),
        registry: countingRegistry().registry,
      });
      expect(first.computedJobs).toBe(10);
      expect(counting.calls()).toBe(5);
      // The queue forgets every job and the run's ledger is lost, as after a crash between a
      // worker's result and its job's completion: the same jobs are enqueued and run again.
      for (const role of allQueueRoles(stageCatalog())) {
        const queue = new Queue(queueNameFor(role === 'cpu' ? undefined : role), {
          connection: bullConnection(redis.url),
        });
        await queue.obliterate({ force: true });
        await queue.close();
      }
      await rm(join(stateDirectoryOf(project.directory), 'atelier.db'));
      const second = await runCampaign({
        dispatcher,
        loaded: await project.load(),
        registry: countingRegistry().registry,
        fresh: true,
      });
      expect(second.failures).toEqual([]);
      expect(second.computedJobs).toBe(10);
      expect(counting.calls()).toBe(5);
      expect(await hashTree(second.runDirectory, { artifactsOnly: true })).toEqual(
        await hashTree(first.runDirectory, { artifactsOnly: true }),
      );
    } finally {
      await dispatcher.close();
      await worker.close();
    }
  }, 60_000);

  it('leaves no abort listener behind on the run signal, however many chains wait on workers', async () => {
    const manyChains = smallCampaign({
      pipeline: { seeds: 6, concurrency: 2, stages: [{ stage: 'compose', size: '64x64' }] },
    });
    const project = await createTempProject(manyChains);
    projects.push(project);
    const counting = countingRegistry();
    const worker = await startQueueWorker({ url: redis.url, registry: counting.registry, concurrency: 4 });
    const dispatcher = new BullmqDispatcher(redis.url);
    const controller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const summary = await runCampaign({
        dispatcher,
        loaded: await project.load(),
        registry: countingRegistry().registry,
        signal: controller.signal,
      });
      expect(summary.chains).toBeGreaterThan(10);
      expect(summary.status).toBe('completed');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await dispatcher.close();
      await worker.close();
    }
  }, 60_000);

  it('atelier run --queue exits with a readable error instead of hanging when the run cannot start', async () => {
    const project = await createTempProject(smallCampaign());
    projects.push(project);
    const started = performance.now();
    const result = await runCli(['run', project.directory, '--queue', redis.url, '--resume', 'no-such-run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no-such-run');
    // A process held open by its Redis connections would only end at the test's timeout.
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
