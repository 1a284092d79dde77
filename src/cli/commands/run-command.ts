import type { Command } from 'commander';
import type { openWorkspace } from '../../pipeline/workspace.ts';
import { parsePositiveInteger } from '../option-parsers.ts';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'render a campaign: every shot at every seed through every stage (resumes an unfinished run)',
    )
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .option('--resume <run-id>', 'resume this run')
    .option('--fresh', 'start a new run even if an unfinished one exists')
    .option('--update-lock', 'accept model changes and rewrite atelier.lock.json')
    .option('--no-cache', 're-render every job instead of reusing cached results')
    .option(
      '--concurrency <n>',
      'model calls in flight per role (default: cores)',
      parsePositiveInteger('--concurrency'),
    )
    .option(
      '--queue <redis-url>',
      'compute stage jobs on `atelier worker` processes through BullMQ (redis://host:port)',
    )
    .option(
      '--store <s3-url>',
      'with --queue: share artifacts with workers through s3://bucket/prefix/?endpoint=URL instead of a shared mount',
    )
    .option('--json', 'print the run summary as JSON')
    .action(
      async (
        config: string,
        options: {
          resume?: string;
          fresh?: boolean;
          updateLock?: boolean;
          cache: boolean;
          concurrency?: number;
          queue?: string;
          store?: string;
          json?: boolean;
        },
      ) => {
        const [
          { runCampaign },
          { openWorkspace },
          { formatSeconds },
          { dispatcherFor },
          { assertCampaignModelsAvailable, loadCampaignWithRegistry, signingFor },
          { createProgressReporter, formatSummary },
          { storeFromOption },
        ] = await Promise.all([
          import('../../pipeline/run-campaign.ts'),
          import('../../pipeline/workspace.ts'),
          import('../../providers/provider-failure.ts'),
          import('../../runtime/dispatcher-for.ts'),
          import('../../runtime/wiring.ts'),
          import('../run-progress.ts'),
          import('./artifact-store-option.ts'),
        ]);
        const { loaded, registry } = await loadCampaignWithRegistry(config, {
          // A retried provider call is worth a line in the log; the message is already redacted.
          onAttempt: options.json
            ? undefined
            : (event) =>
                process.stderr.write(
                  `${event.label}: attempt ${event.attempt} failed (${event.failure?.kind}: ${event.failure?.message}); retrying in ${formatSeconds(event.waitMs ?? 0)}\n`,
                ),
        });
        for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
        await assertCampaignModelsAvailable(loaded.campaign, registry);
        const controller = new AbortController();
        const onSignal = () => {
          if (controller.signal.aborted) process.exit(130);
          process.stderr.write(
            '\nstopping after the jobs in flight (Ctrl-C again to quit now); resume with the same command\n',
          );
          controller.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const dispatcher = await dispatcherFor(options.queue);
        let workspace: ReturnType<typeof openWorkspace> | undefined;
        let summary: Awaited<ReturnType<typeof runCampaign>>;
        try {
          const remote = options.store ? await storeFromOption(options.store) : undefined;
          workspace = remote ? openWorkspace(loaded.projectDirectory, { remote }) : undefined;
          summary = await runCampaign({
            ...(await signingFor(loaded)),
            dispatcher,
            workspace,
            loaded,
            registry,
            resume: options.resume,
            fresh: options.fresh,
            updateLock: options.updateLock,
            useCache: options.cache,
            concurrency: options.concurrency,
            signal: controller.signal,
            onEvent: options.json ? undefined : createProgressReporter(process.stderr),
          });
        } finally {
          // Open Redis connections would keep the process alive after an error.
          await dispatcher.close();
          workspace?.close();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else process.stdout.write(`${formatSummary(summary)}\n`);
        if (summary.status === 'interrupted') process.exitCode = 130;
        else if (summary.status === 'failed') process.exitCode = 1;
      },
    );
}
