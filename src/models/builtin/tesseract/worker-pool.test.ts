import { describe, expect, it } from 'vitest';
import { WorkerPool } from './worker-pool.ts';

/** A worker that records which jobs ran on it and whether it was stopped. */
class CountingWorker {
  readonly jobs: number[] = [];
  stopped = false;
  constructor(readonly id: number) {}
}

function countingPool(size: number, options: { failCreate?: boolean } = {}) {
  const workers: CountingWorker[] = [];
  const pool = new WorkerPool<CountingWorker>({
    size,
    create: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (options.failCreate) throw new Error('engine failed to start');
      const worker = new CountingWorker(workers.length);
      workers.push(worker);
      return worker;
    },
    destroy: async (worker) => {
      worker.stopped = true;
    },
  });
  return { pool, workers };
}

const tick = (ms = 2) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WorkerPool', () => {
  it('starts at most `size` workers and reuses them for every later job', async () => {
    const { pool, workers } = countingPool(2);
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, job) =>
        pool.run(async (worker) => {
          worker.jobs.push(job);
          await tick();
          return job * 2;
        }),
      ),
    );
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]);
    expect(workers).toHaveLength(2);
    expect(workers.flatMap((worker) => worker.jobs).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(pool.stats).toMatchObject({ workersCreated: 2, jobs: 9, live: 2 });
    expect(pool.stats.initMs).toHaveLength(2);
    await pool.run(async (worker) => worker.jobs.push(99));
    expect(pool.stats.workersCreated).toBe(2);
  });

  it('warms up to `size` workers before any job, which the jobs then use; a failed start fails no one', async () => {
    const { pool, workers } = countingPool(2);
    const warming = pool.warm();
    // A job that arrives while they start waits for one of them instead of starting a third.
    const early = pool.run(async (worker) => worker.id);
    await warming;
    expect(pool.stats).toMatchObject({ workersCreated: 2, live: 2 });
    expect([0, 1]).toContain(await early);
    await Promise.all([0, 1, 2].map(() => pool.run(async () => tick())));
    expect(workers).toHaveLength(2);

    const broken = countingPool(1, { failCreate: true }).pool;
    await expect(broken.warm()).resolves.toBeUndefined();
    await expect(broken.run(async () => 1)).rejects.toThrow('engine failed to start');
  });

  it('runs no more than `size` jobs at once', async () => {
    const { pool } = countingPool(2);
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        pool.run(async () => {
          running++;
          most = Math.max(most, running);
          await tick(3);
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('stops every worker on close and refuses work afterwards', async () => {
    const { pool, workers } = countingPool(2);
    await Promise.all([pool.run(() => tick()), pool.run(() => tick())]);
    await pool.close();
    expect(workers.every((worker) => worker.stopped)).toBe(true);
    expect(pool.stats.live).toBe(0);
    await expect(pool.run(() => tick())).rejects.toThrow('closed');
  });

  it('rejects queued jobs when a worker cannot start', async () => {
    const { pool } = countingPool(1, { failCreate: true });
    const first = pool.run(() => tick());
    const second = pool.run(() => tick());
    await expect(first).rejects.toThrow('engine failed to start');
    await expect(second).rejects.toThrow('engine failed to start');
  });

  it('lets a waiting job be aborted', async () => {
    const { pool } = countingPool(1);
    const controller = new AbortController();
    const busy = pool.run(() => tick(20));
    const waiting = pool.run(() => tick(), controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await busy;
    expect(pool.stats.jobs).toBe(1);
  });

  it('rejects a size below 1', () => {
    expect(() => new WorkerPool({ size: 0, create: async () => 1, destroy: async () => {} })).toThrow(
      'Expected a pool size of at least 1 but received 0',
    );
  });
});
