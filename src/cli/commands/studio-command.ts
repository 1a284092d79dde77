import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { tokenEnvironmentVariable } from '../../studio/studio-access.ts';

export function registerStudioCommand(program: Command): void {
  program
    .command('studio')
    .description('serve the review studio: run briefs with one click, review, export, time-to-approval')
    .argument(
      '[folder]',
      'workspace folder; campaigns are atelier.yaml files in it or up to two levels down',
      '.',
    )
    .option('--host <address>', 'address to bind; anything but loopback requires a token', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', parsePort, 4178)
    .option(
      '--token <token>',
      `access token (default: $${tokenEnvironmentVariable}, or generated off loopback)`,
    )
    .action(async (folder: string, options: { host: string; port: number; token?: string }) => {
      const [{ startStudio }, { generateToken, isLoopback }] = await Promise.all([
        import('../../studio/start-studio.ts'),
        import('../../studio/studio-access.ts'),
      ]);
      let token = options.token ?? process.env[tokenEnvironmentVariable] ?? undefined;
      const generated = !token && !isLoopback(options.host);
      if (generated) token = generateToken();
      const studio = await startStudio({
        workspaceDirectory: folder,
        host: options.host,
        port: options.port,
        token,
      });
      const campaigns = await studio.catalog.list();
      process.stdout.write(`studio listening on ${studio.url}\n`);
      process.stdout.write(
        `${campaigns.length} campaign${campaigns.length === 1 ? '' : 's'} in ${studio.catalog.root}: ${campaigns.map((entry) => entry.relativePath).join(', ') || '(none yet)'}\n`,
      );
      if (generated)
        process.stdout.write(
          'a token was generated for this session: share the link above only with reviewers\n',
        );
      process.stdout.write('press Ctrl-C to stop\n');
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          if (studio.runs.active().length > 0)
            process.stderr.write('\nstopping runs after the jobs in flight (Ctrl-C again to quit now)\n');
          process.once('SIGINT', () => process.exit(130));
          void studio.close().then(resolve);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`Expected a port 0..65535 for --port but received "${value}"`);
  return port;
}
