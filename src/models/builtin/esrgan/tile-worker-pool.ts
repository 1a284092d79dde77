import { Worker } from 'node:worker_threads';
import { AtelierError, type AtelierErrorCode } from '../../../errors.ts';
import type {
  TileWorkerFailure,
  TileWorkerRequest,
  TileWorkerResponse,
  TileWorkerSetup,
} from './tile-worker-protocol.ts';

interface Task {
  readonly id: number;
  readonly tile: Float32Array;
  readonly width: number;
  readonly height: number;
  resolve(output: Float32Array): void;
  reject(error: unknown): void;
}

interface PooledWorker {
  readonly worker: Worker;
  ready: boolean;
  task: Task | undefined;
}

const bootstrap = new URL('./tile-worker-bootstrap.mjs', import.meta.url);

/**
 * A fixed number of worker threads, each with its own single-threaded engine, taking tiles from
 * one queue. Several upscales may share a pool (the pipeline runs shots concurrently): the pool
 * size then bounds both CPU use and the number of tiles in memory.
 *
 * Workers start on first use and are unreferenced while idle, so an open pool never keeps the
 * process alive. A worker that fails to load or dies fails the tiles it held, loudly.
 */
export class TileWorkerPool {
  private readonly workers: PooledWorker[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly setup: TileWorkerSetup,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Expected a worker count of at least 1 but received ${size}`);
    }
  }

  /** Upscales one NHWC tile on the next free worker. */
  run(tile: Float32Array, width: number, height: number): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new Error('the upscale worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, tile, width, height, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts every worker now (each loads its engine) instead of with the first tiles, so a run can
   * have them ready while earlier stages compute. A worker that fails to load is dropped quietly:
   * the first tiles start another, which fails them with the reason.
   */
  warm(): void {
    while (!this.closed && this.workers.length < this.size) this.spawn();
  }

  /** Workers whose engine has loaded. */
  get readyWorkers(): number {
    return this.workers.filter((pooled) => pooled.ready).length;
  }

  /** Stops every worker; queued tiles are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the upscale worker pool was closed'));
    await Promise.all(this.workers.splice(0).map((pooled) => pooled.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = this.workers.find((pooled) => pooled.ready && !pooled.task);
      if (idle) {
        this.assign(idle, this.queue.shift()!);
        continue;
      }
      if (this.workers.length < this.size) {
        this.spawn();
        continue;
      }
      return;
    }
  }

  private assign(pooled: PooledWorker, task: Task): void {
    pooled.task = task;
    pooled.worker.ref();
    const request: TileWorkerRequest = {
      type: 'tile',
      id: task.id,
      tile: task.tile,
      width: task.width,
      height: task.height,
    };
    pooled.worker.postMessage(request, [task.tile.buffer as ArrayBuffer]);
  }

  private spawn(): void {
    const worker = new Worker(bootstrap, { workerData: this.setup });
    const pooled: PooledWorker = { worker, ready: false, task: undefined };
    this.workers.push(pooled);
    worker.on('message', (message: TileWorkerResponse) => {
      if (message.type === 'ready') {
        pooled.ready = true;
        worker.unref();
      } else if (message.type === 'load-failed') {
        this.retire(pooled);
        // Every waiting tile would meet the same broken weights: fail them all with the reason.
        const error = toError(message.error, 'MODEL_UNAVAILABLE');
        for (const task of this.queue.splice(0)) task.reject(error);
        return;
      } else {
        const task = pooled.task;
        pooled.task = undefined;
        worker.unref();
        if (task && message.id === task.id) {
          if (message.type === 'done') task.resolve(message.output);
          else task.reject(toError(message.error, 'STAGE_FAILED', `upscale tile failed: `));
        }
      }
      this.dispatch();
    });
    worker.on('error', (error) => this.crashed(pooled, error.message));
    worker.on('exit', (code) => {
      if (this.closed || !this.workers.includes(pooled)) return;
      this.crashed(pooled, `the worker exited with code ${code}`);
    });
  }

  private crashed(pooled: PooledWorker, reason: string): void {
    if (!this.workers.includes(pooled)) return;
    this.retire(pooled);
    const error = new AtelierError('STAGE_FAILED', `upscale worker thread crashed: ${reason}`);
    pooled.task?.reject(error);
    if (!pooled.ready) for (const task of this.queue.splice(0)) task.reject(error);
    this.dispatch();
  }

  private retire(pooled: PooledWorker): void {
    const index = this.workers.indexOf(pooled);
    if (index >= 0) this.workers.splice(index, 1);
    void pooled.worker.terminate();
  }
}

function toError(failure: TileWorkerFailure, fallback: AtelierErrorCode, prefix = ''): AtelierError {
  return new AtelierError(
    (failure.code as AtelierErrorCode | undefined) ?? fallback,
    `${prefix}${failure.message}`,
  );
}
