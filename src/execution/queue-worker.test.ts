import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerRequirement, startTestRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import { requireSystemBinary } from '../../test/helpers/system-requirement.ts';
import {
  countingRegistry,
  createTempProject,
  hashTree,
  smallCampaign,
  type TempProject,
} from '../../test/helpers/temp-project.ts';
import { stateDirectoryOf } from '../pipeline/workspace.ts';
import { BullmqExecutor } from './bullmq-executor.ts';
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
    const executor = new BullmqExecutor(redis.url);
    try {
      const first = await executor.run({
        loaded: await project.load(),
        registry: countingRegistry().registry,
      });
      expect(first.computedJobs).toBe(10);
      expect(counting.calls()).toBe(5);
      // The queue forgets every job and the run's ledger is lost, as after a crash between a
      // worker's result and its job's completion: the same jobs are enqueued and run again.
      for (const role of allQueueRoles) {
        const queue = new Queue(queueNameFor(role === 'cpu' ? undefined : role), {
          connection: bullConnection(redis.url),
        });
        await queue.obliterate({ force: true });
        await queue.close();
      }
      await rm(join(stateDirectoryOf(project.directory), 'atelier.db'));
      const second = await executor.run({
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
      await executor.close();
      await worker.close();
    }
  }, 60_000);
});
