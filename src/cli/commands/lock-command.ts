import type { Command } from 'commander';

export function registerLockCommand(program: Command): void {
  program
    .command('lock')
    .description(
      "pin each role's model (package version, weights sha256, provider version) in atelier.lock.json",
    )
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .option('--check', 'only report differences; exit 2 if the lock is missing or stale')
    .action(async (config: string, options: { check?: boolean }) => {
      const [
        { diffLocks, lockPathFor, readLockfile, resolveLock, writeLockfile },
        { loadCampaignWithRegistry },
      ] = await Promise.all([import('../../lock/lockfile.ts'), import('../../runtime/wiring.ts')]);
      const { loaded, registry } = await loadCampaignWithRegistry(config);
      const path = lockPathFor(loaded.projectDirectory);
      const current = await resolveLock(loaded.campaign, registry);
      const locked = await readLockfile(path);
      const differences = locked ? diffLocks(locked, current) : ['(no lockfile yet)'];
      if (options.check) {
        if (differences.length === 0) process.stdout.write(`${path} is up to date\n`);
        else {
          process.stdout.write(
            `${path} differs from the config:\n${differences.map((line) => `  ${line}`).join('\n')}\n`,
          );
          process.exitCode = 2;
        }
        return;
      }
      await writeLockfile(path, current);
      for (const [role, entry] of Object.entries(current.models)) {
        process.stdout.write(
          `${role.padEnd(11)} ${entry.reference}  ${entry.package ? `${entry.package.name}@${entry.package.version}` : (entry.version ?? '')}  ${entry.sha256?.slice(0, 12) ?? ''}\n`,
        );
      }
      process.stdout.write(`${differences.length === 0 ? 'unchanged' : 'wrote'} ${path}\n`);
    });
}
