import type { Command } from 'commander';
import type { Campaign } from '../../config/campaign-schema.ts';
import { AtelierError } from '../../errors.ts';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the providers a campaign uses: keys present (never printed), base URLs reachable, ComfyUI version, GPU memory and the model files its workflows load',
    )
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .option('--timeout <seconds>', 'how long to wait for each provider', '5')
    .action(async (config: string, options: { timeout: string }) => {
      const [{ checkProviders, formatProviderChecks, hasBlockingProblem }, { loadCampaignWithRegistry }] =
        await Promise.all([import('../../providers/provider-doctor.ts'), import('../../runtime/wiring.ts')]);
      let campaign: Campaign | undefined;
      let projectDirectory: string | undefined;
      try {
        const { loaded } = await loadCampaignWithRegistry(config);
        campaign = loaded.campaign;
        projectDirectory = loaded.projectDirectory;
      } catch (error) {
        if (!(AtelierError.isInstance(error) && error.code === 'CONFIG_NOT_FOUND')) throw error;
        process.stdout.write('no atelier.yaml here: checking every provider with its default settings\n');
      }
      const timeoutMs = Math.max(100, Number(options.timeout) * 1000 || 5000);
      const checks = await checkProviders({ campaign, timeoutMs, projectDirectory });
      process.stdout.write(`${formatProviderChecks(checks)}\n`);
      if (hasBlockingProblem(checks)) process.exitCode = 1;
    });
}
