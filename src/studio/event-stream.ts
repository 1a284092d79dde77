import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EventSnapshot, StudioEvent as StudioEventMessage } from './api-types.ts';
import type { RunManager, StudioEvent } from './run-manager.ts';

const keepAliveMs = 20_000;

/**
 * `GET /api/events`: Server-Sent Events for every browser tab. The first message is a
 * snapshot of the runs in progress; then run events, run state changes and new reviews as
 * they happen, so every open gallery stays current without polling.
 */
export function openEventStream(context: Context, runs: RunManager, shutdown?: AbortSignal): Response {
  return streamSSE(context, async (stream) => {
    let id = 0;
    const send = (event: string, data: unknown) =>
      stream.writeSSE({ event, data: JSON.stringify(data), id: String(++id) }).catch(() => undefined);
    await send('snapshot', { active: runs.active() } satisfies EventSnapshot);
    // The browser reads the event as api-types.ts describes it; the run's own type must fit.
    const unsubscribe = runs.subscribe(
      (event: StudioEvent) => void send('studio', event satisfies StudioEventMessage),
    );
    const keepAlive = setInterval(
      () => void stream.write(': keep-alive\n\n').catch(() => undefined),
      keepAliveMs,
    );
    await new Promise<void>((resolve) => {
      stream.onAbort(resolve);
      if (shutdown?.aborted) resolve();
      shutdown?.addEventListener('abort', () => resolve(), { once: true });
    });
    clearInterval(keepAlive);
    unsubscribe();
  });
}
