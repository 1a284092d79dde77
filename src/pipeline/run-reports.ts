import type { ImageColour } from '../colour/image-colour.ts';
import { measureSetColour } from '../colour/set-colour.ts';
import type { Campaign } from '../config/campaign-schema.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import type { Chain } from './plan.ts';
import type { RunSummary } from './run-events.ts';
import type { ChainOutcome } from './stage-job-runner.ts';

export interface SetReportInput {
  readonly campaign: Campaign;
  readonly chains: readonly Chain[];
  readonly outcomes: readonly ChainOutcome[];
  readonly store: ArtifactStore;
  readonly ledger: Ledger;
}

type SetImageOf = Parameters<typeof measureSetColour>[0][number];

function colourCache(ledger: Ledger) {
  return {
    get: (key: string) => ledger.cached(key)?.details as ImageColour | undefined,
    set: (key: string, colour: ImageColour) =>
      ledger.storeCached(key, 'colour-measurement', {
        outputs: [],
        details: colour as unknown as Record<string, unknown>,
      }),
  };
}

function finalImage(
  input: Pick<SetReportInput, 'store'>,
  chain: Chain,
  outcome: ChainOutcome,
): SetImageOf | undefined {
  if (outcome.status !== 'succeeded' || !outcome.master) return undefined;
  const master = outcome.master;
  return {
    shotId: chain.shot.id,
    seedIndex: chain.seedIndex,
    seed: outcome.seed,
    address: master.sha256,
    load: () => input.store.get(master.sha256),
  };
}

/**
 * Reports that need the whole set; each adds one block to the run summary (and so to
 * run.json, the ledger and the CLI summary). The runner knows nothing of what is measured.
 * Today: colour consistency of the final images. Each image is measured as soon as its chain
 * finishes, while others still render, so the end of a run only combines the figures.
 */
export class SetReports {
  private readonly pending: Promise<unknown>[] = [];

  constructor(private readonly input: Omit<SetReportInput, 'chains' | 'outcomes'>) {}

  chainFinished(chain: Chain, outcome: ChainOutcome): void {
    const image = finalImage(this.input, chain, outcome);
    if (!image) return;
    const cache = colourCache(this.input.ledger);
    this.pending.push(
      measureSetColour([image], this.input.campaign.brand.palette, { cache }).catch(() => undefined),
    );
  }

  async finish(
    chains: readonly Chain[],
    outcomes: readonly ChainOutcome[],
  ): Promise<Pick<RunSummary, 'colour'>> {
    await Promise.all(this.pending);
    return reportOnRun({ ...this.input, chains, outcomes });
  }
}

/** The set reports of a finished run (measurements already made are reused from the cache). */
export async function reportOnRun(input: SetReportInput): Promise<Pick<RunSummary, 'colour'>> {
  const images = input.outcomes.flatMap(
    (outcome, index) => finalImage(input, input.chains[index]!, outcome) ?? [],
  );
  const cache = colourCache(input.ledger);
  return { colour: await measureSetColour(images, input.campaign.brand.palette, { cache }) };
}
