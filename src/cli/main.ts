import { Command, CommanderError } from 'commander';
import { AtelierError, describeError } from '../errors.ts';
import { atelierPackageVersion } from '../util/atelier-version.ts';
import { redactSecrets } from '../util/redact-secrets.ts';
import { registerBenchCommand } from './commands/bench-command.ts';
import { registerCredentialsCommand } from './commands/credentials-command.ts';
import { registerDoctorCommand } from './commands/doctor-command.ts';
import { registerLockCommand } from './commands/lock-command.ts';
import { registerModelsCommand } from './commands/models-command.ts';
import { registerReviewCommand } from './commands/review-command.ts';
import { registerRunCommand } from './commands/run-command.ts';
import { registerRunsCommand } from './commands/runs-command.ts';
import { registerStatusCommand } from './commands/status-command.ts';
import { registerStudioCommand } from './commands/studio-command.ts';
import { registerValidateCommand } from './commands/validate-command.ts';
import { registerVerifyCommand } from './commands/verify-command.ts';
import { registerWorkerCommand } from './commands/worker-command.ts';

/**
 * The whole command line, described. Registering a command loads only commander: each action
 * imports what it needs when it runs, so `--help` or `validate` never pays for sharp, the AI
 * SDK, BullMQ or the AWS SDK (test/startup/cli-startup.test.ts checks the modules loaded).
 */
export function createProgram(): Command {
  const program = new Command()
    .name('atelier')
    .description('Reproducible multi-stage AI image pipeline: compose, typography, stylize, upscale, crops')
    .version(atelierPackageVersion())
    .showHelpAfterError()
    .exitOverride();
  registerRunCommand(program);
  registerLockCommand(program);
  registerValidateCommand(program);
  registerRunsCommand(program);
  registerStatusCommand(program);
  registerModelsCommand(program);
  registerVerifyCommand(program);
  registerCredentialsCommand(program);
  registerBenchCommand(program);
  registerStudioCommand(program);
  registerReviewCommand(program);
  registerWorkerCommand(program);
  registerDoctorCommand(program);
  return program;
}

/** Prints one readable error (plus its detail lines) and returns the exit status. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (AtelierError.isInstance(error)) {
    // Messages can quote a provider's response; keys must never reach the terminal or logs.
    stderr.write(
      redactSecrets(`error: ${error.message}\n${error.details.map((line) => `  ${line}\n`).join('')}`),
    );
    return error.exitCode;
  }
  stderr.write(`error: ${describeError(error)}\n`);
  if (process.env.ATELIER_DEBUG && error instanceof Error)
    stderr.write(`${redactSecrets(String(error.stack))}\n`);
  return 1;
}

// Model warnings are recorded in each manifest and printed in the run summary; the AI SDK's own
// console logging would only break into the progress bar.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
