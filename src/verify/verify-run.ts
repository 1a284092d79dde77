import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCampaign } from '../config/load-campaign.ts';
import { type CredentialsState, readContentCredentials } from '../credentials/content-credentials.ts';
import { AtelierError } from '../errors.ts';
import type { JobRecord, StoredOutput } from '../ledger/ledger.ts';
import { diffLocks, type Lockfile, lockPathFor } from '../lock/lockfile.ts';
import { defaultModelRegistry, type ModelRegistry } from '../models/model-registry.ts';
import { type SealDetails, sealKeyOf } from '../pipeline/export-sealer.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { chainDirectory, outputFileName, runDirectory } from '../pipeline/run-layout.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import type { StageDefinition } from '../stages/stage.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { canonicalJson, sha256 } from '../util/canonical-json.ts';
import { compareImages } from './image-similarity.ts';

export interface DriftItem {
  shotId: string;
  seedIndex: number;
  stage: string;
  /** The output file (relative to the run folder), when the drift is about one. */
  file: string | undefined;
  kind: 'tampered' | 'changed' | 'missing' | 'verdict';
  /** How the stage is compared: exact bytes (built-in) or perceptual (remote). */
  comparison: 'exact' | 'perceptual';
  detail: string;
}

/** One exported file's Content Credentials as `verify` found them. */
export interface CredentialsCheck {
  file: string;
  state: CredentialsState;
  signer: string | undefined;
  /** Why it fails: invalid signature or data hash, or signed assertions that contradict the ledger. */
  problems: string[];
}

export interface VerifyReport {
  runId: string;
  checkedFiles: number;
  /** Every file the run signed; an invalid one (or one that contradicts the ledger) fails the run. */
  credentials: CredentialsCheck[];
  drift: DriftItem[];
  /** Differences between the run's lock and what its models resolve to now. */
  lockDifferences: string[];
  /** Stage details (e.g. the model id a provider answered with) that changed, per job. */
  manifestDifferences: string[];
  passed: boolean;
}

export interface VerifyOptions {
  projectDirectory: string;
  runId: string;
  registry?: ModelRegistry;
  stages?: ReadonlyMap<string, StageDefinition<unknown>>;
  /** Remote stages drift when mean SSIM falls below this (default 0.98). */
  minimumSimilarity?: number;
  /** PEM certificates whose signers count as trusted (Content Credentials). */
  trustAnchorsPem?: string;
}

const jobKey = (job: Pick<JobRecord, 'shotId' | 'seedIndex' | 'attempt' | 'stageIndex'>) =>
  `${job.shotId}\u0000${job.seedIndex}\u0000${job.attempt}\u0000${job.stageIndex}`;
const outputKey = (output: Pick<StoredOutput, 'name' | 'mediaType'>) =>
  `${output.name}\u0000${output.mediaType}`;

/**
 * Re-renders a run from the config text and lock it was made with, with the cache off, in a
 * scratch workspace, and compares every artifact with the run's files: byte for byte for
 * built-in stages, by structural similarity for remote ones.
 */
export async function verifyRun(options: VerifyOptions): Promise<VerifyReport> {
  const registry = options.registry ?? defaultModelRegistry();
  const stages = options.stages ?? stageCatalog();
  const minimumSimilarity = options.minimumSimilarity ?? 0.98;
  const workspace = openWorkspace(options.projectDirectory);
  const scratch = await mkdtemp(join(tmpdir(), 'atelier-verify-'));
  try {
    const run = workspace.ledger.run(options.runId);
    if (!run)
      throw new AtelierError('RUN_NOT_FOUND', `No run "${options.runId}" in ${workspace.stateDirectory}`);
    if (!run.configSource) {
      throw new AtelierError(
        'RUN_MISMATCH',
        `Run "${run.id}" has no recorded config (made by an older Atelier); it cannot be verified`,
      );
    }
    const originalLock = run.lock as Lockfile;
    await writeFile(join(scratch, 'atelier.yaml'), run.configSource);
    await writeFile(lockPathFor(scratch), JSON.stringify(originalLock));
    const loaded = await loadCampaign(scratch, { stages, providers: registry.providerNames() });
    const summary = await runCampaign({
      loaded,
      registry,
      stages,
      useCache: false,
      updateLock: true,
      fresh: true,
    });
    const currentLock = JSON.parse(await readFile(lockPathFor(scratch), 'utf8')) as Lockfile;

    const scratchWorkspace = openWorkspace(scratch);
    const rerendered = new Map(scratchWorkspace.ledger.jobs(summary.runId).map((job) => [jobKey(job), job]));
    scratchWorkspace.close();
    const originalJobs = workspace.ledger.jobs(run.id);
    const baseSeeds = new Map(
      originalJobs
        .filter((job) => job.attempt === 0)
        .map((job) => [`${job.shotId}\u0000${job.seedIndex}`, job.seed]),
    );
    const runDir = runDirectory(options.projectDirectory, run.id);
    const drift: DriftItem[] = [];
    const manifestDifferences: string[] = [];
    const credentials: CredentialsCheck[] = [];
    let checkedFiles = 0;

    for (const original of originalJobs) {
      const again = rerendered.get(jobKey(original));
      const stageDefinition = stages.get(original.stage);
      const role = stageDefinition?.role;
      const comparison = role && originalLock.models[role]?.provider !== 'builtin' ? 'perceptual' : 'exact';
      const where = {
        shotId: original.shotId,
        seedIndex: original.seedIndex,
        stage: original.stage,
        comparison,
      } as const;
      if (!again || again.status !== original.status) {
        drift.push({
          ...where,
          file: undefined,
          kind: 'verdict',
          detail: `was ${original.status}${original.error ? ` (${original.error})` : ''}, re-render is ${again?.status ?? 'missing'}${again?.error ? ` (${again.error})` : ''}`,
        });
        continue;
      }
      // Signing is the run's own act (its signer, its run id): the re-render is not signed.
      const { credentials: sealed, ...originalDetails } = (original.details ?? {}) as {
        credentials?: SealDetails;
      } & Record<string, unknown>;
      const detailsBefore = canonicalJson(originalDetails);
      const detailsAfter = canonicalJson(again.details ?? {});
      if (detailsBefore !== detailsAfter) {
        const label = `${original.shotId}#${original.seedIndex} ${original.stage}`;
        manifestDifferences.push(
          `${label}: details differ: ${changedKeys(original.details, again.details).join(', ')}`,
        );
        for (const change of modelIdentityChanges(original.details, again.details)) {
          manifestDifferences.push(`${label}: the provider's model changed: ${change}`);
        }
      }
      const newOutputs = new Map(again.outputs.map((output) => [outputKey(output), output]));
      const directory = chainDirectory(
        runDir,
        original.shotId,
        baseSeeds.get(`${original.shotId}\u0000${original.seedIndex}`)!,
        original.attempt,
      );
      for (const output of original.outputs) {
        const fileName = outputFileName(original.stageIndex, original.stage, output.name, output.mediaType);
        const file = join(directory, fileName).slice(runDir.length + 1);
        checkedFiles++;
        let onDisk: Buffer;
        try {
          onDisk = await readFile(join(directory, fileName));
        } catch {
          drift.push({ ...where, file, kind: 'missing', detail: 'the file is gone from the run folder' });
          continue;
        }
        if (sealed) {
          credentials.push(
            await checkCredentials(onDisk, output, file, sealed, {
              runId: run.id,
              shotId: original.shotId,
              seed: original.seed,
              trustAnchorsPem: options.trustAnchorsPem,
            }),
          );
        }
        const fresh = newOutputs.get(outputKey(output));
        const freshBytes = fresh
          ? await readFile(join(scratch, '.atelier', 'artifacts', fresh.sha256.slice(0, 2), fresh.sha256))
          : undefined;
        if (sha256(onDisk) !== output.sha256) {
          // A damaged file may not decode at all: that is the finding, not a reason to stop.
          const distance = freshBytes
            ? await compareImages(onDisk, freshBytes).catch((error: Error) => error)
            : undefined;
          const comparisonNote =
            distance instanceof Error
              ? '; it no longer decodes as an image'
              : distance
                ? `; ${describeComparison(distance)}`
                : '';
          drift.push({
            ...where,
            file,
            kind: 'tampered',
            detail: `the file no longer matches the run's record (sha256 ${sha256(onDisk).slice(0, 12)} instead of ${output.sha256.slice(0, 12)})${comparisonNote}`,
          });
          continue;
        }
        if (!fresh || !freshBytes) {
          drift.push({
            ...where,
            file,
            kind: 'changed',
            detail: 'the re-render did not produce this output',
          });
          continue;
        }
        const expected = sealed?.unsigned[sealKeyOf(output)] ?? output.sha256;
        if (fresh.sha256 === expected) continue;
        const distance = await compareImages(onDisk, freshBytes);
        if (comparison === 'exact' || distance.ssim < minimumSimilarity || !distance.sameSize) {
          drift.push({ ...where, file, kind: 'changed', detail: describeComparison(distance) });
        }
      }
    }
    const lockDifferences = diffLocks(originalLock, currentLock);
    return {
      runId: run.id,
      checkedFiles,
      credentials,
      drift,
      lockDifferences,
      manifestDifferences,
      passed: drift.length === 0 && credentials.every((check) => check.problems.length === 0),
    };
  } finally {
    workspace.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Validates a signed file's Content Credentials and checks what they assert against the ledger:
 * the run, shot and seed it was made in and the unsigned bytes it was signed from.
 */
async function checkCredentials(
  bytes: Uint8Array,
  output: StoredOutput,
  file: string,
  sealed: SealDetails,
  expected: { runId: string; shotId: string; seed: number; trustAnchorsPem: string | undefined },
): Promise<CredentialsCheck> {
  const reading = await readContentCredentials(bytes, output.mediaType, {
    trustAnchorsPem: expected.trustAnchorsPem,
  });
  const problems = [...reading.problems];
  if (reading.state === 'none')
    problems.push('the file carries no Content Credentials, but the run signed it');
  const asserted = reading.provenance ?? {};
  const claims: Array<[string, unknown, unknown]> = [
    // A re-run that came to the same file keeps the copy sealed by the run that first made it.
    ['run', asserted.run, sealed.sealedIn?.[sealKeyOf(output)] ?? expected.runId],
    ['shot', asserted.shot, expected.shotId],
    ['seed', asserted.seed, expected.seed],
    ['unsignedSha256', asserted.unsignedSha256, sealed.unsigned[sealKeyOf(output)]],
  ];
  for (const [name, found, wanted] of claims) {
    if (reading.state !== 'none' && found !== wanted)
      problems.push(
        `signed ${name} is ${JSON.stringify(found)} but the ledger says ${JSON.stringify(wanted)}`,
      );
  }
  return { file, state: reading.state, signer: reading.signer, problems };
}

function describeComparison(comparison: Awaited<ReturnType<typeof compareImages>>): string {
  if (!comparison.sameSize) return `different size; SSIM ${comparison.ssim.toFixed(4)}`;
  if (comparison.identical) return 'same pixels, different bytes (metadata or encoding)';
  return `SSIM ${comparison.ssim.toFixed(4)}, ${(comparison.changedFraction * 100).toFixed(1)}% of pixels changed, max difference ${comparison.maxDelta}/255`;
}

/**
 * What the provider reported about the model that answered (in `details.provider`), as opposed
 * to the request (ids, attempts, timings): a change here means a different model made the image.
 */
const modelIdentityFields = ['responseModelId', 'model', 'version', 'systemFingerprint', 'modelVersion'];

/**
 * The model-identity fields of two manifests' `details.provider` that differ, as
 * `field: before -> after`.
 *
 * @example modelIdentityChanges({ provider: { version: 'a' } }, { provider: { version: 'b' } }) // ['version: a -> b']
 */
export function modelIdentityChanges(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
): string[] {
  const providerOf = (details: Record<string, unknown> | null | undefined) => {
    const provider = details?.provider;
    return typeof provider === 'object' && provider !== null && !Array.isArray(provider)
      ? (provider as Record<string, unknown>)
      : undefined;
  };
  const [was, now] = [providerOf(before), providerOf(after)];
  if (!was || !now) return [];
  return modelIdentityFields
    .filter((field) => (was[field] !== undefined || now[field] !== undefined) && was[field] !== now[field])
    .map((field) => `${field}: ${String(was[field] ?? 'none')} -> ${String(now[field] ?? 'none')}`);
}

function changedKeys(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter(
    (key) => canonicalJson(before?.[key] ?? null) !== canonicalJson(after?.[key] ?? null),
  );
}
