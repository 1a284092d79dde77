import { measureSetColour } from '../color/set-colour.ts';
import type { Campaign } from '../config/campaign-schema.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import type { Chain } from './plan.ts';
import type { RunSummary } from './run-events.ts';
import type { ChainOutcome } from './stage-job-runner.ts';

export interface RunReportInput {
  readonly campaign: Campaign;
  readonly chains: readonly Chain[];
  readonly outcomes: readonly ChainOutcome[];
  readonly store: ArtifactStore;
}

/**
 * Reports that need the whole set, computed once every chain has finished; each adds one block
 * to the run summary (and so to run.json, the ledger and the CLI summary). The runner calls
 * this and knows nothing of what is measured. Today: colour consistency of the final images.
 */
export async function reportOnRun(input: RunReportInput): Promise<Pick<RunSummary, 'colour'>> {
  const images = input.outcomes.flatMap((outcome, index) => {
    if (outcome.status !== 'succeeded' || !outcome.master) return [];
    const chain = input.chains[index]!;
    const master = outcome.master;
    return [
      {
        shotId: chain.shot.id,
        seedIndex: chain.seedIndex,
        seed: outcome.seed,
        load: () => input.store.get(master.sha256),
      },
    ];
  });
  return { colour: await measureSetColour(images, input.campaign.brand.palette) };
}
