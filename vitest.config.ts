import { defineConfig } from 'vitest/config';
import SystemRequirementReporter from './test/helpers/system-requirement-reporter.ts';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: image work inside tests is already multi-threaded by libvips.
    maxWorkers: 2,
    // After the usual output, one line per suite skipped for a missing program (redis-server,
    // chromium) and how to install it; see test/helpers/system-requirement.ts.
    reporters: ['default', new SystemRequirementReporter()],
  },
});
