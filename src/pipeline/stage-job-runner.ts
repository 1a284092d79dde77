import { join } from 'node:path';
import type { Campaign } from '../config/campaign-schema.ts';
import { extraRolesCalled } from '../config/validation-context.ts';
import { describeError } from '../errors.ts';
import type { CachedResult, JobRecord, StoredOutput } from '../ledger/ledger.ts';
import type { Lockfile } from '../lock/lockfile.ts';
import type { Provenance } from '../manifest/provenance.ts';
import type { StageDefinition, StageImage } from '../stages/stage.ts';

/** A job's input image by address: its bytes stay in the store until a job computes with them. */
type StageInput = Omit<StageImage, 'bytes'>;

import { writeFileAtomic } from '../util/atomic-write.ts';
import { hashOf } from '../util/canonical-json.ts';
import type { ExportSealer } from './export-sealer.ts';
import { type Chain, rerollSeed } from './plan.ts';
import type { JobSource, RunEvent } from './run-events.ts';
import { chainDirectory, outputFileName } from './run-layout.ts';
import type { StageJobDispatcher, StageJobRequest } from './stage-job-dispatcher.ts';
import type { Workspace } from './workspace.ts';

/** Bumped when the meaning of a cache key changes, so old entries stop matching. */
const cacheFormatVersion = 1;

export interface FinishedJob {
  stage: string;
  source: JobSource;
  durationMs: number;
  warnings: string[];
}

export type ChainOutcome =
  | {
      status: 'succeeded';
      seed: number;
      rerolls: number;
      /** The last primary image: what crops are cut from. */
      master: StoredOutput | undefined;
      /** Paths of every file the final stage wrote. */
      finalOutputs: string[];
    }
  | {
      status: 'failed' | 'interrupted';
      seed: number;
      rerolls: number;
      failure: { shotId: string; seedIndex: number; stage: string; reason: string };
    };

type JobOutcome =
  | { kind: 'ok'; outputs: StoredOutput[]; paths: string[] }
  | { kind: 'rejected'; reason: string; reroll: boolean }
  | { kind: 'failed'; reason: string }
  | { kind: 'interrupted' };

interface StageJobRunnerOptions {
  campaign: Campaign;
  runId: string;
  runDir: string;
  lock: Lockfile;
  stages: ReadonlyMap<string, StageDefinition<unknown>>;
  workspace: Workspace;
  useCache: boolean;
  emit: (event: RunEvent) => void;
  signal: AbortSignal | undefined;
  /** Where the costly part of each job is computed (this process, or a queue of workers). */
  dispatcher: StageJobDispatcher;
  /** Told of every finished job's outputs (e.g. to make report previews while the run goes on). */
  onOutputs?: (outputs: readonly StoredOutput[]) => void;
  /** Signs the final stage's files with Content Credentials; unsigned when absent. */
  sealer?: ExportSealer;
}

/**
 * Runs one chain (a shot at a seed) through the stages, job by job. Each job is looked up in
 * this order: finished earlier in this run (resume), the stage cache, then computed. Results
 * are stored and recorded before the next job starts.
 */
export class StageJobRunner {
  readonly finishedJobs: FinishedJob[] = [];
  costUsd = 0;

  constructor(private readonly options: StageJobRunnerOptions) {}

  async runChain(chain: Chain): Promise<ChainOutcome> {
    const { campaign } = this.options;
    const stages = campaign.pipeline.stages;
    for (let attempt = 0; ; attempt++) {
      const seed = rerollSeed(campaign.campaign, chain, attempt);
      let input: StageInput | undefined;
      let master: StoredOutput | undefined;
      let finalOutputs: string[] = [];
      let rerolled = false;
      for (const [stageIndex, stage] of stages.entries()) {
        const outcome = await this.runJob(chain, attempt, seed, stageIndex, input);
        const failure = { shotId: chain.shot.id, seedIndex: chain.seedIndex, stage: stage.name };
        if (outcome.kind === 'interrupted') {
          return {
            status: 'interrupted',
            seed,
            rerolls: attempt,
            failure: { ...failure, reason: 'interrupted' },
          };
        }
        if (outcome.kind === 'failed') {
          this.options.emit({ type: 'chain-failed', ...failure, reason: outcome.reason });
          return {
            status: 'failed',
            seed,
            rerolls: attempt,
            failure: { ...failure, reason: outcome.reason },
          };
        }
        if (outcome.kind === 'rejected') {
          const definition = this.definition(stage.name);
          const budget = definition.rerollBudget?.(stage.params, this.qaFor(definition)) ?? 0;
          const willReroll = outcome.reroll && attempt < budget;
          this.options.emit({
            type: 'job-rejected',
            ...failure,
            attempt,
            reason: outcome.reason,
            willReroll,
          });
          if (!willReroll) {
            const reason = attempt > 0 ? `${outcome.reason} (after ${attempt + 1} attempts)` : outcome.reason;
            this.options.emit({ type: 'chain-failed', ...failure, reason });
            return { status: 'failed', seed, rerolls: attempt, failure: { ...failure, reason } };
          }
          rerolled = true;
          break;
        }
        const primary = outcome.outputs.find((output) => output.primary);
        if (primary) {
          // By address: the next job reads the bytes only if it computes (a cache hit never does).
          input = {
            mediaType: primary.mediaType,
            width: primary.width,
            height: primary.height,
            sha256: primary.sha256,
          };
          master = primary;
        }
        finalOutputs = outcome.paths;
      }
      if (!rerolled) return { status: 'succeeded', seed, rerolls: attempt, master, finalOutputs };
    }
  }

  /** The settings of the quality gate a stage enforces, if the config sets it. */
  private qaFor(definition: StageDefinition<unknown>): unknown {
    return definition.qaSection ? this.options.campaign.qa?.[definition.qaSection] : undefined;
  }

  private definition(name: string): StageDefinition<unknown> {
    const definition = this.options.stages.get(name);
    if (!definition) throw new Error(`Stage "${name}" is not in the stage catalog`);
    return definition;
  }

  private async runJob(
    chain: Chain,
    attempt: number,
    seed: number,
    stageIndex: number,
    input: StageInput | undefined,
  ): Promise<JobOutcome> {
    const { campaign, workspace, runId } = this.options;
    const { ledger } = workspace;
    const stage = campaign.pipeline.stages[stageIndex]!;
    const definition = this.definition(stage.name);
    const lockOf = (role: string) => this.options.lock.models[role];
    const modelLock = definition.role ? lockOf(definition.role) : undefined;
    const extraLocks = extraRolesCalled(definition, stage.params, campaign.models).flatMap((role) => {
      const pinned = lockOf(role);
      return pinned ? [[role, pinned] as const] : [];
    });
    const provenance: Provenance = {
      stage: stage.name,
      params: stage.params,
      model: modelLock ?? null,
      // Only present when the stage uses extra roles, so other stages' cache keys are unchanged.
      extraModels: extraLocks.length > 0 ? Object.fromEntries(extraLocks) : undefined,
      seed,
      shot: definition.shotInputs(chain.shot, stage.params, campaign.brand),
      brand: campaign.brand,
      // Undefined (and so left out of the key) for stages without a gate: their keys are unchanged.
      qa: this.qaFor(definition),
      inputs: input ? [input.sha256] : [],
    };
    const cacheKey = hashOf({ cacheFormatVersion, ...provenance });
    const key = { runId, shotId: chain.shot.id, seedIndex: chain.seedIndex, attempt, stageIndex };
    // A stop ends the run before its next job, but a job the ledger has as done is done: walking
    // past it costs nothing, and a chain whose jobs are all done has succeeded, stop or not.
    if (this.options.signal?.aborted && ledger.job(key)?.status !== 'done') return { kind: 'interrupted' };
    const job = ledger.ensureJob(key, { seed, stage: stage.name });
    const base = { shotId: chain.shot.id, seedIndex: chain.seedIndex, stage: stage.name, attempt };

    const earlier = await this.fromEarlierAttempt(job, cacheKey);
    if (earlier) return this.finish(job, base, earlier, 'resumed', 0, provenance, cacheKey, chain);

    if (this.options.useCache) {
      const stored = ledger.cached(cacheKey);
      if (stored && (await this.allStored(stored.outputs))) {
        const sealed = await this.sealFinal(job, chain, seed, stageIndex, cacheKey, stored);
        if ('failed' in sealed) return this.failJob(job.id, sealed.failed, 0);
        const cached = sealed.record;
        ledger.finishJob(job.id, {
          status: cached.rejected ? 'rejected' : 'done',
          cacheKey,
          cacheHit: true,
          outputs: cached.outputs,
          details: cached.details,
          warnings: cached.warnings,
          error: cached.rejected?.reason,
          durationMs: 0,
        });
        return this.finish(job, base, cached, 'cache', 0, provenance, cacheKey, chain);
      }
    }

    this.options.emit({ type: 'job-started', ...base });
    ledger.startJob(job.id, cacheKey);
    const started = performance.now();
    let record: CachedResult;
    try {
      const request: StageJobRequest = {
        runId,
        stageIndex,
        role: definition.role,
        shot: chain.shot,
        seed,
        input,
        provenance,
        cacheKey,
        useCache: this.options.useCache,
      };
      record = await this.options.dispatcher.dispatch(request, {
        signal: this.options.signal,
        progress: (fraction, message) =>
          this.options.emit({
            type: 'job-progress',
            shotId: chain.shot.id,
            seedIndex: chain.seedIndex,
            stage: stage.name,
            fraction,
            message,
          }),
      });
    } catch (error) {
      if (this.options.signal?.aborted) {
        // Stopped by the user, not failed: the job goes back to pending and a resume redoes it.
        ledger.setJobPending(job.id);
        return { kind: 'interrupted' };
      }
      return this.failJob(job.id, describeError(error), performance.now() - started);
    }
    for (const output of record.outputs) ledger.recordArtifact(output);
    // A rejected image (gate failed) was still paid for.
    this.costUsd += record.costUsd ?? 0;
    // The stage's own (unsigned, deterministic) result is what the cache keeps.
    ledger.storeCached(cacheKey, stage.name, record);
    const sealed = await this.sealFinal(job, chain, seed, stageIndex, cacheKey, record);
    const durationMs = performance.now() - started;
    if ('failed' in sealed) return this.failJob(job.id, sealed.failed, durationMs);
    record = sealed.record;
    ledger.finishJob(job.id, {
      status: record.rejected ? 'rejected' : 'done',
      outputs: record.outputs,
      details: record.details,
      warnings: record.warnings,
      error: record.rejected?.reason,
      durationMs,
      costUsd: record.costUsd,
    });
    return this.finish(job, base, record, 'computed', durationMs, provenance, cacheKey, chain);
  }

  private failJob(jobId: number, reason: string, durationMs: number): JobOutcome {
    this.options.workspace.ledger.finishJob(jobId, { status: 'failed', error: reason, durationMs });
    return { kind: 'failed', reason };
  }

  /** Signs the final stage's outputs when the run has a signer (see ExportSealer). */
  private async sealFinal(
    job: JobRecord,
    chain: Chain,
    seed: number,
    stageIndex: number,
    cacheKey: string,
    record: CachedResult,
  ): Promise<{ record: CachedResult } | { failed: string }> {
    const { sealer, campaign } = this.options;
    const final = stageIndex === campaign.pipeline.stages.length - 1;
    if (!sealer || !final || record.rejected || record.outputs.length === 0) return { record };
    try {
      return {
        record: await sealer.seal({ shotId: chain.shot.id, seed, stageIndex, cacheKey }, record),
      };
    } catch (error) {
      return { failed: `signing Content Credentials failed for job ${job.id}: ${describeError(error)}` };
    }
  }

  /** A job this run already finished before it was stopped, with its outputs still stored. */
  private async fromEarlierAttempt(job: JobRecord, cacheKey: string): Promise<CachedResult | undefined> {
    if (job.cacheKey !== cacheKey) return undefined;
    if (job.status === 'done' && (await this.allStored(job.outputs))) {
      return {
        outputs: job.outputs,
        details: job.details ?? undefined,
        warnings: job.warnings,
        costUsd: job.costUsd ?? undefined,
      };
    }
    if (job.status === 'rejected') {
      return {
        outputs: [],
        details: job.details ?? undefined,
        rejected: { reason: job.error ?? 'rejected', reroll: true },
      };
    }
    return undefined;
  }

  private async allStored(outputs: StoredOutput[]): Promise<boolean> {
    for (const output of outputs) if (!(await this.options.workspace.store.has(output.sha256))) return false;
    return true;
  }

  private async finish(
    job: JobRecord,
    base: { shotId: string; seedIndex: number; stage: string; attempt: number },
    record: CachedResult,
    source: JobSource,
    durationMs: number,
    provenance: Provenance,
    cacheKey: string,
    chain: Chain,
  ): Promise<JobOutcome> {
    const warnings = record.warnings ?? [];
    this.finishedJobs.push({ stage: base.stage, source, durationMs, warnings });
    this.options.emit({ type: 'job-finished', ...base, source, durationMs, warnings });
    if (record.rejected) return { kind: 'rejected', ...record.rejected };
    const directory = chainDirectory(this.options.runDir, chain.shot.id, chain.seed, base.attempt);
    const paths: string[] = [];
    for (const output of record.outputs) {
      const path = join(directory, outputFileName(job.stageIndex, base.stage, output.name, output.mediaType));
      // A copy by path (the kernel's, or a copy-on-write clone): the bytes never pass through here.
      if (!(await this.options.workspace.store.copyTo(output.sha256, path, output.byteLength)))
        return { kind: 'failed', reason: `artifact ${output.sha256} vanished from the store` };
      const manifest = {
        atelier: 1,
        run: this.options.runId,
        campaign: this.options.campaign.campaign,
        shot: chain.shot.id,
        seedIndex: chain.seedIndex,
        attempt: base.attempt,
        seed: provenance.seed,
        prompt: chain.shot.prompt,
        headline: chain.shot.headline,
        stage: { index: job.stageIndex, name: base.stage, params: provenance.params },
        model: provenance.model,
        input: provenance.inputs[0] ? { sha256: provenance.inputs[0] } : null,
        output: {
          name: output.name,
          sha256: output.sha256,
          mediaType: output.mediaType,
          width: output.width,
          height: output.height,
          bytes: output.byteLength,
        },
        cacheKey,
        source,
        timings: { durationMs: Math.round(durationMs * 10) / 10, finishedAt: new Date().toISOString() },
        costUsd: source === 'computed' ? (record.costUsd ?? 0) : 0,
        warnings,
        details: record.details ?? null,
      };
      await writeFileAtomic(`${path}.json`, `${JSON.stringify(manifest, null, 2)}\n`, { durable: false });
      paths.push(path);
    }
    this.options.onOutputs?.(record.outputs);
    return { kind: 'ok', outputs: record.outputs, paths };
  }
}
