import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { AdherenceQuestion } from '../config/campaign-schema.ts';
import { type AdherenceScore, scoreAdherence } from './adherence-score.ts';
import { answerQuestions } from './judge-answers.ts';
import type { JudgeCallRecord } from './judge-call.ts';
import { judgeLabel } from './judge-call.ts';

/** What the manifest keeps of an image's adherence: every question, answer and P(yes). */
export interface AdherenceRecord extends AdherenceScore {
  /** The judge that answered, as `provider:modelId`. */
  readonly judge: string;
  /** USD the answers cost, when the provider's token prices are configured. */
  readonly costUsd: number | null;
  readonly call: JudgeCallRecord;
}

/**
 * Asks the judge an image's questions and scores the answers (dependency-aware share of yes,
 * mean P(yes) when known).
 *
 * @example
 * const adherence = await judgeImage(judge, { bytes, mediaType: 'image/png' }, questions);
 * adherence.score // 0.83
 */
export async function judgeImage(
  model: LanguageModelV3,
  image: { bytes: Uint8Array; mediaType: string },
  questions: readonly AdherenceQuestion[],
  signal?: AbortSignal,
): Promise<AdherenceRecord> {
  const { answers, call } = await answerQuestions(model, image, questions, signal);
  return {
    judge: judgeLabel(model),
    ...scoreAdherence(questions, answers),
    costUsd: call.costUsd ?? null,
    call,
  };
}

/** An adherence as a whole percentage, for messages: `0.8333` → `83%`. */
export function formatAdherence(score: number): string {
  return `${Math.round(score * 100)}%`;
}
