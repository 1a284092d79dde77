import { describe, expect, it } from 'vitest';
import { ProviderGate } from './provider-gate.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProviderGate', () => {
  it('runs at most `concurrency` tasks at once', async () => {
    const gate = new ProviderGate({ concurrency: 2 });
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        gate.run(async () => {
          running++;
          most = Math.max(most, running);
          await pause(20);
          running--;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('spaces starts evenly at requestsPerMinute, even for tasks arriving together', async () => {
    const gate = new ProviderGate({ requestsPerMinute: 1500 });
    const starts: number[] = [];
    const origin = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => gate.run(async () => starts.push(performance.now()))));
    // Start i is due 40 ms x i after the schedule began (timers may fire late, never early; a
    // late first start must not make the later ones look early).
    for (const [index, start] of starts.entries())
      expect(start - origin).toBeGreaterThanOrEqual(index * 40 - 2);
  });

  it('stops waiting for its turn when the caller aborts', async () => {
    const gate = new ProviderGate({ requestsPerMinute: 6 });
    await gate.run(async () => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(gate.run(async () => 'ran', controller.signal)).rejects.toThrow(/abort/i);
  });
});
