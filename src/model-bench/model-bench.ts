import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type LoadedCampaign, loadCampaign } from '../config/load-campaign.ts';
import { requireModelReference } from '../config/model-reference.ts';
import { type CampaignValidationContext, rolesOfStages } from '../config/validation-context.ts';
import { AtelierError } from '../errors.ts';
import type { JobRecord } from '../ledger/ledger.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { withAdherenceQuestions } from '../pipeline/adherence-questions.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { percentile } from '../util/percentile.ts';
import { pairedComparisons, setupAdherence } from './bench-adherence.ts';
import type { BenchResult } from './bench-schema.ts';

/** One model setup to measure: a label and the roles it rebinds. */
export interface ModelSetup {
  label: string;
  models: Record<string, string>;
}

/**
 * Parses `--models` setups: comma-separated; each is a reference for the compose role, or
 * `role=reference` pairs joined with `+` (e.g. `compose=fal:sdxl+upscale=builtin:esrgan-thick`).
 */
export function parseModelSetups(text: string): ModelSetup[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const models: Record<string, string> = {};
      for (const binding of part.split('+')) {
        const [role, reference] = binding.includes('=')
          ? (binding.split('=', 2) as [string, string])
          : ['compose', binding];
        const roles = rolesOfStages(stageCatalog().values());
        if (!roles.includes(role)) {
          throw new AtelierError(
            'INVALID_ARGUMENT',
            `--models: unknown role "${role}" in "${part}": expected one of ${roles.join(', ')}`,
          );
        }
        models[role] = reference;
      }
      return { label: part, models };
    });
}

/** Parses `--seeds`: `1..10`, `1,5,9` or a mix. */
export function parseSeedList(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const range = /^(\d+)\.\.(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from || to - from > 1000)
        throw new AtelierError(
          'INVALID_ARGUMENT',
          `--seeds: bad range "${part}" (expected from..to, at most 1000 seeds)`,
        );
      for (let seed = from; seed <= to; seed++) seeds.push(seed);
    } else if (/^\d+$/.test(part)) seeds.push(Number(part));
    else
      throw new AtelierError(
        'INVALID_ARGUMENT',
        `--seeds: expected numbers or ranges like 1..10 but found "${part}"`,
      );
  }
  if (seeds.length === 0) throw new AtelierError('INVALID_ARGUMENT', '--seeds: expected at least one seed');
  return seeds;
}

export interface BenchOptions {
  loaded: LoadedCampaign;
  registry: ModelRegistry;
  setups: ModelSetup[];
  seeds: number[];
  /** Shots to include (default: all); a bench of a big campaign can take a few. */
  shots?: number;
  /** Working sizes (long edge) for the compose-resolution sweep. */
  sweepSizes: number[];
  /** Tile sizes for the upscale-stage sweep (when the pipeline upscales). */
  sweepTiles?: number[];
  onProgress?: (message: string) => void;
  /**
   * The judge (`provider:modelId`) that scores every composition's prompt adherence; none, and
   * adherence is not measured. The shots' questions are written once (kept in the project's
   * ledger) so every setup answers the same ones.
   */
  judge?: string;
  /**
   * How each variant config is validated: the CLI's full context (providers' settings schemas,
   * aliases, model checks); default stages and provider names only.
   */
  validation?: CampaignValidationContext;
}

/** Samples this process's resident memory while a task runs and returns the peak (MB). */
async function withPeakMemory<T>(
  task: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number; ms: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const started = performance.now();
  try {
    const result = await task();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRssMb: peak / 2 ** 20, ms: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

function quantile(values: number[], fraction: number): number {
  return percentile(values, fraction) ?? 0;
}

/** The campaign's own text with roles rebound, seeds replaced and shots trimmed. */
function variantSource(
  source: string,
  edit: {
    models?: Record<string, string>;
    seeds?: number[];
    shots?: number;
    composeSize?: number;
    upscaleTile?: number;
    /** Questions per shot id, written into the variant so no setup asks for its own. */
    questions?: ReadonlyMap<string, unknown>;
  },
  projectDirectory?: string,
): string {
  const document = parseDocument(source);
  // The variant is written elsewhere: ComfyUI workflow paths must still find the project's files.
  const workflows = document.getIn(['providers', 'comfyui', 'workflows']) as
    | { items: Array<{ key: unknown; value: unknown }> }
    | undefined;
  for (const item of projectDirectory ? (workflows?.items ?? []) : []) {
    const name = String((item.key as { value?: unknown })?.value ?? item.key);
    const path = String((item.value as { value?: unknown })?.value ?? item.value);
    document.setIn(['providers', 'comfyui', 'workflows', name], resolve(projectDirectory!, path));
  }
  for (const [role, reference] of Object.entries(edit.models ?? {}))
    document.setIn(['models', role], reference);
  const shots = document.get('shots') as { items: unknown[] } | undefined;
  if (shots && edit.shots !== undefined) shots.items.splice(edit.shots);
  const count = shots?.items.length ?? 0;
  for (let index = 0; index < count; index++) {
    if (edit.seeds) document.setIn(['shots', index, 'seeds'], edit.seeds);
    document.deleteIn(['shots', index, 'crops']);
    const questions = edit.questions?.get(String(document.getIn(['shots', index, 'id'])));
    if (questions) document.setIn(['shots', index, 'questions'], document.createNode(questions));
  }
  // Every setup is judged on each seed's first composition: a re-roll would compare other images.
  if (edit.questions && document.hasIn(['qa', 'adherence'])) document.deleteIn(['qa', 'adherence']);
  if (edit.upscaleTile) {
    const stages = (document.getIn(['pipeline', 'stages']) as { items: unknown[] }).items;
    stages.forEach((_, index) => {
      if (document.getIn(['pipeline', 'stages', index, 'stage']) === 'upscale') {
        document.setIn(['pipeline', 'stages', index, 'tile'], edit.upscaleTile);
      }
    });
  }
  if (edit.composeSize) {
    const stages = (document.getIn(['pipeline', 'stages']) as { items: unknown[] }).items;
    stages.forEach((_, index) => {
      if (document.getIn(['pipeline', 'stages', index, 'stage']) === 'compose') {
        document.setIn(['pipeline', 'stages', index, 'size'], `${edit.composeSize}x${edit.composeSize}`);
        document.deleteIn(['pipeline', 'stages', index, 'aspectRatio']);
      }
    });
  }
  return document.toString();
}

async function runVariant(options: BenchOptions, source: string) {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-bench-'));
  try {
    await writeFile(join(directory, 'atelier.yaml'), source);
    const loaded = await loadCampaign(
      directory,
      options.validation ?? { stages: stageCatalog(), providers: options.registry.providerNames() },
    );
    const measured = await withPeakMemory(() =>
      runCampaign({ loaded, registry: options.registry, useCache: false, fresh: true }),
    );
    const workspace = openWorkspace(directory);
    const jobs = workspace.ledger.jobs(measured.result.runId);
    workspace.close();
    return { ...measured, jobs, stages: loaded.campaign.pipeline.stages.map((stage) => stage.name) };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Latency figures per stage, over the jobs that finished. A stage none of whose jobs finished
 * says why instead (its own failure, a gate that rejected every image, or an earlier stage that
 * failed), so a table never shows a stage that never ran as a fast one.
 */
export function stageFigures(jobs: JobRecord[], stages: string[]) {
  return stages.map((stage, index) => {
    const durations = jobs
      .filter((job) => job.stage === stage && job.status === 'done' && job.durationMs !== null)
      .map((job) => job.durationMs!);
    return {
      stage,
      jobs: durations.length,
      p50Ms: quantile(durations, 0.5),
      p95Ms: quantile(durations, 0.95),
      meanMs: durations.length ? durations.reduce((sum, value) => sum + value, 0) / durations.length : 0,
      ...(durations.length === 0 ? { failed: whyNotRun(jobs, stages, index) } : {}),
    };
  });
}

/**
 * GPU memory of the compose jobs on a ComfyUI server: the highest `peakVramBytes` the provider
 * recorded (sampled from `/system_stats`), and whether a job ran out of GPU memory. Built-in
 * models record none: their memory is the process RSS.
 */
function gpuFigures(jobs: JobRecord[]): { peakVramMb?: number; outOfMemory: boolean } {
  const compose = jobs.filter((job) => job.stage === 'compose');
  const peaks = compose.flatMap((job) => {
    const provider = job.details?.provider;
    return (Array.isArray(provider) ? provider : [provider])
      .map((entry) => (entry as { peakVramBytes?: unknown } | undefined)?.peakVramBytes)
      .filter((value): value is number => typeof value === 'number');
  });
  return {
    ...(peaks.length > 0 ? { peakVramMb: Math.max(...peaks) / 2 ** 20 } : {}),
    outOfMemory: compose.some(
      (job) => job.status === 'failed' && /ran out of GPU memory/.test(job.error ?? ''),
    ),
  };
}

function whyNotRun(jobs: JobRecord[], stages: string[], index: number): string {
  const stage = stages[index]!;
  const own = jobs.find(
    (job) => job.stage === stage && (job.status === 'failed' || job.status === 'rejected'),
  );
  if (own) return `${own.status}: ${own.error ?? 'no reason recorded'}`;
  for (const earlier of stages.slice(0, index).reverse()) {
    const stopped = jobs.find(
      (job) => job.stage === earlier && (job.status === 'failed' || job.status === 'rejected'),
    );
    if (stopped) return `not run: ${earlier} ${stopped.status}: ${stopped.error ?? 'no reason recorded'}`;
  }
  return 'not run';
}

/** Gate figures for every stage that can reject (typography, colour QA...): pass rate and mean `score`. */
function qualityFigures(jobs: JobRecord[], stages: string[]) {
  return stages.flatMap((stage) => {
    const judged = jobs.filter(
      (job) => job.stage === stage && (job.status === 'done' || job.status === 'rejected'),
    );
    const scores = judged
      .map((job) => job.details?.score)
      .filter((score): score is number => typeof score === 'number');
    const rejected = judged.filter((job) => job.status === 'rejected').length;
    if (scores.length === 0 && rejected === 0) return [];
    return [
      {
        stage,
        passRate: judged.length ? (judged.length - rejected) / judged.length : 0,
        meanScore: scores.length ? scores.reduce((sum, value) => sum + value, 0) / scores.length : null,
      },
    ];
  });
}

/**
 * Renders the same shots and seeds with each model setup, cache off, and measures each stage's
 * latency, throughput, peak memory, cost and quality gates; then sweeps the working
 * resolution to show time and memory against size.
 */
export async function benchModels(options: BenchOptions): Promise<BenchResult> {
  const { loaded } = options;
  const setups: BenchResult['setups'] = [];
  const written = options.judge ? await benchQuestions(options, options.judge) : undefined;
  const questions = written?.byShot;
  for (const setup of options.setups) {
    options.onProgress?.(
      `setup ${setup.label}: ${options.seeds.length} seeds x ${options.shots ?? loaded.campaign.shots.length} shots`,
    );
    const source = variantSource(
      loaded.source,
      {
        models: options.judge ? { ...setup.models, judge: options.judge } : setup.models,
        seeds: options.seeds,
        shots: options.shots,
        questions,
      },
      loaded.projectDirectory,
    );
    const measured = await runVariant(options, source);
    const summary = measured.result;
    const adherence = options.judge ? setupAdherence(measured.jobs) : undefined;
    setups.push({
      label: setup.label,
      models: Object.fromEntries(
        Object.entries({ ...loaded.campaign.models, ...setup.models }).filter(
          ([, value]) => value !== undefined,
        ),
      ) as Record<string, string>,
      images: summary.chainsSucceeded,
      failed: summary.chainsFailed,
      wallMs: measured.ms,
      imagesPerMinute: summary.chainsSucceeded / (measured.ms / 60_000),
      peakRssMb: measured.peakRssMb,
      costUsd: summary.costUsd,
      stages: stageFigures(measured.jobs, measured.stages),
      quality: qualityFigures(measured.jobs, measured.stages),
      colour: (summary as { colour?: unknown }).colour,
      ...(adherence ? { adherence } : {}),
    });
  }
  const sweep: BenchResult['sweep'] = [];
  const first = options.setups[0];
  for (const size of first ? options.sweepSizes : []) {
    options.onProgress?.(`sweep ${first!.label}: ${size}x${size}`);
    const source = variantSource(
      loaded.source,
      {
        models: first!.models,
        seeds: [options.seeds[0]!],
        shots: 1,
        composeSize: size,
      },
      loaded.projectDirectory,
    );
    const measured = await runVariant(options, source);
    const gpu = gpuFigures(measured.jobs);
    for (const stage of stageFigures(measured.jobs, measured.stages)) {
      sweep.push({
        setup: first!.label,
        stage: stage.stage,
        setting: `${size}x${size}`,
        ms: stage.p50Ms,
        peakRssMb: measured.peakRssMb,
        ...(stage.stage === 'compose' && gpu.peakVramMb !== undefined ? { peakVramMb: gpu.peakVramMb } : {}),
        // Out of GPU memory is the reason a ComfyUI setting failed; any other failure says its own.
        ...(stage.stage === 'compose' && gpu.outOfMemory
          ? { failed: `OOM at ${size}` }
          : stage.failed
            ? { failed: stage.failed }
            : {}),
      });
    }
  }
  const upscales = loaded.campaign.pipeline.stages.some((stage) => stage.name === 'upscale');
  for (const tile of first && upscales ? (options.sweepTiles ?? []) : []) {
    options.onProgress?.(`sweep ${first!.label}: upscale tile ${tile}`);
    const source = variantSource(
      loaded.source,
      {
        models: first!.models,
        seeds: [options.seeds[0]!],
        shots: 1,
        upscaleTile: tile,
      },
      loaded.projectDirectory,
    );
    const measured = await runVariant(options, source);
    const upscale = stageFigures(measured.jobs, measured.stages).find((stage) => stage.stage === 'upscale');
    if (upscale)
      sweep.push({
        setup: first!.label,
        stage: 'upscale',
        setting: `tile ${tile}`,
        ms: upscale.p50Ms,
        peakRssMb: measured.peakRssMb,
        ...(upscale.failed ? { failed: upscale.failed } : {}),
      });
  }
  return {
    schema: 'atelier-bench/1',
    campaign: loaded.campaign.campaign,
    date: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    seeds: options.seeds,
    setups,
    sweep,
    ...(options.judge ? { judge: options.judge, comparisons: pairedComparisons(setups) } : {}),
    ...(written ? { questions: written.figures } : {}),
  };
}

/**
 * Each shot's adherence questions, written once (by the config's `questions` model, else the
 * judge) and kept in the project's ledger (a shot's own `questions` win), so every setup is
 * asked the same ones.
 */
async function benchQuestions(
  options: BenchOptions,
  judge: string,
): Promise<{ byShot: Map<string, unknown>; figures: NonNullable<BenchResult['questions']> }> {
  // A `questions` model bound in the config writes them; the judge does otherwise.
  const reference = requireModelReference(options.loaded.campaign.models.questions ?? judge);
  const bound = {
    instance: await options.registry.resolveLanguageModel(reference),
    lock: await options.registry.lock(reference),
  };
  const workspace = openWorkspace(options.loaded.projectDirectory);
  try {
    const shots = options.loaded.campaign.shots.slice(0, options.shots);
    options.onProgress?.(`judge ${judge}: questions for ${shots.length} shots`);
    const written = await withAdherenceQuestions(
      { ...options.loaded.campaign, shots },
      bound,
      workspace.ledger,
    );
    return {
      byShot: new Map(written.campaign.shots.map((shot) => [shot.id, shot.questions])),
      figures: {
        writer: reference.raw,
        prompts: written.prompts,
        written: written.written,
        costUsd: written.unpriced > 0 ? null : written.costUsd,
      },
    };
  } finally {
    workspace.close();
  }
}
