import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cpuThreadBudget, ThreadBudget } from './thread-budget.ts';

describe('ThreadBudget', () => {
  it('never has more work running than it has threads, however much is asked of it at once', async () => {
    const budget = new ThreadBudget(3);
    let running = 0;
    let mostRunning = 0;
    const work = async (milliseconds: number) => {
      running++;
      mostRunning = Math.max(mostRunning, running);
      await sleep(milliseconds);
      running--;
      return milliseconds;
    };
    // Three callers (say tiles, OCR, encodes) each ask for many threads at the same moment.
    const callers = [0, 1, 2].map((caller) =>
      Promise.all(
        Array.from({ length: 8 }, (_, index) => budget.run(() => work(1 + ((index + caller) % 4)))),
      ),
    );
    const results = await Promise.all(callers);
    expect(results.flat()).toHaveLength(24);
    expect(mostRunning).toBe(3);
    expect(budget.stats).toEqual({ threads: 3, grants: 24, peakInUse: 3 });
    expect(budget.inUse).toBe(0);
  });

  it('gives the thread back when work fails', async () => {
    const budget = new ThreadBudget(1);
    await expect(budget.run(() => Promise.reject(new Error('tile failed')))).rejects.toThrow('tile failed');
    await expect(budget.run(async () => 'next')).resolves.toBe('next');
    expect(budget.inUse).toBe(0);
  });

  it('does not start work whose caller gave up while it waited for a thread', async () => {
    const budget = new ThreadBudget(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const holding = budget.run(() => gate);
    const controller = new AbortController();
    let started = false;
    const waiting = budget.run(async () => {
      started = true;
    }, controller.signal);
    controller.abort(new Error('stopped'));
    release();
    await holding;
    await expect(waiting).rejects.toThrow('stopped');
    expect(started).toBe(false);
    expect(budget.inUse).toBe(0);
  });

  it('refuses a budget of no threads', () => {
    expect(() => new ThreadBudget(0)).toThrow(RangeError);
    expect(() => new ThreadBudget(1.5)).toThrow(/at least 1/);
  });

  it('is one budget per process, sized to the cores', async () => {
    const { availableParallelism } = await import('node:os');
    expect(cpuThreadBudget()).toBe(cpuThreadBudget());
    expect(cpuThreadBudget().threads).toBe(availableParallelism());
  });
});
