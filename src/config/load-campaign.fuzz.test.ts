// Fuzzing the config loader, so that every config input keeps ending in a valid campaign or a
// config error with exit status 2 and its place, quickly and writing nothing. `npm test` runs a
// bounded number of cases; ATELIER_FUZZ_RUNS=N runs N per property (the bench runs many more:
// `npm run bench -- config-fuzz`). A failure prints its seed and path: replay it with
// ATELIER_FUZZ_SEED=<seed> ATELIER_FUZZ_PATH=<path>.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caseTimeLimitMs,
  checkDocument,
  configBytes,
  editedText,
  type FuzzOutcome,
  fuzzProject,
  mutatedDocument,
} from '../../test/helpers/config-fuzz.ts';

const numRuns = Number(process.env.ATELIER_FUZZ_RUNS ?? 150);
/** Room for every case at its time limit's twentieth, on a busy machine. */
const timeoutMs = 60_000 + numRuns * (caseTimeLimitMs / 20);
const replay = {
  ...(process.env.ATELIER_FUZZ_SEED ? { seed: Number(process.env.ATELIER_FUZZ_SEED) } : {}),
  ...(process.env.ATELIER_FUZZ_PATH ? { path: process.env.ATELIER_FUZZ_PATH } : {}),
};

describe('config loader under fuzzing', () => {
  let project: Awaited<ReturnType<typeof fuzzProject>>;
  beforeAll(async () => {
    project = await fuzzProject();
  });
  afterAll(async () => {
    await project.close();
  });

  const tally = () => ({ valid: 0, 'config error': 0 }) satisfies Record<FuzzOutcome, number>;

  it(
    'documents built from the schema fields with mutated types, values and structure',
    () => {
      const seen = tally();
      fc.assert(
        fc.property(mutatedDocument(), (text) => {
          const { outcome, ms } = checkDocument(text);
          seen[outcome]++;
          expect(ms).toBeLessThan(caseTimeLimitMs);
        }),
        { numRuns, ...replay },
      );
      // Mutations leave some documents valid: both outcomes are exercised.
      expect(seen['config error']).toBeGreaterThan(0);
    },
    timeoutMs,
  );

  it(
    'edits of the YAML text: YAML syntax, tags, aliases, anchors and noise',
    () => {
      fc.assert(
        fc.property(editedText(), (text) => {
          expect(checkDocument(text).ms).toBeLessThan(caseTimeLimitMs);
        }),
        { numRuns, ...replay },
      );
    },
    timeoutMs,
  );

  it(
    'random bytes, and a valid config with random bytes spliced in, read from disk',
    async () => {
      await fc.assert(
        fc.asyncProperty(configBytes(), async (bytes) => {
          expect((await project.check(bytes)).ms).toBeLessThan(caseTimeLimitMs);
        }),
        { numRuns, ...replay },
      );
    },
    timeoutMs,
  );
});
