import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImageModelV3Middleware } from '@ai-sdk/provider';
import { AtelierError } from '../../src/errors.ts';
import type { ModelProvider } from '../../src/models/model-registry.ts';
import { withMiddleware } from '../../src/models/with-middleware.ts';
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
 * processes can resolve it: child processes load it through ATELIER_EXTRA_PROVIDERS
 * (`testingProviderEnv`), in-process tests put it in their registry. When
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
  async create(reference) {
    const model = new FixedLatencyModel(latencyOf(reference.modelId), reference.modelId);
    const log = process.env.ATELIER_TESTING_CALL_LOG;
    return log ? withMiddleware(model, callLogMiddleware(log)) : model;
  },
};

/** Read by the wiring module in processes started with `testingProviderEnv()`. */
export const modelProviders = [testingProvider];

/** The environment that makes a child process (worker, CLI) resolve `testing:*` references. */
export function testingProviderEnv(): Record<string, string> {
  return { ATELIER_EXTRA_PROVIDERS: fileURLToPath(import.meta.url) };
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
