import type { Campaign, Shot } from '../config/campaign-schema.ts';
import { generateQuestions, questionFormatVersion } from '../judge/judge-questions.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { isLanguageModel } from '../models/role-model.ts';
import type { BoundModel } from '../stages/stage.ts';
import { hashOf } from '../util/canonical-json.ts';

/** The role whose model judges prompt adherence. */
export const judgeRole = 'judge';
/** The role of an optional, separate model that writes the questions (the judge does otherwise). */
export const questionsRole = 'questions';

/**
 * The model that writes a run's adherence questions: the `questions` model when one is bound,
 * else the judge; none without a judge (nothing is measured then).
 */
export async function questionWriter(models: {
  has(role: string): boolean;
  get(role: string): Promise<BoundModel | undefined>;
}): Promise<BoundModel | undefined> {
  if (!models.has(judgeRole)) return undefined;
  return (await models.get(questionsRole)) ?? (await models.get(judgeRole));
}

/** A campaign with its questions, and what writing them took. */
export interface WrittenQuestions {
  readonly campaign: Campaign;
  /** USD of the question calls made now (unpriced calls count 0: see `unpriced`). */
  readonly costUsd: number;
  /** Distinct prompts that needed questions (shots listing their own need none). */
  readonly prompts: number;
  /** Of those, the ones the writer was asked about now (the rest came from the ledger). */
  readonly written: number;
  /** Calls made without a configured token price. */
  readonly unpriced: number;
}

/**
 * The campaign with every shot's adherence questions filled in, when a judge is bound: a shot's
 * own `questions` win; otherwise the writer (see `questionWriter`) writes them once per
 * (prompt, writer lock) and the ledger keeps them, so a re-run (or another run of the same prompt) asks for none. Without a
 * judge the campaign is returned as it is.
 */
export async function withAdherenceQuestions(
  campaign: Campaign,
  writer: BoundModel | undefined,
  ledger: Ledger,
  signal?: AbortSignal,
): Promise<WrittenQuestions> {
  if (!writer || !isLanguageModel(writer.instance)) {
    return { campaign, costUsd: 0, prompts: 0, written: 0, unpriced: 0 };
  }
  const model = writer.instance;
  let costUsd = 0;
  let asked = 0;
  let unpriced = 0;
  const byPrompt = new Map<string, Promise<Shot['questions']>>();
  const questionsFor = (prompt: string) => {
    const key = hashOf({ questionFormatVersion, prompt, judge: writer.lock });
    const stored = ledger.judgeQuestions(key);
    if (stored) return Promise.resolve(stored.questions as Shot['questions']);
    return generateQuestions(model, prompt, signal).then(({ questions, call }) => {
      asked++;
      if (call.costUsd === undefined || call.costUsd === null) unpriced++;
      costUsd += call.costUsd ?? 0;
      ledger.storeJudgeQuestions({ key, prompt, judge: writer.lock.reference, questions });
      return questions;
    });
  };
  // Distinct prompts are asked for at once; shots sharing a prompt share its questions.
  for (const shot of campaign.shots) {
    if (!shot.questions && !byPrompt.has(shot.prompt)) byPrompt.set(shot.prompt, questionsFor(shot.prompt));
  }
  const written = new Map(
    await Promise.all([...byPrompt].map(async ([prompt, questions]) => [prompt, await questions] as const)),
  );
  const shots = campaign.shots.map((shot) =>
    shot.questions ? shot : { ...shot, questions: written.get(shot.prompt) },
  );
  return { campaign: { ...campaign, shots }, costUsd, prompts: byPrompt.size, written: asked, unpriced };
}
