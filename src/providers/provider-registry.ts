import { isAbsolute, relative, resolve } from 'node:path';
import type { JSONValue } from '@ai-sdk/provider';
import type { ComfyuiSettings, ProviderSettings, ProvidersConfig } from '../config/campaign-schema.ts';
import type { ModelReference } from '../config/model-reference.ts';
import { AtelierError } from '../errors.ts';
import { type LockEntry, versionResolvedAtLock } from '../models/lock-entry.ts';
import type { ModelKind, ModelProvider } from '../models/model-registry.ts';
import { withMiddleware } from '../models/with-middleware.ts';
import { registerSecret } from '../util/redact-secrets.ts';
import { type AiSdkProviderDefinition, providerBaseURL } from './ai-sdk-providers.ts';
import { recordingFetch } from './call-recorder.ts';
import { ComfyuiClient, type ComfyuiProgress } from './comfyui/comfyui-client.ts';
import { ComfyuiImageModel } from './comfyui/comfyui-image-model.ts';
import { pinModelFiles } from './comfyui/comfyui-model-pins.ts';
import { comfyuiCapabilities, readWorkflowFile } from './comfyui/comfyui-workflow.ts';
import { languageResilienceMiddleware, type TokenPrice } from './language-resilience-middleware.ts';
import { capabilitiesOf } from './provider-capabilities.ts';
import { ProviderGate } from './provider-gate.ts';
import { type AttemptEvent, type ResponseInspector, resilienceMiddleware } from './resilience-middleware.ts';
import { defaultRetryPolicy, type RetryPolicy } from './retry-policy.ts';

export const defaultComfyuiBaseURL = 'http://127.0.0.1:8188';
/** ComfyUI renders on the user's own GPU: a queue can be long, so a call may take minutes. */
const comfyuiTimeoutMs = 600_000;

export interface ProviderRegistryOptions {
  /** The config's `providers` section. */
  readonly providers?: ProvidersConfig;
  /** Where relative paths in the config (ComfyUI workflows) are resolved. */
  readonly projectDirectory: string;
  /** Where keys are read from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** The fetch the provider packages use (default the global one). */
  readonly fetch?: typeof fetch;
  /** Told about every failed attempt before it is retried. */
  readonly onAttempt?: (event: AttemptEvent) => void;
  /** ComfyUI sampling progress from its websocket. */
  readonly onProgress?: (progress: ComfyuiProgress) => void;
}

/** The retry policy a provider's config section asks for. */
export function retryPolicyFor(
  settings: ProviderSettings | undefined,
  defaults: RetryPolicy = defaultRetryPolicy,
): RetryPolicy {
  const seconds = (value: number | undefined, fallback: number) =>
    value === undefined ? fallback : value * 1000;
  return {
    retries: settings?.retries ?? defaults.retries,
    baseDelayMs: seconds(settings?.retryBaseSeconds, defaults.baseDelayMs),
    maxDelayMs: seconds(settings?.maxRetryWaitSeconds, defaults.maxDelayMs),
    timeoutMs: seconds(settings?.timeoutSeconds, defaults.timeoutMs),
  };
}

/** The environment variable a provider's key is read from, and the key if it is set. */
export function providerKey(
  keyVariables: readonly string[],
  settings: ProviderSettings | undefined,
  env: NodeJS.ProcessEnv,
): { variable: string; value: string | undefined } {
  const candidates = settings?.apiKeyEnv ? [settings.apiKeyEnv] : keyVariables;
  const found = candidates.find((name) => env[name] !== undefined && env[name] !== '');
  return { variable: found ?? candidates[0]!, value: found ? env[found] : undefined };
}

function priceFor(settings: ProviderSettings | undefined, reference: ModelReference): number | undefined {
  const prices = settings?.prices;
  if (!prices) return undefined;
  return (
    (reference.version ? prices[`${reference.modelId}@${reference.version}`] : undefined) ??
    prices[reference.modelId]
  );
}

function tokenPriceFor(
  settings: ProviderSettings | undefined,
  reference: ModelReference,
): TokenPrice | undefined {
  return settings?.tokenPrices?.[reference.modelId];
}

function rejectVersion(reference: ModelReference, provider: string): void {
  if (reference.version) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `"${reference.raw}": ${provider} models have no @version; name a dated snapshot in the model id instead`,
    );
  }
}

/** The ModelProvider of one AI SDK provider package, configured from its `providers` section. */
export function aiSdkModelProvider(
  definition: AiSdkProviderDefinition,
  options: ProviderRegistryOptions,
): ModelProvider {
  const settings = options.providers?.[definition.name];
  const gate = new ProviderGate({
    concurrency: settings?.concurrency,
    requestsPerMinute: settings?.requestsPerMinute,
  });
  const fetch = recordingFetch(options.fetch);
  return {
    name: definition.name,
    async lock(reference): Promise<LockEntry> {
      if (!definition.versioned) rejectVersion(reference, definition.name);
      if (!reference.version && definition.latestVersion) {
        const { apiKey, baseURL } = connectionFor(reference);
        const version = await definition.latestVersion({ apiKey, baseURL, fetch }, reference.modelId);
        return {
          reference: reference.raw,
          provider: definition.name,
          modelId: reference.modelId,
          version,
          extra: { [versionResolvedAtLock]: 'latest version when locked' },
        };
      }
      return {
        reference: reference.raw,
        provider: definition.name,
        modelId: reference.modelId,
        ...(reference.version ? { version: reference.version } : {}),
      };
    },
    // What `create` would refuse (a version, a kind, a missing key), without loading the provider's package.
    check(reference, kind) {
      if (!definition.versioned) rejectVersion(reference, definition.name);
      if (kind === 'language' && !definition.createLanguageModel) throw noLanguageModels(reference);
      connectionFor(reference);
    },
    async create(reference, kind) {
      if (!definition.versioned) rejectVersion(reference, definition.name);
      if (kind === 'language') return createLanguageModel(reference);
      const { apiKey, baseURL, keyVariable } = connectionFor(reference);
      const inner = await definition.createModel(
        { apiKey, baseURL, fetch },
        definition.providerModelId(reference),
      );
      return withMiddleware(
        inner,
        resilienceMiddleware({
          capabilities: capabilitiesOf(definition.name, reference.modelId),
          gate,
          policy: retryPolicyFor(settings),
          inspect: definition.inspect,
          priceUsd: priceFor(settings, reference),
          keyVariable,
          onAttempt: options.onAttempt,
        }),
      );
    },
  };

  /** A vision-language model behind the same gate, retry policy and key as the provider's image models. */
  function noLanguageModels(reference: ModelReference) {
    return new AtelierError(
      'MODEL_UNAVAILABLE',
      `"${reference.raw}": ${definition.name} offers no vision-language model to Atelier: bind the judge to openai:, google: or openai-compatible:`,
    );
  }

  async function createLanguageModel(reference: ModelReference) {
    if (!definition.createLanguageModel) throw noLanguageModels(reference);
    const { apiKey, baseURL, keyVariable } = connectionFor(reference);
    const inner = await definition.createLanguageModel({ apiKey, baseURL, fetch }, reference.modelId);
    const { wrapLanguageModel } = await import('ai');
    return wrapLanguageModel({
      model: inner,
      middleware: languageResilienceMiddleware({
        label: `${definition.name}:${reference.modelId}`,
        provider: definition.name,
        gate,
        policy: retryPolicyFor(settings),
        tokenPrice: tokenPriceFor(settings, reference),
        keyVariable,
        onAttempt: options.onAttempt,
      }),
    });
  }

  /** The key (registered as a secret) and base URL a call or a lookup uses; no key, no call. */
  function connectionFor(reference: ModelReference) {
    const env = options.env ?? process.env;
    const key = providerKey(definition.keyVariables, settings, env);
    if (!key.value && definition.keyOptional) {
      return {
        apiKey: '',
        baseURL: providerBaseURL(definition, settings?.baseURL, env).url,
        keyVariable: undefined,
      };
    }
    if (!key.value) {
      throw new AtelierError(
        'MODEL_UNAVAILABLE',
        `${definition.name} needs an API key for "${reference.raw}": set ${key.variable} in the environment`,
      );
    }
    registerSecret(key.value);
    const baseURL = providerBaseURL(definition, settings?.baseURL, env).url;
    return { apiKey: key.value, baseURL, keyVariable: key.variable };
  }
}

/** The workflow file a `comfyui:<name>` reference renders with. */
export function comfyuiWorkflowPath(
  reference: Pick<ModelReference, 'modelId' | 'raw'>,
  settings: ComfyuiSettings | undefined,
  projectDirectory: string,
): string {
  const configured = settings?.workflows?.[reference.modelId];
  const path = configured ?? (reference.modelId.endsWith('.json') ? reference.modelId : undefined);
  if (!path) {
    const known = Object.keys(settings?.workflows ?? {});
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `"${reference.raw}": no ComfyUI workflow named "${reference.modelId}": expected one of providers.comfyui.workflows (${known.length > 0 ? known.join(', ') : 'none configured'}) or a path ending in .json`,
    );
  }
  return isAbsolute(path) ? path : resolve(projectDirectory, path);
}

const inspectComfyui: ResponseInspector = ({ result }) => {
  const first = (result?.providerMetadata?.comfyui?.images ?? [])[0] as Record<string, JSONValue> | undefined;
  if (!first) return {};
  const { promptId, seed, comfyuiVersion, workflowSha256, peakVramBytes } = first;
  return {
    provenance: Object.fromEntries(
      Object.entries({ promptId, seed, comfyuiVersion, workflowSha256, peakVramBytes }).filter(
        ([, value]) => value !== undefined,
      ),
    ) as Record<string, JSONValue>,
  };
};

/** The server's token, if the config names its variable; registered so it is never printed. */
function comfyuiToken(
  settings: ComfyuiSettings | undefined,
  options: ProviderRegistryOptions,
): string | undefined {
  const token = settings?.apiKeyEnv ? (options.env ?? process.env)[settings.apiKeyEnv] : undefined;
  registerSecret(token);
  return token;
}

/** The ModelProvider of a ComfyUI server, rendering the workflows the config names. */
export function comfyuiModelProvider(options: ProviderRegistryOptions): ModelProvider {
  const settings = options.providers?.comfyui;
  const gate = new ProviderGate({
    concurrency: settings?.concurrency ?? 1,
    requestsPerMinute: settings?.requestsPerMinute,
  });
  return {
    name: 'comfyui',
    async lock(reference): Promise<LockEntry> {
      rejectVersion(reference, 'comfyui');
      const path = comfyuiWorkflowPath(reference, settings, options.projectDirectory);
      const workflow = readWorkflowFile(path);
      const baseURL = settings?.baseURL ?? defaultComfyuiBaseURL;
      const client = new ComfyuiClient(baseURL, options.fetch, comfyuiToken(settings, options));
      // The server is asked for every model file the workflow loads: the lock pins contents.
      let files: string[];
      try {
        files = await pinModelFiles(client, workflow, settings?.modelHashes, AbortSignal.timeout(30_000));
      } catch (error) {
        if (AtelierError.isInstance(error)) throw error;
        throw new AtelierError(
          'MODEL_UNAVAILABLE',
          `"${reference.raw}": cannot pin the model files of ${workflow.path}: ComfyUI at ${baseURL} did not answer (${(error as Error).message})`,
        );
      }
      return {
        reference: reference.raw,
        provider: 'comfyui',
        modelId: reference.modelId,
        sha256: workflow.sha256,
        extra: { workflow: relative(options.projectDirectory, path), files },
      };
    },
    async create(reference, kind?: ModelKind) {
      rejectVersion(reference, 'comfyui');
      if (kind === 'language') {
        throw new AtelierError(
          'MODEL_UNAVAILABLE',
          `"${reference.raw}": ComfyUI workflows render images; bind the judge to openai:, google: or openai-compatible:`,
        );
      }
      const workflow = readWorkflowFile(comfyuiWorkflowPath(reference, settings, options.projectDirectory));
      const token = comfyuiToken(settings, options);
      const inner = new ComfyuiImageModel({
        baseURL: settings?.baseURL ?? defaultComfyuiBaseURL,
        name: reference.modelId,
        workflow,
        defaults: settings?.defaults,
        token,
        fetch: options.fetch,
        onProgress: options.onProgress,
        vramSampleMs: settings?.vramSampleMilliseconds,
      });
      return withMiddleware(
        inner,
        resilienceMiddleware({
          capabilities: comfyuiCapabilities(workflow, `comfyui:${reference.modelId}`),
          gate,
          policy: retryPolicyFor(settings, { ...defaultRetryPolicy, timeoutMs: comfyuiTimeoutMs }),
          inspect: inspectComfyui,
          priceUsd: priceFor(settings, reference),
          keyVariable: settings?.apiKeyEnv,
          onAttempt: options.onAttempt,
        }),
      );
    },
  };
}
