import type { MetadataExtractor } from '@ai-sdk/openai-compatible';
import type { ImageModelV3, JSONValue, LanguageModelV3 } from '@ai-sdk/provider';
import type { ModelReference } from '../config/model-reference.ts';
import { AtelierError } from '../errors.ts';
import { looksLikeRefusal } from './provider-failure.ts';
import type { CallInspection, ReadExchange, ResponseInspector } from './resilience-middleware.ts';

export interface ProviderConnection {
  /** Empty for a local server that takes none (`keyOptional`). */
  readonly apiKey: string;
  readonly baseURL: string;
  readonly fetch: typeof fetch;
}

/**
 * The base URL a provider is reached at, and why: the config's `baseURL`, else the first of the
 * provider's base-URL variables that is set, else its public endpoint.
 *
 * @example providerBaseURL(openai, undefined, { OPENAI_BASE_URL: 'http://proxy/v1' }) // { url: 'http://proxy/v1', source: 'OPENAI_BASE_URL' }
 */
export function providerBaseURL(
  definition: Pick<AiSdkProviderDefinition, 'defaultBaseURL' | 'baseURLVariables'>,
  configured: string | undefined,
  env: NodeJS.ProcessEnv,
): { url: string; source: string } {
  if (configured) return { url: configured, source: 'config' };
  const variable = definition.baseURLVariables.find((name) => env[name] !== undefined && env[name] !== '');
  if (variable) return { url: env[variable]!.replace(/\/+$/, ''), source: variable };
  return { url: definition.defaultBaseURL, source: 'default' };
}

/** One AI SDK provider package as Atelier uses it. */
export interface AiSdkProviderDefinition {
  /** The provider name in model references (`openai:dall-e-3`) and under `providers`. */
  readonly name: string;
  /** The environment variables the package documents for its key, in the order it reads them. */
  readonly keyVariables: readonly string[];
  readonly defaultBaseURL: string;
  /**
   * Environment variables the provider's own clients read a base URL from (proxies, gateways):
   * used when the config names none. The config's `baseURL` wins over them.
   */
  readonly baseURLVariables: readonly string[];
  /** Whether `@version` in a reference means something to this provider. */
  readonly versioned: boolean;
  /** A local server (Ollama, LM Studio, vLLM) may take no key: a call is made without one. */
  readonly keyOptional?: boolean;
  /** The package's model id for a reference (Replicate pins versions as `owner/model:version`). */
  providerModelId(reference: ModelReference): string;
  /** Loads the provider's client package on first use (no command pays for a provider it does not call). */
  createModel(connection: ProviderConnection, modelId: string): Promise<ImageModelV3>;
  /**
   * The package's chat model, for roles reached through the language-model interface (the
   * vision-language `judge`); absent when the provider has none Atelier can use.
   */
  createLanguageModel?(connection: ProviderConnection, modelId: string): Promise<LanguageModelV3>;
  readonly inspect: ResponseInspector;
  /**
   * The model's current version id, for a versioned provider: what `atelier lock` pins an
   * unpinned reference to.
   */
  latestVersion?(connection: ProviderConnection, modelId: string, signal?: AbortSignal): Promise<string>;
}

/** Replicate's model endpoint (`GET /v1/models/{owner}/{name}`) reports `latest_version.id`. */
async function latestReplicateVersion(
  { apiKey, baseURL, fetch }: ProviderConnection,
  modelId: string,
  signal?: AbortSignal,
): Promise<string> {
  const url = `${baseURL}/models/${modelId}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: signal ?? AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `replicate:${modelId}: could not ask Replicate for its latest version (${(error as Error).message}): pin one as replicate:${modelId}@<version id>`,
    );
  }
  const body = record(await response.json().catch(() => undefined));
  const version = record(body?.latest_version)?.id;
  if (!response.ok || typeof version !== 'string') {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `replicate:${modelId}: Replicate ${response.ok ? 'reports no latest version' : `answered HTTP ${response.status}`} for ${url}: pin one as replicate:${modelId}@<version id>`,
    );
  }
  return version;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function compact(entries: Record<string, JSONValue | undefined>): Record<string, JSONValue> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Record<
    string,
    JSONValue
  >;
}

function firstHeader(exchanges: readonly ReadExchange[], name: string): string | undefined {
  return exchanges.find((exchange) => exchange.headers[name] !== undefined)?.headers[name];
}

const inspectOpenai: ResponseInspector = ({ exchanges, result }) => {
  const images = (result?.providerMetadata?.openai?.images ?? []) as Array<Record<string, JSONValue>>;
  const revised = images.map((image) => image.revisedPrompt).filter((prompt) => typeof prompt === 'string');
  return {
    provenance: compact({
      revisedPrompt: revised[0],
      requestId: firstHeader(exchanges, 'x-request-id'),
      size: images[0]?.size,
      quality: images[0]?.quality,
    }),
  };
};

const inspectGoogle: ResponseInspector = ({ exchanges }) => {
  const predictions = exchanges
    .flatMap((exchange) => (record(exchange.json)?.predictions as unknown[] | undefined) ?? [])
    .map(record);
  const filtered = predictions
    .map((prediction) => prediction?.raiFilteredReason)
    .filter((reason) => typeof reason === 'string');
  const images = predictions.filter((prediction) => typeof prediction?.bytesBase64Encoded === 'string');
  if (filtered.length > 0 && images.length === 0) return { refusal: filtered.join('; ') };
  return { provenance: compact({ filteredImages: filtered.length > 0 ? filtered.length : undefined }) };
};

const inspectFal: ResponseInspector = ({ exchanges }) => {
  for (const exchange of exchanges) {
    const detail = record(exchange.json)?.detail;
    if (Array.isArray(detail)) {
      const refused = detail.map(record).find((item) => item?.type === 'content_policy_violation');
      if (refused) return { refusal: String(refused.msg ?? 'content policy violation') };
    }
  }
  const body = exchanges
    .map((exchange) => record(exchange.json))
    .find((json) => json && ('images' in json || 'image' in json));
  if (!body) return {};
  const flags = (body.has_nsfw_concepts ?? body.nsfw_content_detected) as unknown;
  if (Array.isArray(flags) && flags.length > 0 && flags.every((flag) => flag === true)) {
    return { refusal: "fal's safety checker flagged the image as NSFW and blanked it" };
  }
  const timings = record(body.timings);
  return {
    provenance: compact({
      seed: typeof body.seed === 'number' ? body.seed : undefined,
      inferenceSeconds: typeof timings?.inference === 'number' ? timings.inference : undefined,
      requestId: firstHeader(exchanges, 'x-fal-request-id') ?? firstHeader(exchanges, 'x-request-id'),
    }),
  };
};

const inspectReplicate: ResponseInspector = ({ exchanges }) => {
  const prediction = exchanges
    .filter((exchange) => exchange.method === 'POST')
    .map((exchange) => record(exchange.json))
    .find((json) => json && typeof json.status === 'string');
  if (!prediction) return {};
  const status = String(prediction.status);
  const error = typeof prediction.error === 'string' ? prediction.error : undefined;
  if (status === 'failed' || status === 'canceled') {
    const message = `prediction ${status}${error ? `: ${error}` : ''}`;
    return looksLikeRefusal(message) ? { refusal: message } : { failure: message };
  }
  if (status !== 'succeeded' && prediction.output == null) {
    // Retrying would start (and pay for) a second prediction while the first still runs.
    return {
      failure: `prediction ${String(prediction.id)} was still "${status}" when the synchronous wait ended; raise providerOptions.replicate.maxWaitTimeInSeconds`,
    };
  }
  const logs = typeof prediction.logs === 'string' ? prediction.logs : '';
  const seed = /seed\D{0,3}(\d+)/i.exec(logs)?.[1];
  const metrics = record(prediction.metrics);
  const provenance = compact({
    predictionId: typeof prediction.id === 'string' ? prediction.id : undefined,
    version: typeof prediction.version === 'string' ? prediction.version : undefined,
    model: typeof prediction.model === 'string' ? prediction.model : undefined,
    seed: seed !== undefined ? Number(seed) : undefined,
    predictSeconds: typeof metrics?.predict_time === 'number' ? metrics.predict_time : undefined,
  });
  return { provenance } satisfies CallInspection;
};

/**
 * OpenAI-compatible servers answer `logprobs` as OpenAI does (`choices[0].logprobs.content`), but
 * the package passes on none of it: this puts it where the OpenAI package puts its own, under
 * the provider's metadata key.
 */
const compatibleLogprobs: MetadataExtractor = {
  extractMetadata: async ({ parsedBody }) => {
    const choice = record((record(parsedBody)?.choices as unknown[] | undefined)?.[0]);
    const content = record(choice?.logprobs)?.content;
    return Array.isArray(content) ? { openaiCompatible: { logprobs: content as JSONValue[] } } : undefined;
  },
  createStreamExtractor: () => ({ processChunk: () => {}, buildMetadata: () => undefined }),
};

/** The AI SDK provider packages Atelier reaches. A new one is an entry here (plus its package and a fake). */
export const aiSdkProviders: readonly AiSdkProviderDefinition[] = [
  {
    name: 'openai',
    keyVariables: ['OPENAI_API_KEY'],
    defaultBaseURL: 'https://api.openai.com/v1',
    baseURLVariables: ['OPENAI_BASE_URL'],
    versioned: false,
    providerModelId: (reference) => reference.modelId,
    createModel: async (connection, modelId) => (await openaiProvider(connection)).image(modelId),
    // Chat Completions, not Responses: it returns token log-probabilities with the answer.
    createLanguageModel: async (connection, modelId) => (await openaiProvider(connection)).chat(modelId),
    inspect: inspectOpenai,
  },
  {
    name: 'openai-compatible',
    keyVariables: ['OPENAI_COMPATIBLE_API_KEY'],
    // Ollama's OpenAI-compatible endpoint; LM Studio (:1234/v1) and vLLM (:8000/v1) are set by baseURL.
    defaultBaseURL: 'http://127.0.0.1:11434/v1',
    baseURLVariables: ['OPENAI_COMPATIBLE_BASE_URL'],
    versioned: false,
    keyOptional: true,
    providerModelId: (reference) => reference.modelId,
    createModel: async (connection, modelId) => (await compatibleProvider(connection)).imageModel(modelId),
    createLanguageModel: async (connection, modelId) =>
      (await compatibleProvider(connection)).chatModel(modelId),
    inspect: inspectOpenai,
  },
  {
    name: 'google',
    keyVariables: ['GOOGLE_GENERATIVE_AI_API_KEY'],
    defaultBaseURL: 'https://generativelanguage.googleapis.com/v1beta',
    // Read by Google's Gen AI SDKs and gemini-cli (@ai-sdk/google itself reads none).
    baseURLVariables: ['GOOGLE_GEMINI_BASE_URL'],
    versioned: false,
    providerModelId: (reference) => reference.modelId,
    createModel: async (connection, modelId) => (await googleProvider(connection)).image(modelId),
    createLanguageModel: async (connection, modelId) => (await googleProvider(connection)).chat(modelId),
    inspect: inspectGoogle,
  },
  {
    name: 'fal',
    keyVariables: ['FAL_API_KEY', 'FAL_KEY'],
    defaultBaseURL: 'https://fal.run',
    baseURLVariables: [],
    versioned: false,
    providerModelId: (reference) => reference.modelId,
    createModel: async ({ apiKey, baseURL, fetch }, modelId) =>
      (await import('@ai-sdk/fal')).createFal({ apiKey, baseURL, fetch }).image(modelId),
    inspect: inspectFal,
  },
  {
    name: 'replicate',
    keyVariables: ['REPLICATE_API_TOKEN'],
    defaultBaseURL: 'https://api.replicate.com/v1',
    baseURLVariables: [],
    versioned: true,
    providerModelId: (reference) =>
      reference.version ? `${reference.modelId}:${reference.version}` : reference.modelId,
    createModel: async ({ apiKey, baseURL, fetch }, modelId) =>
      (await import('@ai-sdk/replicate'))
        .createReplicate({ apiToken: apiKey, baseURL, fetch })
        .image(modelId as `${string}/${string}`),
    inspect: inspectReplicate,
    latestVersion: latestReplicateVersion,
  },
];

async function openaiProvider({ apiKey, baseURL, fetch }: ProviderConnection) {
  const { createOpenAI } = await import('@ai-sdk/openai');
  return createOpenAI({ apiKey, baseURL, fetch });
}

async function googleProvider({ apiKey, baseURL, fetch }: ProviderConnection) {
  const { createGoogleGenerativeAI } = await import('@ai-sdk/google');
  return createGoogleGenerativeAI({ apiKey, baseURL, fetch });
}

async function compatibleProvider({ apiKey, baseURL, fetch }: ProviderConnection) {
  const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
  return createOpenAICompatible({
    name: 'openai-compatible',
    baseURL,
    ...(apiKey ? { apiKey } : {}),
    fetch,
    // vLLM, LM Studio and Ollama accept OpenAI's `json_schema` response format.
    supportsStructuredOutputs: true,
    metadataExtractor: compatibleLogprobs,
  });
}
