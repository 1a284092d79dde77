import type { Command } from 'commander';
import { AtelierError } from '../../errors.ts';
import type { JobStatus } from '../../ledger/ledger.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("a run's progress from the ledger: jobs per stage and status, images done and failed")
    .argument('<run-id>', 'the run (see `atelier runs`)')
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .option('--json', 'print as JSON')
    .action(async (runId: string, config: string, options: { json?: boolean }) => {
      const [{ chainViews }, { openWorkspace }, { loadCampaignWithRegistry }] = await Promise.all([
        import('../../ledger/chain-view.ts'),
        import('../../pipeline/workspace.ts'),
        import('../../runtime/wiring.ts'),
      ]);
      const { loaded } = await loadCampaignWithRegistry(config);
      const workspace = openWorkspace(loaded.projectDirectory);
      try {
        const run = workspace.ledger.run(runId);
        if (!run) throw new AtelierError('RUN_NOT_FOUND', `No run "${runId}" in ${workspace.stateDirectory}`);
        const jobs = workspace.ledger.jobs(runId);
        const stages = loaded.campaign.pipeline.stages.map((stage) => stage.name);
        const chains = chainViews(
          jobs,
          stages.length,
          loaded.campaign.shots.map((shot) => shot.id),
        );
        const perStage = stages.map((stage) => {
          const counts: Record<JobStatus, number> = {
            pending: 0,
            running: 0,
            done: 0,
            failed: 0,
            rejected: 0,
          };
          for (const job of jobs) if (job.stage === stage) counts[job.status]++;
          return { stage, ...counts };
        });
        const status = {
          run: run.id,
          status: run.status,
          createdAt: run.createdAt,
          images: {
            succeeded: chains.filter((chain) => chain.status === 'succeeded').length,
            failed: chains.filter((chain) => chain.status === 'failed').length,
            unfinished: chains.filter((chain) => chain.status === 'unfinished').length,
          },
          stages: perStage,
          failures: chains
            .filter((chain) => chain.status === 'failed')
            .map((chain) => ({ shot: chain.shotId, seedIndex: chain.seedIndex, reason: chain.reason })),
        };
        if (options.json) {
          process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
          return;
        }
        const lines = [
          `run ${run.id} ${run.status} (started ${run.createdAt})`,
          `images: ${status.images.succeeded} done, ${status.images.failed} failed, ${status.images.unfinished} unfinished`,
          ...perStage.map(
            (row) =>
              `  ${row.stage.padEnd(11)} done ${row.done}  running ${row.running}  pending ${row.pending}  failed ${row.failed}  rejected ${row.rejected}`,
          ),
          ...status.failures.map(
            (failure) => `  failed: ${failure.shot}#${failure.seedIndex}: ${failure.reason}`,
          ),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        workspace.close();
      }
    });
}
