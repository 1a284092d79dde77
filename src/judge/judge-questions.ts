import type { LanguageModelV3 } from '@ai-sdk/provider';
import { z } from 'zod';
import { type AdherenceQuestion, questionCategories } from '../config/campaign-schema.ts';
import { callRecordOf, type JudgeCallRecord, judgeFailure } from './judge-call.ts';

/** Bumped when how questions are asked changes, so stored questions are written anew. */
export const questionFormatVersion = 1;

const instructions = `You turn an image-generation prompt into the atomic yes/no questions a viewer would ask to check an image against it (TIFA, Davidsonian Scene Graph).
Rules:
- One fact per question, answerable by looking at the image alone, phrased so that "yes" means the prompt was followed.
- category: entity (a thing is present), attribute (colour, material, state of a thing), count (how many), spatial (where things stand relative to each other or the frame), text (lettering shown), style (medium, lighting, mood, composition).
- dependsOn: the ids of the questions this one presupposes (a question about the tulips' colour depends on the question whether there are tulips). Only ids of questions listed before it.
- ids: short lower-case words or numbers, unique.
- Cover every entity, attribute, count, relation, text and style the prompt asks for; add nothing it does not.`;

const generatedSchema = z.object({
  questions: z
    .array(
      z.object({
        id: z.string(),
        question: z.string(),
        category: z.enum(questionCategories),
        dependsOn: z.array(z.string()),
      }),
    )
    .min(1),
});

export interface GeneratedQuestions {
  readonly questions: AdherenceQuestion[];
  readonly call: JudgeCallRecord;
}

/**
 * Decomposes a prompt into atomic yes/no questions with categories and dependencies, asked of
 * the judge model with structured output. Dependencies on unknown or later ids are dropped (a
 * cycle could otherwise zero every question), and duplicate ids are renumbered.
 *
 * @example
 * const { questions } = await generateQuestions(judge, 'three red tulips in a blue vase');
 * questions[1] // { id: 'red', question: 'Are the tulips red?', category: 'attribute', dependsOn: ['tulips'] }
 */
export async function generateQuestions(
  model: LanguageModelV3,
  prompt: string,
  signal?: AbortSignal,
): Promise<GeneratedQuestions> {
  // The AI SDK loads with the first call to a judge (commands and cached runs call none).
  const { generateText, Output } = await import('ai');
  try {
    const result = await generateText({
      model,
      system: instructions,
      prompt: `Prompt: ${JSON.stringify(prompt)}`,
      output: Output.object({ schema: generatedSchema, name: 'adherence_questions' }),
      temperature: 0,
      // The resilience middleware under the model retries by fault class.
      maxRetries: 0,
      abortSignal: signal,
    });
    return {
      questions: wellFormed(result.output.questions),
      call: callRecordOf(result.providerMetadata as never),
    };
  } catch (error) {
    throw await judgeFailure(model, 'with questions', error);
  }
}

function wellFormed(questions: z.infer<typeof generatedSchema>['questions']): AdherenceQuestion[] {
  const seen = new Set<string>();
  return questions.map((question, index) => {
    const cleaned = question.id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32);
    const id = cleaned && !seen.has(cleaned) ? cleaned : `q${index + 1}`;
    const dependsOn = [...new Set(question.dependsOn)].filter((parent) => seen.has(parent));
    seen.add(id);
    return { id, question: question.question.trim(), category: question.category, dependsOn };
  });
}
