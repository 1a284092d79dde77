import type { Reporter, TestModule, Vitest } from 'vitest/node';
import type { MissingRequirement } from './system-requirement.ts';

/**
 * Prints, after the default reporter's summary, one line per program that test files found
 * missing (see requireSystemBinary): `skipped: … — apt-get install …`, or under CI=true
 * `failed: … (required under CI=true)`.
 */
export default class SystemRequirementReporter implements Reporter {
  private vitest?: Vitest;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines = new Set<string>();
    for (const module of testModules) {
      const missing: MissingRequirement[] = module.meta().missingSystemRequirements ?? [];
      for (const { explanation, required } of missing)
        lines.add(required ? `failed: ${explanation} (required under CI=true)` : `skipped: ${explanation}`);
    }
    if (lines.size === 0) return;
    const log = (line: string) => (this.vitest ? this.vitest.logger.log(line) : console.log(line));
    log('');
    for (const line of lines) log(line);
  }
}
