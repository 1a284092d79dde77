import { realpath } from 'node:fs/promises';
import type { Campaign } from '../config/campaign-schema.ts';
import { readContentCredentials } from '../credentials/content-credentials.ts';
import type { JobRecord, RunRecord, StoredOutput } from '../ledger/ledger.ts';
import { seedsFor } from '../pipeline/plan.ts';
import type { RunSummary } from '../pipeline/run-events.ts';
import type { Workspace } from '../pipeline/workspace.ts';
import type {
  CampaignDescription,
  ChainDetailResponse,
  CredentialsBadge,
  RunListEntry,
  RunLock,
} from './api-types.ts';
import type { CampaignCatalog, CampaignEntry } from './campaign-catalog.ts';
import { chainOutputs, readManifest } from './chain-outputs.ts';
import { buildRunGallery, finalAttemptJobs, type GalleryChain, type RunGallery } from './run-gallery.ts';
import type { RunManager } from './run-manager.ts';

/** The campaign as configured now, when that is the config a run was made from. */
export interface CurrentConfig {
  campaign: Campaign;
  configSha256: string;
}

/**
 * A run's gallery, computed once per change of the project's ledger: with the current config
 * (planned images not started yet, prompts) when the run was made from it.
 */
export function runGallery(
  catalog: CampaignCatalog,
  entry: CampaignEntry,
  run: RunRecord,
  current?: CurrentConfig,
): RunGallery {
  const views = catalog.views(entry)!;
  return views.get(`gallery:${run.id}:${current?.configSha256 ?? ''}`, () =>
    buildRunGallery(views.ledger, run, current?.campaign, runJobs(catalog, entry, run)),
  );
}

/** The campaign's runs, newest first, read once per change of the project's ledger. */
function campaignRuns(catalog: CampaignCatalog, entry: CampaignEntry): RunRecord[] {
  const views = catalog.views(entry)!;
  return views.get(`runs:${entry.configFile}`, () => views.ledger.runs({ configFile: entry.configFile }));
}

/** Every job of a run, read once per change of the project's ledger. */
function runJobs(catalog: CampaignCatalog, entry: CampaignEntry, run: RunRecord): JobRecord[] {
  const views = catalog.views(entry)!;
  return views.get(`jobs:${run.id}`, () => views.ledger.jobs(run.id));
}

/** A run of the campaign, read once per change of the project's ledger; undefined if it has none by that id. */
export function campaignRun(
  catalog: CampaignCatalog,
  entry: CampaignEntry,
  runId: string,
): RunRecord | undefined {
  const views = catalog.views(entry);
  const run = views?.get(`run:${runId}`, () => views.ledger.run(runId));
  return run?.configFile === entry.configFile ? run : undefined;
}

/** A campaign as the Briefs page shows it: config summary (or its error), runs, active run. */
export async function describeCampaign(
  entry: CampaignEntry,
  catalog: CampaignCatalog,
  runs: RunManager,
): Promise<CampaignDescription> {
  const { loaded, error, configSha256 } = await catalog.load(entry);
  const workspace = catalog.workspace(entry);
  return {
    id: entry.id,
    name: loaded?.campaign.campaign ?? entry.id,
    relativePath: entry.relativePath,
    error: error ?? null,
    ...(loaded ? configSummary(loaded.campaign) : { brand: null, models: {}, stages: [], shots: [] }),
    runs: workspace
      ? catalog
          .views(entry)!
          .get(`run-list:${entry.configFile}:${configSha256 ?? ''}`, () =>
            campaignRuns(catalog, entry).map((run) => describeRun(workspace, run, configSha256)),
          )
      : [],
    active: runs.activeFor(entry.id) ?? null,
  };
}

const summaries = new WeakMap<Campaign, ReturnType<typeof summarise>>();

/** What the Briefs page shows of a config, worked out once per loaded config. */
function configSummary(campaign: Campaign) {
  let summary = summaries.get(campaign);
  if (!summary) {
    summary = summarise(campaign);
    summaries.set(campaign, summary);
  }
  return summary;
}

function summarise(campaign: Campaign) {
  return {
    brand: campaign.brand,
    models: campaign.models,
    stages: campaign.pipeline.stages.map((stage) => stage.name),
    shots: campaign.shots.map((shot) => ({
      id: shot.id,
      prompt: shot.prompt,
      headline: shot.headline ?? null,
      seeds: seedsFor(campaign, shot).length,
    })),
  } satisfies Pick<CampaignDescription, 'brand' | 'models' | 'stages' | 'shots'>;
}

/** One row of a campaign's run list; `current` when the config has not changed since. */
export function describeRun(
  workspace: Workspace,
  run: RunRecord,
  configSha256: string | undefined,
): RunListEntry {
  const summary = run.summary as RunSummary | null;
  const decisions = [...workspace.ledger.decisions(run.id).values()];
  return {
    id: run.id,
    status: run.status,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    current: run.configSha256 === configSha256,
    chains: summary?.chains ?? null,
    succeeded: summary?.chainsSucceeded ?? null,
    failed: summary?.chainsFailed ?? null,
    failures: summary?.failures ?? [],
    wallMs: summary?.wallMs ?? null,
    approved: decisions.filter((review) => review.decision === 'approve').length,
    rejected: decisions.filter((review) => review.decision === 'reject').length,
  };
}

/** Reads a signed file's credentials from the content store, as any C2PA reader would. */
async function credentialsBadge(workspace: Workspace, output: StoredOutput): Promise<CredentialsBadge> {
  const bytes = await workspace.store.get(output.sha256);
  if (!bytes) return { state: 'invalid', signer: null, actions: ['the file is missing from the store'] };
  const reading = await readContentCredentials(bytes, output.mediaType);
  return {
    state: reading.state,
    signer: reading.signer ?? null,
    actions: reading.actions.map(
      (action) => `${action.action}${action.softwareAgent ? ` (${action.softwareAgent.name})` : ''}`,
    ),
  };
}

/**
 * One image in detail: its outputs with their manifests from the run folder, the run's lock,
 * the review history of this shot and seed across runs, and the other runs that rendered it.
 * Computed once per change of the project's ledger: a run writes its folder's manifests only
 * along with its ledger records.
 */
export function chainDetail(
  catalog: CampaignCatalog,
  entry: CampaignEntry,
  run: RunRecord,
  chain: GalleryChain,
  current?: CurrentConfig,
): Promise<ChainDetailResponse> {
  return catalog
    .views(entry)!
    .get(`detail:${run.id}:${chain.shotId}:${chain.seedIndex}:${current?.configSha256 ?? ''}`, () =>
      readChainDetail(catalog, entry, run, chain),
    );
}

async function readChainDetail(
  catalog: CampaignCatalog,
  entry: CampaignEntry,
  run: RunRecord,
  chain: GalleryChain,
): Promise<ChainDetailResponse> {
  const workspace = catalog.workspace(entry)!;
  const { shotId, seedIndex } = chain;
  const jobs = finalAttemptJobs(runJobs(catalog, entry, run), shotId, seedIndex);
  const projectRoot = await realpath(entry.projectDirectory);
  const signedStages = new Set(jobs.filter((job) => job.details?.credentials).map((job) => job.stageIndex));
  const outputs = await Promise.all(
    chainOutputs(entry.projectDirectory, run.id, chain.seed, jobs).map(async (output) => ({
      stageIndex: output.stageIndex,
      stage: output.stage,
      fileName: output.fileName,
      output: output.output,
      manifest: await readManifest(output.manifestPath, projectRoot),
      credentials: signedStages.has(output.stageIndex)
        ? await credentialsBadge(workspace, output.output)
        : null,
    })),
  );
  const otherRuns = campaignRuns(catalog, entry)
    .map((other) => {
      const image = runGallery(catalog, entry, other).chains.find(
        (candidate) => candidate.shotId === shotId && candidate.seedIndex === seedIndex,
      );
      return { id: other.id, createdAt: other.createdAt, status: other.status, image: image?.image ?? null };
    })
    .filter((other) => other.image !== null);
  return {
    campaign: { id: entry.id, name: run.campaign },
    run: { id: run.id, status: run.status, createdAt: run.createdAt, lock: run.lock as RunLock | null },
    chain,
    outputs,
    history: workspace.ledger.reviews({ configFile: run.configFile, shotId, seedIndex }),
    otherRuns,
  };
}
