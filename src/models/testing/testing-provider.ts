import { appendFileSync } from 'node:fs';
import type { ImageModelV3 } from '@ai-sdk/provider';
import { AtelierError } from '../../errors.ts';
import type { ModelProvider } from '../model-registry.ts';
import { FixedLatencyModel } from './fixed-latency-model.ts';

/** One paid call as the testing provider logged it (a JSON line). */
export interface LoggedCall {
  pid: number;
  startedAt: number;
  finishedAt: number;
  seed: number | undefined;
  prompt: string | undefined;
}

/**
 * `testing:fixed-latency-<ms>ms`: the FixedLatencyModel, reachable by reference so worker
 * processes can resolve it. Registered only when ATELIER_TESTING_PROVIDER=1. When
 * ATELIER_TESTING_CALL_LOG names a file, every completed call appends a line there: a count of
 * paid calls that survives the processes that made them (O_APPEND lines do not interleave).
 */
export const testingProvider: ModelProvider = {
  name: 'testing',
  async lock(reference) {
    latencyOf(reference.modelId);
    return { reference: reference.raw, provider: 'testing', modelId: reference.modelId, version: '1' };
  },
  create(reference) {
    const model = new FixedLatencyModel(latencyOf(reference.modelId), reference.modelId);
    const log = process.env.ATELIER_TESTING_CALL_LOG;
    return log ? loggingCalls(model, log) : model;
  },
};

function latencyOf(modelId: string): number {
  const match = /^fixed-latency-(\d+)ms$/.exec(modelId);
  if (!match)
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `Expected a testing model like "fixed-latency-200ms" but received "${modelId}"`,
    );
  return Number(match[1]);
}

function loggingCalls(model: ImageModelV3, path: string): ImageModelV3 {
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    maxImagesPerCall: model.maxImagesPerCall,
    async doGenerate(options) {
      const startedAt = Date.now();
      const result = await model.doGenerate(options);
      const call: LoggedCall = {
        pid: process.pid,
        startedAt,
        finishedAt: Date.now(),
        seed: options.seed,
        prompt: options.prompt,
      };
      appendFileSync(path, `${JSON.stringify(call)}\n`);
      return result;
    },
  };
}
