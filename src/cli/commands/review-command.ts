import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AtelierError } from '../../errors.ts';

export function registerReviewCommand(program: Command): void {
  const review = program.command('review').description('work with the reviews recorded in the studio');
  review
    .command('export')
    .description('write the approved images of a run, with their crops and manifests, to a zip')
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .option('--run <run-id>', 'the run to export (default: the newest run with approved images)')
    .option('--out <file>', 'zip to write (default: <campaign>-<run>-approved.zip)')
    .action(async (config: string, options: { run?: string; out?: string }) => {
      const [
        { configFileOf },
        { openWorkspace },
        { loadCampaignWithRegistry },
        { collectApprovedSet, writeApprovedSetZip },
      ] = await Promise.all([
        import('../../ledger/ledger.ts'),
        import('../../pipeline/workspace.ts'),
        import('../../runtime/wiring.ts'),
        import('../../studio/approved-set-export.ts'),
      ]);
      const { loaded } = await loadCampaignWithRegistry(config);
      const workspace = openWorkspace(loaded.projectDirectory);
      try {
        const runs = workspace.ledger.runs({ configFile: configFileOf(loaded.configPath) });
        const runId =
          options.run ??
          runs.find((run) =>
            [...workspace.ledger.decisions(run.id).values()].some((entry) => entry.decision === 'approve'),
          )?.id;
        if (!runId) {
          throw new AtelierError(
            'RUN_NOT_FOUND',
            `No run of ${loaded.configPath} has approved images yet: review one in \`atelier studio\` first`,
          );
        }
        const run = workspace.ledger.run(runId);
        if (!run || run.configFile !== configFileOf(loaded.configPath))
          throw new AtelierError('RUN_NOT_FOUND', `No run "${runId}" of ${loaded.configPath}`);
        const set = await collectApprovedSet(workspace, runId);
        if (set.images.length === 0)
          throw new AtelierError('INVALID_ARGUMENT', `Run ${runId} has no approved images to export`);
        const out = resolve(options.out ?? `${set.folder}.zip`);
        const bytes = await writeApprovedSetZip(workspace, set, out);
        const files = set.images.reduce((sum, image) => sum + image.files.length, 0);
        process.stdout.write(
          `wrote ${out}: ${set.images.length} approved image${set.images.length === 1 ? '' : 's'}, ${files} files with manifests, ${(bytes / 1024).toFixed(0)} KiB\n`,
        );
      } finally {
        workspace.close();
      }
    });
}
