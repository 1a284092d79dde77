import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRecord, StoredOutput } from '../ledger/ledger.ts';
import { chainDirectory, outputFileName, runDirectory } from '../pipeline/run-layout.ts';
import { isPathInside, readRegularFile } from '../util/read-regular-file.ts';

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

/** A manifest is a few KiB; anything far larger is not one. */
const maximumManifestBytes = 1024 * 1024;

/**
 * The manifest written beside an output, or null when the run folder no longer has it, or has
 * something else there: the run folder is the user's to edit, so a manifest that is a link
 * leading out of the project (or a pipe, or no JSON object) is never read, served or exported.
 * `projectRoot`: the project folder with its links resolved (`realpath`), resolved once by the
 * caller for all the manifests it reads.
 */
export async function readManifest(
  path: string,
  projectRoot: string,
): Promise<Record<string, unknown> | null> {
  try {
    const real = await realpath(path);
    if (!isPathInside(real, projectRoot)) return null;
    const manifest: unknown = JSON.parse(
      (await readRegularFile(real, maximumManifestBytes)).toString('utf8'),
    );
    return typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest)
      ? (manifest as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
