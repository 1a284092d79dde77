/** Counters that show how a pool was used: tests and benchmarks read them. */
export interface WorkerPoolStats {
  /** Workers started (each one pays the initialisation cost). */
  readonly workersCreated: number;
  /** Wall time of each worker's initialisation, in ms. */
  readonly initMs: readonly number[];
  readonly jobs: number;
  /** Workers currently alive. */
  readonly live: number;
}

export interface WorkerPoolOptions<Worker> {
  /** At most this many workers (and so jobs) at once. */
  readonly size: number;
  create(): Promise<Worker>;
  destroy(worker: Worker): Promise<void>;
}

/**
 * A small pool of expensive workers (an OCR engine each). Workers start on demand, up to
 * `size`, and are then reused for every later job; `close()` stops them all. Jobs beyond
 * `size` wait their turn in order.
 *
 * @example
 * const pool = new WorkerPool({ size: 2, create: startEngine, destroy: (engine) => engine.stop() });
 * const text = await pool.run((engine) => engine.read(image));
 * await pool.close();
 */
export class WorkerPool<Worker> {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: Array<{ take(worker: Worker): void; fail(error: unknown): void }> = [];
  private starting = 0;
  private closed = false;
  private counters = { workersCreated: 0, jobs: 0, initMs: [] as number[] };

  constructor(private readonly options: WorkerPoolOptions<Worker>) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`Expected a pool size of at least 1 but received ${options.size}`);
    }
  }

  get stats(): WorkerPoolStats {
    return { ...this.counters, initMs: [...this.counters.initMs], live: this.all.size };
  }

  /** Runs `job` on a free worker (starting one if the pool is not full yet). */
  async run<T>(job: (worker: Worker) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const worker = await this.acquire(signal);
    this.counters.jobs++;
    try {
      return await job(worker);
    } finally {
      this.release(worker);
    }
  }

  /**
   * Starts workers up to `size` now instead of with the first jobs, so they are ready when the
   * jobs come. Resolves once they have started; never rejects (a worker that cannot start fails
   * the first job that starts it again, with the reason).
   */
  async warm(): Promise<void> {
    const starts: Array<Promise<void>> = [];
    while (!this.closed && this.all.size + this.starting < this.options.size) {
      starts.push(this.start().then((worker) => this.release(worker)));
    }
    await Promise.allSettled(starts);
  }

  /** Stops every worker; jobs still waiting are rejected. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.fail(new Error('The worker pool was closed'));
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.allSettled(workers.map((worker) => this.options.destroy(worker)));
  }

  private async acquire(signal: AbortSignal | undefined): Promise<Worker> {
    signal?.throwIfAborted();
    if (this.closed) throw new Error('The worker pool is closed');
    const free = this.idle.pop();
    if (free !== undefined) return free;
    if (this.all.size + this.starting < this.options.size) return this.start();
    return new Promise<Worker>((resolve, reject) => {
      const waiter = {
        take: (worker: Worker) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(worker);
        },
        fail: (error: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private async start(): Promise<Worker> {
    this.starting++;
    const started = performance.now();
    try {
      const worker = await this.options.create();
      this.counters.workersCreated++;
      this.counters.initMs.push(performance.now() - started);
      if (this.closed) {
        await this.options.destroy(worker);
        throw new Error('The worker pool was closed while a worker started');
      }
      this.all.add(worker);
      return worker;
    } catch (error) {
      // A worker that cannot start will not start for the jobs queued behind it either.
      for (const waiter of this.waiting.splice(0)) waiter.fail(error);
      throw error;
    } finally {
      this.starting--;
    }
  }

  private release(worker: Worker): void {
    if (!this.all.has(worker)) return;
    const next = this.waiting.shift();
    if (next) next.take(worker);
    else this.idle.push(worker);
  }
}
