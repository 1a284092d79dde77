import type { Campaign, Shot } from '../config/campaign-schema.ts';
import { generateQuestions, questionFormatVersion } from '../judge/judge-questions.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { isLanguageModel } from '../models/ocr-model.ts';
import type { BoundModel } from '../stages/stage.ts';
import { hashOf } from '../util/canonical-json.ts';

/** The role whose model judges prompt adherence. */
export const judgeRole = 'judge';

/**
 * The campaign with every shot's adherence questions filled in, when a judge is bound: a shot's
 * own `questions` win; otherwise the judge writes them once per (prompt, judge lock) and the
 * ledger keeps them, so a re-run (or another run of the same prompt) asks for none. Without a
 * judge the campaign is returned as it is.
 */
export async function withAdherenceQuestions(
  campaign: Campaign,
  judge: BoundModel | undefined,
  ledger: Ledger,
  signal?: AbortSignal,
): Promise<{ campaign: Campaign; costUsd: number }> {
  if (!judge || !isLanguageModel(judge.instance)) return { campaign, costUsd: 0 };
  const model = judge.instance;
  let costUsd = 0;
  const byPrompt = new Map<string, Promise<Shot['questions']>>();
  const questionsFor = (prompt: string) => {
    const key = hashOf({ questionFormatVersion, prompt, judge: judge.lock });
    const stored = ledger.judgeQuestions(key);
    if (stored) return Promise.resolve(stored.questions as Shot['questions']);
    return generateQuestions(model, prompt, signal).then(({ questions, call }) => {
      costUsd += call.costUsd ?? 0;
      ledger.storeJudgeQuestions({ key, prompt, judge: judge.lock.reference, questions });
      return questions;
    });
  };
  const shots: Shot[] = [];
  for (const shot of campaign.shots) {
    if (shot.questions) {
      shots.push(shot);
      continue;
    }
    if (!byPrompt.has(shot.prompt)) byPrompt.set(shot.prompt, questionsFor(shot.prompt));
    shots.push({ ...shot, questions: await byPrompt.get(shot.prompt)! });
  }
  return { campaign: { ...campaign, shots }, costUsd };
}
