// The config loader under many more fuzz cases than `npm test` runs (2,000 per property by
// default; ATELIER_FUZZ_RUNS=N for another count): each case must end in a valid campaign or a
// config error with exit 2 and its place, within the time limit, writing nothing. A broken
// property fails the bench with fast-check's counterexample and seed.
import fc from 'fast-check';
import {
  caseTimeLimitMs,
  checkDocument,
  configBytes,
  editedText,
  type FuzzOutcome,
  fuzzProject,
  mutatedDocument,
} from '../test/helpers/config-fuzz.ts';
import { type BenchSection, median, percentile, round } from './bench-section.ts';

const numRuns = Number(process.env.ATELIER_FUZZ_RUNS ?? 2000);

export async function run(): Promise<BenchSection> {
  const rows: BenchSection['rows'] = [];
  const record = (name: string, outcomes: FuzzOutcome[], durations: number[]) => {
    const slowest = Math.max(...durations);
    if (slowest >= caseTimeLimitMs) throw new Error(`${name}: a case took ${round(slowest)} ms`);
    rows.push({
      cases: name,
      runs: outcomes.length,
      valid: outcomes.filter((outcome) => outcome === 'valid').length,
      'config errors (exit 2)': outcomes.filter((outcome) => outcome === 'config error').length,
      'other outcomes': 0,
      'median ms': round(median(durations), 2),
      'p99 ms': round(percentile(durations, 0.99), 2),
      'max ms': round(slowest, 1),
    });
  };

  for (const [name, documents] of [
    ['documents from the schema, mutated', mutatedDocument()],
    ['YAML text edits', editedText()],
  ] as const) {
    const outcomes: FuzzOutcome[] = [];
    const durations: number[] = [];
    fc.assert(
      fc.property(documents, (text) => {
        const { outcome, ms } = checkDocument(text);
        outcomes.push(outcome);
        durations.push(ms);
      }),
      { numRuns },
    );
    record(name, outcomes, durations);
  }

  const project = await fuzzProject();
  try {
    const outcomes: FuzzOutcome[] = [];
    const durations: number[] = [];
    await fc.assert(
      fc.asyncProperty(configBytes(), async (bytes) => {
        const { outcome, ms } = await project.check(bytes);
        outcomes.push(outcome);
        durations.push(ms);
      }),
      { numRuns },
    );
    record('bytes read from disk', outcomes, durations);
  } finally {
    await project.close();
  }

  return {
    title: 'Config loader fuzzing (fast-check)',
    rows,
    notes: [
      `${numRuns} cases per row (ATELIER_FUZZ_RUNS); \`npm test\` runs 150 per property (src/config/load-campaign.fuzz.test.ts).`,
      `Every case ended in a valid campaign or a config error with exit 2 and file:line:col, under ${caseTimeLimitMs} ms, writing nothing; a broken property fails the bench with its counterexample.`,
      'Durations: parse and validate with the real wiring (every stage, provider and built-in model); the bytes row includes reading the file.',
    ],
  };
}
