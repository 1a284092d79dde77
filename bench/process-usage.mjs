// Preloaded by example-run.bench.ts (`node --import <this> bin/atelier.js ...`): when the process
// exits, writes its own CPU time (every thread's) and peak RSS as JSON to $ATELIER_BENCH_USAGE_FILE.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.ATELIER_BENCH_USAGE_FILE;
// Worker threads inherit the preload; only the process's main thread speaks for the process.
if (file && isMainThread) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
        maxRssBytes: usage.maxRSS * 1024,
      }),
    );
  });
}
