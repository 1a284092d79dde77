import type { Campaign } from '../config/campaign-schema.ts';
import type { RunRecord } from '../ledger/ledger.ts';
import { seedsFor } from '../pipeline/plan.ts';
import type { RunSummary } from '../pipeline/run-events.ts';
import type { Workspace } from '../pipeline/workspace.ts';
import type { CampaignDescription, ChainDetailResponse, RunListEntry, RunLock } from './api-types.ts';
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
  const workspace = catalog.workspace(entry)!;
  return catalog
    .views(entry)!
    .get(`gallery:${run.id}:${current?.configSha256 ?? ''}`, () =>
      buildRunGallery(workspace.ledger, run, current?.campaign),
    );
}

/** A campaign as the Briefs page shows it: config summary (or its error), runs, active run. */
export async function describeCampaign(
  entry: CampaignEntry,
  catalog: CampaignCatalog,
  runs: RunManager,
): Promise<CampaignDescription> {
  const { loaded, error, configSha256 } = await catalog.load(entry);
  const workspace = catalog.workspace(entry);
  const campaign = loaded?.campaign;
  return {
    id: entry.id,
    name: campaign?.campaign ?? entry.id,
    relativePath: entry.relativePath,
    error: error ?? null,
    brand: campaign?.brand ?? null,
    models: campaign?.models ?? {},
    stages: campaign?.pipeline.stages.map((stage) => stage.name) ?? [],
    shots:
      campaign?.shots.map((shot) => ({
        id: shot.id,
        prompt: shot.prompt,
        headline: shot.headline ?? null,
        seeds: seedsFor(campaign, shot).length,
      })) ?? [],
    runs: workspace
      ? catalog
          .views(entry)!
          .get(`runs:${entry.configFile}:${configSha256 ?? ''}`, () =>
            workspace.ledger
              .runs({ configFile: entry.configFile })
              .map((run) => describeRun(workspace, run, configSha256)),
          )
      : [],
    active: runs.activeFor(entry.id) ?? null,
  };
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

/**
 * One image in detail: its outputs with their manifests from the run folder, the run's lock,
 * the review history of this shot and seed across runs, and the other runs that rendered it.
 */
export async function chainDetail(
  catalog: CampaignCatalog,
  entry: CampaignEntry,
  run: RunRecord,
  chain: GalleryChain,
): Promise<ChainDetailResponse> {
  const workspace = catalog.workspace(entry)!;
  const { shotId, seedIndex } = chain;
  const jobs = finalAttemptJobs(workspace.ledger, run.id, shotId, seedIndex);
  const outputs = await Promise.all(
    chainOutputs(entry.projectDirectory, run.id, chain.seed, jobs).map(async (output) => ({
      stageIndex: output.stageIndex,
      stage: output.stage,
      fileName: output.fileName,
      output: output.output,
      manifest: await readManifest(output.manifestPath, entry.projectDirectory),
    })),
  );
  const otherRuns = workspace.ledger
    .runs({ configFile: run.configFile })
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
