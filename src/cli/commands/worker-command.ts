import type { Command } from 'commander';
import { parsePositiveInteger } from '../option-parsers.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('compute stage jobs from a BullMQ queue (started with `atelier run --queue`) until stopped')
    .requiredOption('--queue <redis-url>', 'the Redis the runs enqueue on (redis://host:port)')
    .option(
      '--roles <roles>',
      'roles to serve, comma-separated: model roles of the stages, and cpu = stages without a model (default: all, listed when the worker is ready)',
    )
    .option('--concurrency <n>', 'jobs computed at once per role', parsePositiveInteger('--concurrency'), 1)
    .option('--rate-limit <limits>', 'fleet-wide model call limits, e.g. compose=60/1m,upscale=10/2s')
    .option(
      '--max-in-flight <limits>',
      'fleet-wide limits of model calls in flight, e.g. compose=4,upscale=1',
    )
    .option(
      '--store <path>',
      "the shared artifact store folder (default: each run's own store, on a shared mount)",
    )
    .option(
      '--lock-ms <ms>',
      'a dead worker’s job is taken over after about this long',
      parsePositiveInteger('--lock-ms'),
      30_000,
    )
    .action(
      async (options: {
        queue: string;
        roles?: string;
        concurrency: number;
        rateLimit?: string;
        maxInFlight?: string;
        store?: string;
        lockMs: number;
      }) => {
        const roles = options.roles
          ?.split(',')
          .map((role) => role.trim())
          .filter(Boolean);
        const [
          { parseInFlightLimits, parseRateLimits },
          { allQueueRoles },
          { startQueueWorker },
          { modelRegistryForCampaign },
          { stageCatalog },
          { storeFromOption },
        ] = await Promise.all([
          import('../../execution/fleet-rate-limit.ts'),
          import('../../execution/queue-keys.ts'),
          import('../../execution/queue-worker.ts'),
          import('../../runtime/wiring.ts'),
          import('../../stages/stage-catalog.ts'),
          import('./artifact-store-option.ts'),
        ]);
        const worker = await startQueueWorker({
          url: options.queue,
          roles,
          concurrency: options.concurrency,
          lockMs: options.lockMs,
          rateLimits: options.rateLimit ? parseRateLimits(options.rateLimit) : undefined,
          inFlightLimits: options.maxInFlight ? parseInFlightLimits(options.maxInFlight) : undefined,
          store: options.store ? await storeFromOption(options.store) : undefined,
          // Each run's models come from the run's own config (its providers section).
          registry: (run) => modelRegistryForCampaign(run),
          onJob: (event) =>
            process.stderr.write(
              `${event.queue} ${event.jobId.slice(0, 12)} ${event.outcome} ${Math.round(event.ms)} ms\n`,
            ),
        });
        process.stderr.write(
          `worker ${process.pid} ready on ${(roles ?? allQueueRoles(stageCatalog())).join(', ')}\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        // Finishes the jobs in flight, then leaves; a job cut short is retried by another worker.
        await worker.close();
      },
    );
}
