import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRecord, StoredOutput } from '../ledger/ledger.ts';
import { chainDirectory, outputFileName, runDirectory } from '../pipeline/run-layout.ts';

/** One stored output of a chain and where the run folder keeps its copy and manifest. */
export interface ChainOutput {
  stageIndex: number;
  stage: string;
  output: StoredOutput;
  /** `01-compose.png`, `04-export-4x5.webp`... as in the run folder. */
  fileName: string;
  /** The copy in `runs/<run>/<shot>/seed-<seed>[/attempt-<k>]/`. */
  path: string;
  /** The manifest beside it (`<file>.json`). */
  manifestPath: string;
}

/**
 * Where the outputs of a chain's jobs sit in the run folder. `seed` is the chain's seed
 * (attempt 0), which names the folder even when a re-rolled attempt rendered with another.
 */
export function chainOutputs(
  projectDirectory: string,
  runId: string,
  seed: number,
  jobs: readonly JobRecord[],
): ChainOutput[] {
  const runDir = runDirectory(projectDirectory, runId);
  return jobs.flatMap((job) =>
    job.outputs.map((output) => {
      const directory = chainDirectory(runDir, job.shotId, seed, job.attempt);
      const fileName = outputFileName(job.stageIndex, job.stage, output.name, output.mediaType);
      const path = join(directory, fileName);
      return {
        stageIndex: job.stageIndex,
        stage: job.stage,
        output,
        fileName,
        path,
        manifestPath: `${path}.json`,
      };
    }),
  );
}

/** The manifest written beside an output, or null when the run folder no longer has it. */
export async function readManifest(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
