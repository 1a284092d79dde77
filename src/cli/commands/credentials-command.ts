import { readFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import type { Command } from 'commander';
import { AtelierError } from '../../errors.ts';

const mediaTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export function registerCredentialsCommand(program: Command): void {
  const credentials = program
    .command('credentials')
    .description('Content Credentials (C2PA) for exported images: development signer, reading a file');
  credentials
    .command('init')
    .description(
      'create a development CA and signer under <project>/credentials/ (git-ignored; readers show it as untrusted)',
    )
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .option('--replace', 'replace existing credentials')
    .action(async (config: string, options: { replace?: boolean }) => {
      const [{ resolveConfigPath }, { createDevelopmentCredentials }] = await Promise.all([
        import('../../config/load-campaign.ts'),
        import('../../credentials/development-credentials.ts'),
      ]);
      const project = dirname(resolveConfigPath(config));
      const made = await createDevelopmentCredentials(project, { replace: options.replace });
      const shown = (path: string) => {
        const near = relative(process.cwd(), path);
        return near && !near.startsWith('..') ? near : path;
      };
      process.stdout.write(
        made.created
          ? `created a development signer: ${shown(made.certificateChainPath)} (chain), ${shown(made.privateKeyPath)} (key), ${shown(made.authorityPath)} (its CA)\n` +
              'exports of this project are now signed; readers show the signer as untrusted until a real certificate is configured\n'
          : `kept the existing signer in ${shown(made.folder)} (--replace makes a new one)\n`,
      );
    });
  credentials
    .command('show')
    .description("read and validate a file's Content Credentials")
    .argument('<file>', 'an exported PNG, JPEG or WebP')
    .option('--json', 'print the reading as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const mediaType = mediaTypes[file.split('.').pop()?.toLowerCase() ?? ''];
      if (!mediaType)
        throw new AtelierError('INVALID_ARGUMENT', `${file}: expected a .png, .jpg or .webp file`);
      const { readContentCredentials } = await import('../../credentials/content-credentials.ts');
      const reading = await readContentCredentials(await readFile(file), mediaType);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(reading, null, 2)}\n`);
      } else {
        process.stdout.write(
          `${file}: ${reading.state}${reading.signer ? ` (signed by ${reading.signer})` : ''}\n`,
        );
        for (const action of reading.actions)
          process.stdout.write(
            `  ${action.action}${action.softwareAgent ? `  ${action.softwareAgent.name}${action.softwareAgent.version ? `@${action.softwareAgent.version}` : ''}` : ''}\n`,
          );
        for (const problem of reading.problems) process.stdout.write(`  problem: ${problem}\n`);
      }
      if (reading.state === 'invalid') process.exitCode = 1;
    });
}
