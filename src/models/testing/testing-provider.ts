import { appendFileSync } from 'node:fs';
import type { ImageModelV3Middleware } from '@ai-sdk/provider';
import { AtelierError } from '../../errors.ts';
import type { ModelProvider } from '../model-registry.ts';
import { withMiddleware } from '../with-middleware.ts';
import { FixedLatencyModel } from './fixed-latency-model.ts';

/** One paid call as the testing provider logged it (a JSON line). */
export interface LoggedCall {
  /** `start` when the call reaches the provider, `paid` when its result was delivered. */
  phase: 'start' | 'paid';
  pid: number;
  at: number;
  seed: number | undefined;
  prompt: string | undefined;
}

/**
 * `testing:fixed-latency-<ms>ms`: the FixedLatencyModel, reachable by reference so worker
 * processes can resolve it. Registered only when ATELIER_TESTING_PROVIDER=1. When
 * ATELIER_TESTING_CALL_LOG names a file, every call appends a line there when it starts and when
 * it is paid (completed): a record that survives the processes that made the calls (small
 * O_APPEND writes do not interleave).
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
    return log ? withMiddleware(model, callLogMiddleware(log)) : model;
  },
};

/** The testing provider is registered only in processes started with ATELIER_TESTING_PROVIDER=1. */
export function testingProviderEnabled(): boolean {
  return process.env.ATELIER_TESTING_PROVIDER === '1';
}

function latencyOf(modelId: string): number {
  const match = /^fixed-latency-(\d+)ms$/.exec(modelId);
  if (!match)
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `Expected a testing model like "fixed-latency-200ms" but received "${modelId}"`,
    );
  return Number(match[1]);
}

/** Image-model middleware that appends a line to `path` when a call starts and when it is paid. */
function callLogMiddleware(path: string): ImageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, params }) => {
      const log = (phase: LoggedCall['phase']) => {
        const call: LoggedCall = {
          phase,
          pid: process.pid,
          at: Date.now(),
          seed: params.seed,
          prompt: params.prompt,
        };
        appendFileSync(path, `${JSON.stringify(call)}\n`);
      };
      log('start');
      const result = await doGenerate();
      log('paid');
      return result;
    },
  };
}
