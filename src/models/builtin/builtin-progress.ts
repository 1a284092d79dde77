import { AsyncLocalStorage } from 'node:async_hooks';

/** Receives progress from a built-in model: 0..1 and a short note (e.g. `tile 3/16`). */
export type BuiltinProgressListener = (fraction: number, message: string) => void;

const listeners = new AsyncLocalStorage<BuiltinProgressListener>();

/**
 * Runs `work` (typically a `generateImage` call) with a progress listener that built-in models
 * called inside it can report to. The AI SDK image-model interface has no progress channel, and
 * a stage must stay a plain `generateImage` caller so a remote model can take its role; the
 * listener travels with the async context instead, and remote models simply never report.
 *
 * @example
 * const result = await withBuiltinProgress((f, m) => context.progress(f, m), () => generateImage(...));
 */
export function withBuiltinProgress<T>(
  listener: BuiltinProgressListener,
  work: () => Promise<T>,
): Promise<T> {
  return listeners.run(listener, work);
}

/** Reports progress to the listener of the current `withBuiltinProgress` call, if any. */
export function reportBuiltinProgress(fraction: number, message: string): void {
  listeners.getStore()?.(fraction, message);
}
