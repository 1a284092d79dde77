import type { Command } from 'commander';
import type { RunSummary } from '../../pipeline/run-events.ts';

export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description("list a campaign's runs, newest first, with status and counts")
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .action(async (config: string) => {
      const [{ configFileOf }, { openWorkspace }, { loadCampaignWithRegistry }] = await Promise.all([
        import('../../ledger/ledger.ts'),
        import('../../pipeline/workspace.ts'),
        import('../../runtime/wiring.ts'),
      ]);
      const { loaded } = await loadCampaignWithRegistry(config);
      const workspace = openWorkspace(loaded.projectDirectory);
      try {
        const runs = workspace.ledger.runs({ configFile: configFileOf(loaded.configPath) });
        if (runs.length === 0) process.stdout.write('no runs yet\n');
        for (const run of runs) {
          const jobs = workspace.ledger.jobs(run.id);
          const done = jobs.filter((job) => job.status === 'done').length;
          const summary = run.summary as RunSummary | null;
          const images = summary
            ? `${summary.chainsSucceeded}/${summary.chains} images`
            : `${done} jobs done`;
          process.stdout.write(`${run.id}  ${run.status.padEnd(11)}  ${run.createdAt}  ${images}\n`);
        }
      } finally {
        workspace.close();
      }
    });
}
