import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TestRunner } from 'vitest';

/** A program some test suites need from the machine, and how to get it. */
export interface SystemRequirement {
  /** The program, e.g. `redis-server`; looked up on PATH unless `path` is given. */
  binary: string;
  /** The suites that need it, as the end-of-run line names them: `scale-out suites`. */
  suites: string;
  /** How to install it: `apt-get install redis-server`. */
  install: string;
  /** Where the program must be, when it is not looked up on PATH (chromium's fixed path). */
  path?: string;
}

/** What a test file records for the end-of-run lines (system-requirement-reporter.ts). */
export interface MissingRequirement {
  explanation: string;
  /** True under CI=true, where the file fails instead of skipping. */
  required: boolean;
}

declare module 'vitest' {
  interface TaskMeta {
    missingSystemRequirements?: MissingRequirement[];
  }
}

/** `scale-out suites need redis-server — apt-get install redis-server` */
export function explain(requirement: SystemRequirement): string {
  const verb = requirement.suites.endsWith('s') ? 'need' : 'needs';
  return `${requirement.suites} ${verb} ${requirement.binary} — ${requirement.install}`;
}

/** CI=true (or any value but `false`/`0`): everything the suites need must be there. */
export function isCI(): boolean {
  const value = process.env.CI?.trim().toLowerCase();
  return !!value && value !== 'false' && value !== '0';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function isInstalled(requirement: SystemRequirement): boolean {
  if (requirement.path) return isExecutable(requirement.path);
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((directory) => isExecutable(join(directory, requirement.binary)));
}

/**
 * Whether the suites needing `requirement` can run here: call it at a test file's top level and
 * `describe.skipIf(!available)(...)`. When the program is missing, the file is marked so the run
 * ends with one line saying what was skipped and how to install it; under CI=true a missing
 * program is an error instead, and the file fails with that same explanation.
 */
export function requireSystemBinary(requirement: SystemRequirement): boolean {
  if (isInstalled(requirement)) return true;
  const explanation = explain(requirement);
  const required = isCI();
  const file = TestRunner.getCurrentSuite().file;
  if (file) {
    file.meta.missingSystemRequirements = [
      ...(file.meta.missingSystemRequirements ?? []),
      { explanation, required },
    ];
  }
  if (required) throw new Error(`${explanation} (required under CI=true)`);
  return false;
}
