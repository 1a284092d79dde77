import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';

export interface ProviderGateOptions {
  /** Calls in flight at once. */
  readonly concurrency?: number;
  /** Calls started per minute, spaced evenly so a provider's rate limit is never hit in a burst. */
  readonly requestsPerMinute?: number;
}

/**
 * Admits calls to one provider: at most `concurrency` in flight, and starts spaced
 * `60 s / requestsPerMinute` apart. Shared by every model of the provider, across stages.
 *
 * @example
 * const gate = new ProviderGate({ concurrency: 2, requestsPerMinute: 60 });
 * await gate.run(() => fetch(url));
 */
export class ProviderGate {
  private readonly limit: LimitFunction | undefined;
  private readonly intervalMs: number;
  private nextStart = 0;

  constructor(options: ProviderGateOptions = {}) {
    this.limit = options.concurrency ? pLimit(options.concurrency) : undefined;
    this.intervalMs = options.requestsPerMinute ? 60_000 / options.requestsPerMinute : 0;
  }

  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const admitted = async () => {
      await this.waitForTurn(signal);
      return task();
    };
    return this.limit ? this.limit(admitted) : admitted();
  }

  /** Reserves the next start slot synchronously, so concurrent callers get distinct slots. */
  private async waitForTurn(signal: AbortSignal | undefined): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = performance.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + this.intervalMs;
    if (start > now) await sleep(start - now, undefined, { signal });
  }
}
