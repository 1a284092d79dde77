import type { Command } from 'commander';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a campaign config and print what a run would render')
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .action(async (config: string) => {
      const [{ seedsFor }, { loadCampaignWithRegistry }] = await Promise.all([
        import('../../pipeline/plan.ts'),
        import('../../runtime/wiring.ts'),
      ]);
      const { loaded } = await loadCampaignWithRegistry(config);
      const { campaign } = loaded;
      const images = campaign.shots.reduce((sum, shot) => sum + seedsFor(campaign, shot).length, 0);
      process.stdout.write(
        `${loaded.configPath} is valid: campaign "${campaign.campaign}", ${campaign.shots.length} shots, ${images} images, ` +
          `stages ${campaign.pipeline.stages.map((stage) => stage.name).join(' -> ')}\n`,
      );
      for (const warning of loaded.warnings) process.stdout.write(`warning: ${warning}\n`);
    });
}
