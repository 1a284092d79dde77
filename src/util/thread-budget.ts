import { availableParallelism } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';

/**
 * A fixed number of CPU threads that CPU-bound work draws from: an upscale tile, an OCR
 * recognition, an image encode each hold one thread while they compute. Without it every
 * built-in sizes itself to the whole machine, and a run that upscales, reads copy and encodes
 * at once asks the cores for several times what they have (each job then runs slower than alone).
 *
 * Grants are first come, first served; work waiting for a thread holds nothing.
 *
 * @example
 * const budget = new ThreadBudget(2);
 * const png = await budget.run(() => image.png().toBuffer());
 */
export class ThreadBudget {
  private readonly limit: LimitFunction;
  private mostInUse = 0;
  private grants = 0;

  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`Expected a thread budget of at least 1 but received ${threads}`);
    }
    this.limit = pLimit(threads);
  }

  /** Runs `work` once a thread is free; the thread is returned when it settles. */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    return this.limit(() => {
      // Stopped while it waited: give the thread straight back.
      signal?.throwIfAborted();
      this.grants++;
      this.mostInUse = Math.max(this.mostInUse, this.limit.activeCount);
      return work();
    });
  }

  /** Threads granted right now. */
  get inUse(): number {
    return this.limit.activeCount;
  }

  /** How the budget was used: tests and benchmarks read it. */
  get stats(): { threads: number; grants: number; peakInUse: number } {
    return { threads: this.threads, grants: this.grants, peakInUse: this.mostInUse };
  }
}

let processBudget: ThreadBudget | undefined;

/**
 * The budget every CPU-bound built-in of this process shares by default: one thread per core.
 * Model instances and the stage encoder all take it unless they are handed their own (tests).
 */
export function cpuThreadBudget(): ThreadBudget {
  processBudget ??= new ThreadBudget(Math.max(1, availableParallelism()));
  return processBudget;
}
