import type { Command } from 'commander';

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('re-render a run with the cache off and report any drift (exit 1 on drift)')
    .argument('<run-id>', 'the run to verify (see `atelier runs`)')
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .option('--min-ssim <value>', 'similarity below which a remote stage counts as drifted', '0.98')
    .option('--trust-anchors <pem>', 'PEM certificates whose Content Credentials signers count as trusted')
    .option('--json', 'print the drift report as JSON')
    .action(
      async (
        runId: string,
        config: string,
        options: { minSsim: string; trustAnchors?: string; json?: boolean },
      ) => {
        const [{ resolveTrustAnchors }, { loadCampaignWithRegistry }, { verifyRun }] = await Promise.all([
          import('../../credentials/signing-credentials.ts'),
          import('../../runtime/wiring.ts'),
          import('../../verify/verify-run.ts'),
        ]);
        const { loaded, registry } = await loadCampaignWithRegistry(config);
        const minimumSimilarity = Number(options.minSsim);
        if (!(minimumSimilarity > 0 && minimumSimilarity <= 1)) {
          throw new Error(`Expected --min-ssim between 0 and 1 but received "${options.minSsim}"`);
        }
        process.stderr.write(`verifying ${runId}: re-rendering every job with the cache off...\n`);
        const report = await verifyRun({
          projectDirectory: loaded.projectDirectory,
          runId,
          registry,
          minimumSimilarity,
          trustAnchorsPem: await resolveTrustAnchors({
            projectDirectory: loaded.projectDirectory,
            path: options.trustAnchors,
            config: loaded.campaign.credentials,
          }),
        });
        if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          const lines = [
            `verify ${report.runId}: ${report.checkedFiles} files checked, ${report.drift.length} drifted`,
          ];
          const signed = report.credentials;
          if (signed.length > 0) {
            const count = (state: string) => signed.filter((check) => check.state === state).length;
            lines.push(
              `credentials: ${signed.length} signed files: ${count('trusted')} trusted, ${count('valid')} valid (untrusted signer), ${count('invalid')} invalid, ${count('none')} missing`,
            );
            for (const check of signed.filter((entry) => entry.problems.length > 0))
              lines.push(`  CREDENTIALS ${check.file}: ${check.state}: ${check.problems.join('; ')}`);
          }
          for (const item of report.drift) {
            lines.push(
              `  DRIFT ${item.shotId}#${item.seedIndex} ${item.stage} [${item.comparison}] ${item.kind}${item.file ? ` ${item.file}` : ''}: ${item.detail}`,
            );
          }
          if (report.lockDifferences.length)
            lines.push(
              'lock differences (run lock -> models now):',
              ...report.lockDifferences.map((line) => `  ${line}`),
            );
          if (report.manifestDifferences.length)
            lines.push('manifest differences:', ...report.manifestDifferences.map((line) => `  ${line}`));
          lines.push(report.passed ? 'no drift: the run reproduces exactly' : 'DRIFT DETECTED');
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (!report.passed) process.exitCode = 1;
      },
    );
}
