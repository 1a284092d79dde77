import type { ComfyuiSettings, ProviderSettings } from '../config/campaign-schema.ts';
import { redactSecrets } from '../util/redact-secrets.ts';
import { type AiSdkProviderDefinition, providerBaseURL } from './ai-sdk-providers.ts';
import { ComfyuiClient, type ComfyuiSystemStats } from './comfyui/comfyui-client.ts';
import { type ComfyuiWorkflow, readWorkflowFile } from './comfyui/comfyui-workflow.ts';
import { formatSeconds } from './provider-failure.ts';
import { comfyuiWorkflowPath, defaultComfyuiBaseURL, providerKey } from './provider-registry.ts';

/** What `atelier doctor` found about one provider. Never holds a key, only whether one is set. */
export interface ProviderCheck {
  readonly provider: string;
  readonly baseURL: string;
  /** Where the base URL came from: `config`, the environment variable that set it, or `default`. */
  readonly baseURLSource?: string;
  /** Roles bound to this provider's models in the config. */
  readonly usedBy: string[];
  /** The variable the key is read from and whether it is set; undefined when none is needed. */
  readonly key: { variable: string; present: boolean } | undefined;
  readonly reachable: boolean;
  /** `HTTP 404 in 85 ms`, or why it could not be reached. */
  readonly detail: string;
  /** ComfyUI only: server version and GPUs from `/system_stats`. */
  readonly comfyui?: {
    version: string | undefined;
    devices: Array<{ name: string; vramTotal: number | undefined; vramFree: number | undefined }>;
    /** The model files the configured workflows load: `folder/name` present, and what is wrong. */
    modelFiles?: { present: string[]; problems: string[] };
  };
}

/** How a provider is probed: its settings section, where keys come from, how long to wait. */
export interface ProbeOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  /** Where relative workflow paths are resolved; without it, workflows are not checked. */
  readonly projectDirectory?: string;
}

export type ProbeResult = Omit<ProviderCheck, 'provider' | 'usedBy'>;

const networkErrors: Record<string, string> = {
  ENOTFOUND: 'host not found',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
};

async function probe(
  url: string,
  timeoutMs: number,
  fetchImpl: typeof fetch,
): Promise<{ reachable: boolean; detail: string }> {
  const started = performance.now();
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return {
      reachable: true,
      detail: `HTTP ${response.status} in ${Math.round(performance.now() - started)} ms`,
    };
  } catch (error) {
    const failure = error as Error & { cause?: Error & { code?: string } };
    const code = failure.cause?.code;
    const reason =
      failure.name === 'TimeoutError'
        ? `no answer within ${formatSeconds(timeoutMs)}`
        : code && networkErrors[code]
          ? `${networkErrors[code]} (${code})`
          : (code ?? failure.cause?.message ?? failure.message);
    return { reachable: false, detail: redactSecrets(reason) };
  }
}

/** An AI SDK provider: is its key set, does its base URL answer. */
export async function probeAiSdkProvider(
  definition: AiSdkProviderDefinition,
  settings: ProviderSettings | undefined,
  options: ProbeOptions,
): Promise<ProbeResult> {
  const { url: baseURL, source } = providerBaseURL(definition, settings?.baseURL, options.env);
  const key = providerKey(definition.keyVariables, settings, options.env);
  const reached = await probe(baseURL, options.timeoutMs, options.fetch);
  const variable = settings?.apiKeyEnv
    ? key.variable
    : key.value
      ? key.variable
      : definition.keyVariables.join(' or ');
  return {
    baseURL,
    baseURLSource: source,
    // A local server (Ollama, LM Studio, vLLM) needs none unless the config names a variable.
    key:
      definition.keyOptional && key.value === undefined && !settings?.apiKeyEnv
        ? undefined
        : { variable, present: key.value !== undefined },
    ...reached,
  };
}

/** Whether the server has every model file each configured workflow loads. */
async function checkWorkflowFiles(
  client: ComfyuiClient,
  settings: ComfyuiSettings,
  projectDirectory: string,
  timeoutMs: number,
): Promise<{ present: string[]; problems: string[] }> {
  const present = new Set<string>();
  const problems: string[] = [];
  const listings = new Map<string, Promise<Array<{ name: string }> | undefined>>();
  for (const name of Object.keys(settings.workflows ?? {})) {
    let workflow: ComfyuiWorkflow;
    try {
      const path = comfyuiWorkflowPath({ modelId: name, raw: `comfyui:${name}` }, settings, projectDirectory);
      workflow = readWorkflowFile(path);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    for (const file of workflow.modelFiles) {
      if (!listings.has(file.folder)) {
        listings.set(
          file.folder,
          client.modelFiles(file.folder, AbortSignal.timeout(timeoutMs)).catch(() => undefined),
        );
      }
      const listing = await listings.get(file.folder);
      if (listing?.some((entry) => entry.name === file.name)) present.add(`${file.folder}/${file.name}`);
      else problems.push(`${file.folder}/${file.name} (loaded by node ${file.node} of ${workflow.path})`);
    }
  }
  return { present: [...present].sort(), problems };
}

/** A ComfyUI server: its version and GPU memory from `/system_stats`, or why it did not answer. */
export async function probeComfyui(
  settings: ComfyuiSettings | undefined,
  options: ProbeOptions,
): Promise<ProbeResult> {
  const { env, timeoutMs } = options;
  const baseURL = settings?.baseURL ?? defaultComfyuiBaseURL;
  const key = settings?.apiKeyEnv ? providerKey([settings.apiKeyEnv], settings, env) : undefined;
  const client = new ComfyuiClient(baseURL, options.fetch, key?.value);
  const started = performance.now();
  const keyState = key && { variable: key.variable, present: key.value !== undefined };
  try {
    const stats: ComfyuiSystemStats = await client.systemStats(AbortSignal.timeout(timeoutMs));
    return {
      baseURL,
      key: keyState,
      reachable: true,
      detail: `HTTP 200 in ${Math.round(performance.now() - started)} ms`,
      comfyui: {
        version: stats.system?.comfyui_version,
        devices: (stats.devices ?? []).map((device) => ({
          name: device.name ?? device.type ?? 'device',
          vramTotal: device.vram_total,
          vramFree: device.vram_free,
        })),
        ...(options.projectDirectory && settings?.workflows
          ? { modelFiles: await checkWorkflowFiles(client, settings, options.projectDirectory, timeoutMs) }
          : {}),
      },
    };
  } catch (error) {
    const reached = await probe(baseURL, timeoutMs, options.fetch);
    return {
      baseURL,
      key: keyState,
      reachable: false,
      detail: reached.reachable
        ? `/system_stats failed: ${redactSecrets((error as Error).message)}`
        : reached.detail,
    };
  }
}
