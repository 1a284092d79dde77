import type { AdherenceQuestion, QuestionCategory } from '../config/campaign-schema.ts';

/** The judge's answer to one question about one image. */
export interface JudgeAnswer {
  readonly id: string;
  readonly answer: 'yes' | 'no';
  /** P(yes) from the answer token's log-probabilities, when the provider returns them. */
  readonly pYes?: number;
}

/** One question as scored: what the judge said, and what counted after its dependencies. */
export interface ScoredQuestion extends AdherenceQuestion {
  readonly answer: 'yes' | 'no';
  readonly pYes?: number;
  /** Yes only when the judge said yes and every question it depends on counted yes. */
  readonly counted: 'yes' | 'no';
  /** The first question it depends on that counted no (why a yes counted no). */
  readonly zeroedBy?: string;
}

export interface AdherenceScore {
  /** Share of questions counted yes, 0..1. */
  readonly score: number;
  /** Mean P(yes) over the questions (VQAScore-style), when every answer carried one. */
  readonly meanPYes?: number;
  readonly questions: ScoredQuestion[];
  /** Counted yes out of asked, per category. */
  readonly categories: Partial<Record<QuestionCategory, { yes: number; total: number }>>;
}

/**
 * Davidsonian Scene Graph scoring: a question counts yes only when the judge said yes and every
 * question it presupposes counted yes, so "are the tulips red?" cannot score when the judge saw
 * no tulips. The image's adherence is the share counted yes (TIFA's accuracy).
 *
 * @example
 * scoreAdherence(
 *   [{ id: 'tulips', question: 'Are there tulips?', category: 'entity', dependsOn: [] },
 *    { id: 'red', question: 'Are the tulips red?', category: 'attribute', dependsOn: ['tulips'] }],
 *   [{ id: 'tulips', answer: 'no' }, { id: 'red', answer: 'yes' }],
 * ).score // 0
 */
export function scoreAdherence(
  questions: readonly AdherenceQuestion[],
  answers: readonly JudgeAnswer[],
): AdherenceScore {
  const byId = new Map(answers.map((answer) => [answer.id, answer]));
  const counted = new Map<string, ScoredQuestion>();
  // Dependencies name questions listed earlier, so one pass in order sees every parent scored.
  for (const question of questions) {
    const answer = byId.get(question.id);
    if (!answer) throw new Error(`no answer to question "${question.id}"`);
    const zeroedBy = question.dependsOn.find((parent) => counted.get(parent)?.counted !== 'yes');
    counted.set(question.id, {
      ...question,
      answer: answer.answer,
      ...(answer.pYes !== undefined ? { pYes: answer.pYes } : {}),
      counted: answer.answer === 'yes' && zeroedBy === undefined ? 'yes' : 'no',
      ...(answer.answer === 'yes' && zeroedBy !== undefined ? { zeroedBy } : {}),
    });
  }
  const scored = [...counted.values()];
  const categories: AdherenceScore['categories'] = {};
  for (const question of scored) {
    const tally = categories[question.category] ?? { yes: 0, total: 0 };
    categories[question.category] = tally;
    tally.total++;
    if (question.counted === 'yes') tally.yes++;
  }
  const yes = scored.filter((question) => question.counted === 'yes').length;
  const probabilities = scored.map((question) => question.pYes);
  const allKnown = probabilities.length > 0 && probabilities.every((p) => p !== undefined);
  return {
    score: scored.length > 0 ? yes / scored.length : 0,
    ...(allKnown
      ? { meanPYes: (probabilities as number[]).reduce((sum, p) => sum + p, 0) / probabilities.length }
      : {}),
    questions: scored,
    categories,
  };
}
