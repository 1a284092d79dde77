import type { ImageModelV3 } from '@ai-sdk/provider';
import { generateImage } from 'ai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireModelReference } from '../config/model-reference.ts';
import { AtelierError } from '../errors.ts';
import type { ModelProvider } from './model-registry.ts';
import { isOcrModel } from './ocr-model.ts';
import { disposeModel, isImageModel } from './role-model.ts';

/** One model a provider serves, and how to call it once. */
export interface ContractModel {
  /** e.g. `builtin:draft`, `openai:gpt-image-1` */
  readonly reference: string;
  /** What `create` returns: an AI SDK image model, or a text recogniser (OcrModelV1). */
  readonly kind: 'image' | 'ocr';
  /**
   * One `generateImage` call (everything but the model) and the size of the image it must
   * answer with. Absent: the contract only locks and creates the model.
   */
  readonly generate?: {
    readonly options: Omit<Parameters<typeof generateImage>[0], 'model'>;
    readonly width: number;
    readonly height: number;
  };
}

/**
 * A provider under the contract: what it serves and what it can refuse, declared up front, and
 * how to set it up (against its fake, for remote ones).
 */
export interface ModelProviderCase {
  readonly models: readonly ContractModel[];
  /**
   * A well-formed reference to a model the provider can tell it does not have, without
   * calling anyone. Absent where it cannot (a remote provider learns it on the first call).
   */
  readonly unknownReference?: string;
  /** A reference whose `@version` the provider can tell is wrong; absent where it cannot. */
  readonly badVersionReference?: string;
  setUp(): Promise<{ provider: ModelProvider; cleanup(): Promise<void> }>;
}

async function rejectionOf(call: () => Promise<unknown>): Promise<unknown> {
  let pending: Promise<unknown>;
  try {
    pending = call();
  } catch (error) {
    throw new Error(`lock threw synchronously instead of rejecting: ${String(error)}`);
  }
  try {
    await pending;
  } catch (error) {
    return error;
  }
  throw new Error('expected lock to reject');
}

function expectUnavailable(error: unknown, reference: string): void {
  expect(AtelierError.isInstance(error), String(error)).toBe(true);
  expect((error as AtelierError).code).toBe('MODEL_UNAVAILABLE');
  expect((error as AtelierError).message).toContain(reference);
}

/** Counts the calls that reach the model. */
function counting(model: ImageModelV3): { model: ImageModelV3; calls: () => number } {
  let calls = 0;
  return {
    model: {
      specificationVersion: model.specificationVersion,
      provider: model.provider,
      modelId: model.modelId,
      maxImagesPerCall: model.maxImagesPerCall,
      doGenerate: (options) => {
        calls++;
        return model.doGenerate(options);
      },
    },
    calls: () => calls,
  };
}

/**
 * The promises of the ModelProvider interface, run against one provider: lock entries that
 * name the reference and stay the same from call to call, MODEL_UNAVAILABLE naming the
 * reference for a model or version the provider knows it lacks, `create` giving an AI SDK
 * ImageModelV3 (or an OcrModelV1) that answers one `generateImage` call with an image of the
 * requested size. Call it from a test file once per provider.
 *
 * @example describeModelProviderContract('builtin', { models: [{ reference: 'builtin:draft', kind: 'image' }], setUp: ... });
 */
export function describeModelProviderContract(name: string, providerCase: ModelProviderCase): void {
  describe(`ModelProvider contract: ${name}`, () => {
    let provider: ModelProvider;
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ provider, cleanup } = await providerCase.setUp());
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it('declares at least one model', () => {
      expect(providerCase.models.length).toBeGreaterThan(0);
    });

    describe.each(providerCase.models)('$reference', ({ reference: raw, kind, generate }) => {
      const reference = requireModelReference(raw);

      it('is named under this provider', () => {
        expect(reference.provider).toBe(provider.name);
      });

      it('locks to an entry naming its reference, provider and model id, the same each time', async () => {
        const lock = await provider.lock(reference);
        expect(lock).toMatchObject({ reference: raw, provider: provider.name, modelId: reference.modelId });
        const again = await provider.lock(reference);
        expect(JSON.stringify(again)).toBe(JSON.stringify(lock));
        expect(JSON.parse(JSON.stringify(lock))).toEqual(lock);
      });

      it(`creates ${kind === 'image' ? 'an ImageModelV3' : 'an OcrModelV1'} with its provider and model id`, async () => {
        const model = await provider.create(reference);
        try {
          if (kind === 'image') {
            expect(isImageModel(model)).toBe(true);
            expect(typeof (model as ImageModelV3).doGenerate).toBe('function');
          } else {
            expect(isOcrModel(model)).toBe(true);
            expect(typeof (model as { doRecognize?: unknown }).doRecognize).toBe('function');
          }
          // The AI SDK's convention: the provider's name, alone or followed by the model family.
          expect(model.provider).toMatch(new RegExp(`^${provider.name}(\\.|$)`));
          expect(model.modelId).toBe(reference.modelId);
        } finally {
          await disposeModel(model);
        }
      });

      if (generate) {
        it(`answers one generateImage call with one ${generate.width}x${generate.height} image`, async () => {
          const created = await provider.create(reference);
          if (!isImageModel(created)) throw new Error(`${raw} is not an image model`);
          const { model, calls } = counting(created);
          try {
            const result = await generateImage({ ...generate.options, model } as Parameters<
              typeof generateImage
            >[0]);
            expect(calls()).toBe(1);
            expect(result.images).toHaveLength(1);
            const { width, height } = await sharp(result.image.uint8Array).metadata();
            expect({ width, height }).toEqual({ width: generate.width, height: generate.height });
          } finally {
            await disposeModel(created);
          }
        });
      }
    });

    const refusals = [
      ['a model it does not have', providerCase.unknownReference],
      ['a bad @version', providerCase.badVersionReference],
    ] as const;
    for (const [what, raw] of refusals) {
      const title = raw ? `(${raw})` : '(skipped: the provider cannot tell before calling)';
      it.runIf(raw)(`refuses ${what} ${title} with MODEL_UNAVAILABLE naming the reference`, async () => {
        const reference = requireModelReference(raw!);
        expectUnavailable(await rejectionOf(() => provider.lock(reference)), raw!);
        expectUnavailable(await rejectionOf(() => provider.create(reference)), raw!);
      });
    }
  });
}
