import { setFlagsFromString } from 'node:v8';

/** Old-generation room as a percentage of what survived the last full collection: 4x the heap. */
export const pixelWorkHeapGrowingPercent = 300;

let given = false;

/**
 * Gives the JavaScript heap of a process that computes images room to grow before V8 marks it
 * again. Such a process keeps a small, long-lived heap (~30 MB of code, schemas and records)
 * while gigabytes of pixels pass through it in buffers, and its main thread mostly waits on
 * worker threads. V8 sizes the room from how fast the main thread allocates, so this quiet heap
 * got 1.1-1.8x and was marked 57 times in one example run, each time freeing next to nothing:
 * about 2 s of CPU, 5% of the run. At 4x: 20 full collections, peak RSS +35 MB (README, "Fast
 * where people wait").
 *
 * V8 reads this factor whenever it recomputes the heap's limits, which is why setting it after
 * start-up takes effect. Idempotent; `setFlags` is injectable for tests.
 */
export function giveHeapRoomForPixelWork(setFlags: (flags: string) => void = setFlagsFromString): void {
  if (given) return;
  given = true;
  setFlags(`--heap-growing-percent=${pixelWorkHeapGrowingPercent}`);
}
