import type { LanguageModelV3 } from '@ai-sdk/provider';
import { z } from 'zod';
import type { AdherenceQuestion } from '../config/campaign-schema.ts';
import { AtelierError } from '../errors.ts';
import type { JudgeAnswer } from './adherence-score.ts';
import { answerProbabilities, logprobsOf } from './answer-logprobs.ts';
import {
  callRecordOf,
  type JudgeCallRecord,
  judgeFailure,
  judgeLabel,
  logprobOptions,
} from './judge-call.ts';

const instructions = `You check an image against yes/no questions. Look only at the image. For each question answer "yes" only if the image clearly shows it, otherwise "no". Answer every question, by its id, in the order given.`;

const answersSchema = z.object({
  answers: z.array(z.object({ id: z.string(), answer: z.enum(['yes', 'no']) })),
});

export interface JudgedAnswers {
  readonly answers: JudgeAnswer[];
  readonly call: JudgeCallRecord;
}

/**
 * Asks the judge every question about one image in one call (the image as a content part,
 * the answers as structured output), with P(yes) per answer when the provider returns token
 * log-probabilities.
 *
 * @example
 * const { answers } = await answerQuestions(judge, { bytes, mediaType: 'image/png' }, questions);
 * answers[0] // { id: 'tulips', answer: 'yes', pYes: 0.97 }
 */
export async function answerQuestions(
  model: LanguageModelV3,
  image: { bytes: Uint8Array; mediaType: string },
  questions: readonly AdherenceQuestion[],
  signal?: AbortSignal,
): Promise<JudgedAnswers> {
  const listed = questions.map((question) => `${question.id}: ${question.question}`).join('\n');
  const { generateText, Output } = await import('ai');
  const result = await generateText({
    model,
    system: instructions,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: `Questions:\n${listed}` },
          { type: 'image', image: image.bytes, mediaType: image.mediaType },
        ],
      },
    ],
    output: Output.object({ schema: answersSchema, name: 'adherence_answers' }),
    temperature: 0,
    maxRetries: 0,
    providerOptions: logprobOptions,
    abortSignal: signal,
  }).catch(async (error: unknown) => {
    throw await judgeFailure(model, 'the questions', error);
  });
  const given = result.output.answers;
  const probabilities = (() => {
    const tokens = logprobsOf(result.providerMetadata as never);
    return tokens ? answerProbabilities(tokens) : [];
  })();
  const byId = new Map<string, JudgeAnswer>();
  given.forEach((answer, index) => {
    const pYes = probabilities.length === given.length ? probabilities[index] : undefined;
    if (!byId.has(answer.id)) {
      byId.set(answer.id, {
        id: answer.id,
        answer: answer.answer,
        ...(pYes !== undefined ? { pYes: round(pYes) } : {}),
      });
    }
  });
  const missing = questions.filter((question) => !byId.has(question.id)).map((question) => question.id);
  if (missing.length > 0) {
    throw new AtelierError(
      'PROVIDER_FAILED',
      `${judgeLabel(model)} answered ${questions.length - missing.length} of ${questions.length} questions (none for ${missing.join(', ')})`,
    );
  }
  return {
    answers: questions.map((question) => byId.get(question.id)!),
    call: callRecordOf(result.providerMetadata as never),
  };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
