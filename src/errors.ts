import { redactSecrets } from './util/redact-secrets.ts';

/**
 * One error family for everything Atelier reports to a user. Each error carries a stable
 * `code` (for programs and tests) and the process exit status the CLI maps it to, so the CLI
 * can print one readable line instead of a stack trace.
 */
export type AtelierErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'LOCK_MISMATCH'
  | 'LOCK_INVALID'
  | 'MODEL_UNAVAILABLE'
  | 'RUN_NOT_FOUND'
  | 'RUN_MISMATCH'
  | 'RUN_IN_PROGRESS'
  /** A completed run was asked to resume: nothing is left to do in it. */
  | 'RUN_COMPLETED'
  | 'STAGE_FAILED'
  | 'ARTIFACT_MISSING'
  | 'INVALID_ARGUMENT'
  /** A provider call failed for good (after retries, or a failure retrying cannot fix). */
  | 'PROVIDER_FAILED'
  /** A provider refused the request on content policy grounds; never retried. */
  | 'PROVIDER_REFUSED';

const exitCodes: Record<AtelierErrorCode, number> = {
  CONFIG_NOT_FOUND: 2,
  CONFIG_INVALID: 2,
  LOCK_MISMATCH: 2,
  LOCK_INVALID: 2,
  MODEL_UNAVAILABLE: 2,
  RUN_NOT_FOUND: 2,
  RUN_MISMATCH: 2,
  RUN_IN_PROGRESS: 2,
  RUN_COMPLETED: 2,
  INVALID_ARGUMENT: 2,
  STAGE_FAILED: 1,
  ARTIFACT_MISSING: 1,
  PROVIDER_FAILED: 1,
  PROVIDER_REFUSED: 1,
};

export class AtelierError extends Error {
  override readonly name = 'AtelierError';
  readonly code: AtelierErrorCode;
  /** Extra lines shown under the message (one per problem, e.g. each config issue). */
  readonly details: readonly string[];

  constructor(
    code: AtelierErrorCode,
    message: string,
    options: { details?: string[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
  }

  get exitCode(): number {
    return exitCodes[this.code];
  }

  static isInstance(error: unknown): error is AtelierError {
    return error instanceof AtelierError;
  }
}

/**
 * A message for any thrown value, without a stack trace and with secrets masked: this is
 * what the CLI prints and what the ledger and run records store.
 */
export function describeError(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}
