import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import pLimit from 'p-limit';
import type { Campaign } from '../config/campaign-schema.ts';
import type { LoadedCampaign } from '../config/load-campaign.ts';
import { languageRolesOfStages } from '../config/validation-context.ts';
import type { ContentSigner } from '../credentials/content-credentials.ts';
import { AtelierError } from '../errors.ts';
import { summariseAdherence } from '../judge/adherence-summary.ts';
import { configFileOf, type RunRecord } from '../ledger/ledger.ts';
import { checkLock, type Lockfile, lockPathFor } from '../lock/lockfile.ts';
import { defaultModelRegistry, type ModelRegistry } from '../models/model-registry.ts';
import { contactSheetForReport, renderRunReport } from '../report/run-report.ts';
import type { StageDefinition } from '../stages/stage.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { removeStaleTemporaryFiles, writeFileAtomic } from '../util/atomic-write.ts';
import { canonicalJson, hashOf, sha256 } from '../util/canonical-json.ts';
import { judgeRole, questionWriter, withAdherenceQuestions } from './adherence-questions.ts';
import { ContactSheetBuilder } from './contact-sheet.ts';
import { ExportSealer } from './export-sealer.ts';
import { InProcessDispatcher } from './in-process-dispatcher.ts';
import { type Chain, planChains } from './plan.ts';
import type { RunEvent, RunEventListener, RunSummary, StageTiming } from './run-events.ts';
import { runDirectory } from './run-layout.ts';
import { RunModels } from './run-models.ts';
import { SetReports } from './run-reports.ts';
import type { StageJobDispatcher } from './stage-job-dispatcher.ts';
import { type ChainOutcome, StageJobRunner } from './stage-job-runner.ts';
import { openWorkspace, type Workspace } from './workspace.ts';

export interface RunCampaignOptions {
  readonly loaded: LoadedCampaign;
  readonly registry?: ModelRegistry;
  readonly stages?: ReadonlyMap<string, StageDefinition<unknown>>;
  /** Resume this run id. */
  readonly resume?: string;
  /** Start a new run even if an unfinished run of the same config exists. */
  readonly fresh?: boolean;
  readonly updateLock?: boolean;
  /** Use the stage cache (default true). `verify` turns it off to re-render everything. */
  readonly useCache?: boolean;
  readonly concurrency?: number;
  readonly onEvent?: RunEventListener;
  readonly signal?: AbortSignal;
  /** An already opened workspace (tests, studio); opened and closed here otherwise. */
  readonly workspace?: Workspace;
  /**
   * Where stage jobs are computed (a queue of workers); in this process when absent. Either way
   * this process keeps the ledger, manifests and reports. The caller closes a dispatcher it gives.
   */
  readonly dispatcher?: StageJobDispatcher;
  /** Signs the exported files with Content Credentials (resolved by the caller; unsigned when absent). */
  readonly signer?: ContentSigner;
  /** Said once in the summary's warnings when there is no signer (how to get one). */
  readonly unsignedNote?: string;
}

/** Edge of the previews in report.html. */
const reportPreviewSize = 320;
/** Previews the contact sheet is made from (its largest tile is 256 px). */
const contactSheetPreviewSize = 512;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Renders a campaign: every shot at every seed through every stage. Finished jobs are
 * recorded in the ledger as they complete, so a killed run resumes where it stopped; the
 * stage cache makes an unchanged re-run cost nothing.
 */
export async function runCampaign(options: RunCampaignOptions): Promise<RunSummary> {
  const { loaded } = options;
  const configured = loaded.campaign;
  const registry = options.registry ?? defaultModelRegistry();
  const stages = options.stages ?? stageCatalog();
  const emit = (event: RunEvent) => options.onEvent?.(event);
  const lockCheck = await checkLock(configured, loaded.projectDirectory, registry, {
    update: options.updateLock ?? false,
  });
  emit({ type: 'lock', action: lockCheck.action, path: lockPathFor(loaded.projectDirectory) });

  // Created by the first job that computes with them (none when every job is a cache hit), and
  // freed in `finally`, so the process exits.
  const modelConcurrency = options.concurrency ?? configured.pipeline.concurrency ?? availableParallelism();
  const models = new RunModels(
    configured,
    registry,
    lockCheck.lock,
    modelConcurrency,
    languageRolesOfStages(stages.values()),
  );
  const workspace = options.workspace ?? openWorkspace(loaded.projectDirectory);
  const dispatcher = options.dispatcher ?? new InProcessDispatcher();
  let openedRunId: string | undefined;
  try {
    // Before the run is recorded: a judge that cannot write questions stops the run at once.
    const { campaign, costUsd: questionsCostUsd } = await withAdherenceQuestions(
      configured,
      await questionWriter(models),
      workspace.ledger,
      options.signal,
    );
    const configSha256 = sha256(loaded.source);
    const { runId, resumed } = openRun(workspace, loaded, configSha256, lockCheck.lock, options);
    const runDir = runDirectory(loaded.projectDirectory, runId);
    if (resumed) {
      // A killed process may have left half-written temporary files; the real files are intact.
      await removeStaleTemporaryFiles(runDir);
      await removeStaleTemporaryFiles(workspace.store.root);
    }
    const chains = planChains(campaign);
    const stageNames = campaign.pipeline.stages.map((stage) => stage.name);
    emit({
      type: 'run-started',
      runId,
      resumed,
      chains: chains.length,
      stages: stageNames,
      totalJobs: chains.length * stageNames.length,
    });

    await dispatcher.openRun({
      runId,
      campaign,
      lock: lockCheck.lock,
      store: workspace.store,
      storeRoot: workspace.store.root,
      projectDirectory: loaded.projectDirectory,
      stages,
      models,
    });
    openedRunId = runId;
    const started = performance.now();
    const previews: Promise<unknown>[] = [];
    const previewLimit = pLimit(2);
    const jobRunner = new StageJobRunner({
      campaign,
      runId,
      runDir,
      lock: lockCheck.lock,
      stages,
      workspace,
      useCache: options.useCache ?? true,
      emit,
      signal: options.signal,
      dispatcher,
      sealer: options.signer
        ? new ExportSealer({
            signer: options.signer,
            campaign,
            lock: lockCheck.lock,
            stages,
            workspace,
            runId,
          })
        : undefined,
      // Report previews are made while the run goes on, so writing the report is quick.
      onOutputs: (outputs) => {
        const shown = outputs.find((output) => output.primary) ?? outputs[0];
        if (shown) previews.push(previewLimit(() => workspace.previews.get(shown.sha256, reportPreviewSize)));
      },
    });
    jobRunner.costUsd += questionsCostUsd;
    // Model calls are limited per role (below); twice as many chains are in flight so that
    // storing one result overlaps with the next call.
    // With a queue, every chain is in flight at once: the workers' concurrency is the limit.
    const limit = pLimit(
      dispatcher.inProcess
        ? Math.max(2 * modelConcurrency, availableParallelism())
        : Math.max(1, chains.length),
    );
    const sheet = new ContactSheetBuilder(chains.length);
    const setReports = new SetReports({ campaign, store: workspace.store, ledger: workspace.ledger });
    const outcomes = await Promise.all(
      chains.map((chain, index) =>
        limit(async () => {
          const outcome = await jobRunner.runChain(chain);
          setReports.chainFinished(chain, outcome);
          const label = `${chain.shot.id} · ${chain.seed}`;
          const master = outcome.status === 'succeeded' ? outcome.master : undefined;
          if (master)
            // From the preview cache, and only if the sheet is drawn at all (see writeRunRecords).
            sheet.add(index, label, master.sha256, () =>
              workspace.previews.get(master.sha256, contactSheetPreviewSize),
            );
          else if (outcome.status === 'failed') sheet.addFailure(index, label, outcome.failure.reason);
          return outcome;
        }),
      ),
    );
    // From the chains, not the signal: a stop that came when every job was done ends nothing.
    const interrupted = outcomes.some((outcome) => outcome.status === 'interrupted');

    const summary = summarise(
      campaign,
      runId,
      runDir,
      outcomes,
      jobRunner,
      performance.now() - started,
      interrupted,
    );
    if (!options.signer && options.unsignedNote) summary.warnings.push(options.unsignedNote);
    summary.adherence = summariseAdherence(workspace.ledger.jobs(runId), models.has(judgeRole));
    if (!interrupted) {
      // Set-level reports (colour consistency...) need every image, so they come after the chains.
      Object.assign(summary, await setReports.finish(chains, outcomes));
      await Promise.allSettled(previews);
      await writeRunRecords(workspace, loaded, runDir, chains, outcomes, summary, lockCheck.lock, sheet);
    }
    workspace.ledger.setRunStatus(runId, summary.status, summary);
    emit({ type: 'run-finished', runId, summary });
    return summary;
  } finally {
    if (openedRunId) await dispatcher.closeRun(openedRunId).catch(() => {});
    if (!options.dispatcher) await dispatcher.close();
    await models.dispose();
    if (!options.workspace) workspace.close();
  }
}

/** Refuses to resume a completed run: every image is done, and a stop would only mislabel it. */
export function requireResumable(run: Pick<RunRecord, 'id' | 'status'>): void {
  if (run.status === 'completed') {
    throw new AtelierError(
      'RUN_COMPLETED',
      `Run "${run.id}" is completed: every image is done, so there is nothing to resume; start a new run instead`,
    );
  }
}

function openRun(
  workspace: Workspace,
  loaded: LoadedCampaign,
  configSha256: string,
  lock: Lockfile,
  options: RunCampaignOptions,
): { runId: string; resumed: boolean } {
  const { ledger } = workspace;
  const matches = (run: { configSha256: string; lock: unknown }) =>
    run.configSha256 === configSha256 && canonicalJson(run.lock) === canonicalJson(lock);
  if (options.resume) {
    const run = ledger.run(options.resume);
    if (!run)
      throw new AtelierError('RUN_NOT_FOUND', `No run "${options.resume}" in ${workspace.stateDirectory}`);
    requireResumable(run);
    if (!matches(run)) {
      throw new AtelierError(
        'RUN_MISMATCH',
        `Run "${run.id}" was made from a different config or lock than ${loaded.configPath} has now; start a new run instead`,
      );
    }
    ledger.setRunStatus(run.id, 'running');
    return { runId: run.id, resumed: true };
  }
  if (!options.fresh) {
    const unfinished = ledger
      .runs({ configFile: configFileOf(loaded.configPath) })
      .find((run) => (run.status === 'running' || run.status === 'interrupted') && matches(run));
    if (unfinished) {
      ledger.setRunStatus(unfinished.id, 'running');
      return { runId: unfinished.id, resumed: true };
    }
  }
  const runId = newRunId();
  ledger.createRun({
    id: runId,
    campaign: loaded.campaign.campaign,
    configPath: loaded.configPath,
    configFile: configFileOf(loaded.configPath),
    configSha256,
    configSource: loaded.source,
    lock,
  });
  return { runId, resumed: false };
}

function summarise(
  campaign: Campaign,
  runId: string,
  runDir: string,
  outcomes: ChainOutcome[],
  jobRunner: StageJobRunner,
  wallMs: number,
  interrupted: boolean,
): RunSummary {
  const timings = new Map<string, StageTiming>(
    campaign.pipeline.stages.map((stage) => [
      stage.name,
      { stage: stage.name, jobs: 0, computed: 0, cacheHits: 0, resumed: 0, computeMs: 0 },
    ]),
  );
  for (const job of jobRunner.finishedJobs) {
    const timing = timings.get(job.stage)!;
    timing.jobs++;
    if (job.source === 'computed') {
      timing.computed++;
      timing.computeMs += job.durationMs;
    } else if (job.source === 'cache') timing.cacheHits++;
    else timing.resumed++;
  }
  const stagesTimed = [...timings.values()];
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'failed' ? [outcome.failure] : []));
  const succeeded = outcomes.filter((outcome) => outcome.status === 'succeeded');
  return {
    runId,
    campaign: campaign.campaign,
    status: interrupted ? 'interrupted' : failures.length > 0 ? 'failed' : 'completed',
    shots: campaign.shots.length,
    chains: outcomes.length,
    chainsSucceeded: succeeded.length,
    chainsFailed: failures.length,
    outputs: succeeded.reduce((count, outcome) => count + outcome.finalOutputs.length, 0),
    jobs: jobRunner.finishedJobs.length,
    computedJobs: stagesTimed.reduce((sum, timing) => sum + timing.computed, 0),
    cacheHits: stagesTimed.reduce((sum, timing) => sum + timing.cacheHits, 0),
    resumedJobs: stagesTimed.reduce((sum, timing) => sum + timing.resumed, 0),
    rerolls: outcomes.reduce((sum, outcome) => sum + outcome.rerolls, 0),
    wallMs,
    costUsd: jobRunner.costUsd,
    stages: stagesTimed,
    failures,
    warnings: [...new Set(jobRunner.finishedJobs.flatMap((job) => job.warnings))],
    runDirectory: runDir,
  };
}

/**
 * The run's contact sheet and the report's JPEG of it, each made only when no earlier run made
 * the same one: the sheet shows the images and labels (not the run id), so a re-run that comes
 * to the same images reuses both by the sheet's key, decoding nothing.
 */
async function contactSheetFor(workspace: Workspace, sheet: ContactSheetBuilder, title: string) {
  const key = sheet.key(title);
  const png = await workspace.derived.reuseOrMake(key, () => sheet.render(title));
  const jpeg = await workspace.derived.reuseOrMake(hashOf({ reportJpegOf: key }), () =>
    contactSheetForReport(png),
  );
  return { png, jpeg };
}

async function writeRunRecords(
  workspace: Workspace,
  loaded: LoadedCampaign,
  runDir: string,
  chains: Chain[],
  outcomes: ChainOutcome[],
  summary: RunSummary,
  lock: Lockfile,
  sheet: ContactSheetBuilder,
): Promise<void> {
  const contactSheet = await contactSheetFor(workspace, sheet, loaded.campaign.campaign);
  await writeFileAtomic(join(runDir, 'contact-sheet.png'), contactSheet.png, { durable: false });
  const report = await renderRunReport({
    summary,
    stages: loaded.campaign.pipeline.stages.map((stage) => stage.name),
    shotOrder: loaded.campaign.shots.map((shot) => shot.id),
    lock,
    jobs: workspace.ledger.jobs(summary.runId),
    contactSheetJpeg: contactSheet.jpeg,
    preview: (address) => workspace.previews.get(address, reportPreviewSize),
  });
  await writeFileAtomic(join(runDir, 'report.html'), report, { durable: false });
  const record = {
    run: summary.runId,
    campaign: loaded.campaign.campaign,
    config: loaded.configPath,
    lock,
    summary,
    chains: outcomes.map((outcome, index) => ({
      shot: chains[index]!.shot.id,
      seedIndex: chains[index]!.seedIndex,
      seed: outcome.seed,
      status: outcome.status,
      attempts: outcome.rerolls + 1,
      outputs:
        outcome.status === 'succeeded' ? outcome.finalOutputs.map((output) => relative(runDir, output)) : [],
      failure: outcome.status === 'failed' ? outcome.failure : undefined,
    })),
  };
  // Not fsynced, like the rest of the run folder: the ledger holds the durable record of the run,
  // and an fsync here waited for the disk to take every file the run had just written (ext4
  // orders data before the journal commit): 80 ms idle at the end of a profiled cached re-run.
  await writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`, { durable: false });
}
