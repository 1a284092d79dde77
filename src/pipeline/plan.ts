import type { Campaign, Shot } from '../config/campaign-schema.ts';
import { deriveSeed } from '../util/seeded-random.ts';

/** One shot at one seed going through every stage: the unit of work a run schedules. */
export interface Chain {
  readonly shot: Shot;
  readonly seedIndex: number;
  readonly seed: number;
}

/** The seeds of a shot: its explicit list, or `count` seeds derived stably from (campaign, shot, index). */
export function seedsFor(campaign: Pick<Campaign, 'campaign' | 'pipeline'>, shot: Shot): number[] {
  const policy = shot.seeds ?? campaign.pipeline.seeds;
  if (Array.isArray(policy)) return [...policy];
  return Array.from({ length: policy }, (_, index) => deriveSeed(campaign.campaign, shot.id, index));
}

/** The seed of a re-rolled attempt: derived, so a re-run re-rolls to the very same seeds. */
export function rerollSeed(campaign: string, chain: Chain, attempt: number): number {
  return attempt === 0 ? chain.seed : deriveSeed(campaign, chain.shot.id, chain.seedIndex, 'reroll', attempt);
}

export function planChains(campaign: Campaign): Chain[] {
  return campaign.shots.flatMap((shot) =>
    seedsFor(campaign, shot).map((seed, seedIndex) => ({ shot, seedIndex, seed })),
  );
}
