import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, realpath, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { strToU8, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { AtelierError } from '../errors.ts';
import type { ReviewRecord, RunRecord } from '../ledger/ledger.ts';
import type { Workspace } from '../pipeline/workspace.ts';
import { type ChainOutput, chainOutputs, readManifest } from './chain-outputs.ts';
import { finalAttemptJobs } from './run-gallery.ts';

/** One file of the approved set: an image and the manifest that goes beside it. */
export interface ApprovedFile {
  /** Path inside the zip. */
  path: string;
  kind: 'master' | 'crop';
  source: ChainOutput;
  manifest: Record<string, unknown>;
}

export interface ApprovedImage {
  shotId: string;
  seedIndex: number;
  seed: number;
  /** The approved image (the chain's master). */
  sha256: string;
  approval: ReviewRecord;
  comments: ReviewRecord[];
  files: ApprovedFile[];
}

export interface ApprovedSet {
  run: RunRecord;
  /** The zip's top folder: `<campaign>-<run>-approved`. */
  folder: string;
  images: ApprovedImage[];
}

/**
 * The images of a run whose standing decision is "approve", each with its master image, the
 * final stage's outputs (the crops) and every file's manifest. Manifests come from the run
 * folder; if it was deleted they are rebuilt from the ledger and marked `reconstructed`.
 */
export async function collectApprovedSet(workspace: Workspace, runId: string): Promise<ApprovedSet> {
  const { ledger } = workspace;
  const run = ledger.run(runId);
  if (!run) throw new AtelierError('RUN_NOT_FOUND', `No run "${runId}" in ${workspace.stateDirectory}`);
  const folder = `${run.campaign}-${run.id}-approved`;
  const reviews = ledger.reviews({ runId });
  const images: ApprovedImage[] = [];
  const approvals = [...ledger.decisions(runId).values()]
    .filter((review) => review.decision === 'approve')
    .sort((a, b) => a.shotId.localeCompare(b.shotId) || a.seedIndex - b.seedIndex);
  const runJobs = ledger.jobs(runId);
  const projectRoot = await realpath(workspace.projectDirectory);
  for (const approval of approvals) {
    const jobs = finalAttemptJobs(runJobs, approval.shotId, approval.seedIndex);
    const seed = runJobs.find(
      (job) => job.shotId === approval.shotId && job.seedIndex === approval.seedIndex && job.attempt === 0,
    )?.seed;
    if (seed === undefined || jobs.length === 0 || jobs.some((job) => job.status !== 'done')) {
      throw new AtelierError(
        'ARTIFACT_MISSING',
        `Approved image ${approval.shotId} (seed index ${approval.seedIndex}) of run ${runId} has no finished render`,
      );
    }
    const outputs = chainOutputs(workspace.projectDirectory, runId, seed, jobs);
    const master = [...outputs].reverse().find((entry) => entry.output.primary) ?? outputs.at(-1)!;
    const lastStage = jobs.at(-1)!.stageIndex;
    const crops = outputs.filter((entry) => entry.stageIndex === lastStage && entry !== master);
    const base = `${folder}/${approval.shotId}/seed-${seed}`;
    const files: ApprovedFile[] = [];
    for (const [kind, entry] of [
      ['master', master],
      ...crops.map((crop) => ['crop', crop] as const),
    ] as const) {
      const job = jobs.find((candidate) => candidate.stageIndex === entry.stageIndex)!;
      const manifest = (await readManifest(entry.manifestPath, projectRoot)) ?? {
        atelier: 1,
        reconstructed: true,
        run: runId,
        campaign: run.campaign,
        shot: approval.shotId,
        seedIndex: approval.seedIndex,
        attempt: job.attempt,
        seed: job.seed,
        stage: { index: job.stageIndex, name: job.stage },
        model: null,
        output: entry.output,
        cacheKey: job.cacheKey,
        timings: { durationMs: job.durationMs, finishedAt: job.finishedAt },
        costUsd: job.costUsd ?? 0,
        details: job.details,
      };
      files.push({ path: `${base}/${entry.fileName}`, kind, source: entry, manifest });
    }
    for (const file of files) {
      if (!(await workspace.store.has(file.source.output.sha256))) {
        throw new AtelierError(
          'ARTIFACT_MISSING',
          `Artifact ${file.source.output.sha256} (${file.path}) is missing from ${workspace.store.root}`,
        );
      }
    }
    images.push({
      shotId: approval.shotId,
      seedIndex: approval.seedIndex,
      seed,
      sha256: master.output.sha256,
      approval,
      comments: reviews.filter(
        (review) =>
          review.decision === 'comment' &&
          review.shotId === approval.shotId &&
          review.seedIndex === approval.seedIndex,
      ),
      files,
    });
  }
  return { run, folder, images };
}

/** The summary written as `approved.json` at the top of the zip. */
export function approvedIndex(set: ApprovedSet, exportedAt: Date): Record<string, unknown> {
  return {
    atelier: 1,
    campaign: set.run.campaign,
    run: set.run.id,
    config: set.run.configPath,
    lock: set.run.lock,
    exportedAt: exportedAt.toISOString(),
    images: set.images.map((image) => ({
      shot: image.shotId,
      seedIndex: image.seedIndex,
      seed: image.seed,
      sha256: image.sha256,
      approvedBy: image.approval.reviewer,
      approvedAt: image.approval.createdAt,
      reviewedSha256: image.approval.sha256,
      comments: image.comments.map((comment) => ({
        by: comment.reviewer,
        at: comment.createdAt,
        text: comment.comment,
      })),
      files: image.files.map((file) => ({ path: file.path.slice(set.folder.length + 1), kind: file.kind })),
    })),
  };
}

/**
 * Streams the approved set as a zip, one chunk at a time, so a large set never sits in memory
 * whole. Images are stored as they are (already compressed); manifests are deflated. Bytes are
 * read from the content-addressed store, which checks each against its sha256.
 */
export async function* approvedSetZip(
  workspace: Workspace,
  set: ApprovedSet,
  exportedAt = new Date(),
): AsyncGenerator<Uint8Array> {
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, data) => {
    if (error) failure = error;
    else pending.push(data);
  });
  const add = (path: string, bytes: Uint8Array, mtime: Date, compress: boolean) => {
    const entry = compress ? new ZipDeflate(path, { level: 6 }) : new ZipPassThrough(path);
    entry.mtime = mtime;
    zip.add(entry);
    entry.push(bytes, true);
  };
  const drain = function* () {
    if (failure) throw failure;
    yield* pending.splice(0);
  };
  const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);

  add(`${set.folder}/approved.json`, json(approvedIndex(set, exportedAt)), exportedAt, true);
  yield* drain();
  for (const image of set.images) {
    const mtime = new Date(image.approval.createdAt);
    for (const file of image.files) {
      const bytes = await workspace.store.get(file.source.output.sha256);
      if (!bytes) {
        throw new AtelierError(
          'ARTIFACT_MISSING',
          `Artifact ${file.source.output.sha256} (${file.path}) is missing from ${workspace.store.root} or corrupt`,
        );
      }
      add(file.path, bytes, mtime, false);
      add(`${file.path}.json`, json(file.manifest), mtime, true);
      yield* drain();
    }
  }
  zip.end();
  yield* drain();
}

/** Writes the approved set's zip to a file (via a temporary sibling, renamed when complete). */
export async function writeApprovedSetZip(
  workspace: Workspace,
  set: ApprovedSet,
  path: string,
): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const stream = createWriteStream(temporary);
  let bytes = 0;
  try {
    for await (const chunk of approvedSetZip(workspace, set)) {
      bytes += chunk.byteLength;
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'close');
    await rename(temporary, path);
  } catch (error) {
    stream.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
  return bytes;
}
