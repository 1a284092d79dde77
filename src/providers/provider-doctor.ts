import type { Campaign, RemoteProviderName } from '../config/campaign-schema.ts';
import { parseModelReference } from '../config/model-reference.ts';
import { redactSecrets } from '../util/redact-secrets.ts';
import { aiSdkProviders } from './ai-sdk-providers.ts';
import { ComfyuiClient, type ComfyuiSystemStats } from './comfyui/comfyui-client.ts';
import { formatSeconds } from './provider-failure.ts';
import { defaultComfyuiBaseURL, providerKey } from './provider-registry.ts';

/** What `atelier doctor` found about one provider. Never holds a key, only whether one is set. */
export interface ProviderCheck {
  readonly provider: RemoteProviderName;
  readonly baseURL: string;
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
  };
}

export interface DoctorOptions {
  readonly campaign?: Pick<Campaign, 'models' | 'providers'>;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Providers worth checking: those the config uses or configures, or every one without a config. */
function providersToCheck(campaign: DoctorOptions['campaign']): Map<RemoteProviderName, string[]> {
  const all: RemoteProviderName[] = ['openai', 'google', 'fal', 'replicate', 'comfyui'];
  const checked = new Map<RemoteProviderName, string[]>();
  if (!campaign) {
    for (const provider of all) checked.set(provider, []);
    return checked;
  }
  for (const [role, raw] of Object.entries(campaign.models)) {
    const reference = raw ? parseModelReference(raw) : undefined;
    if (!reference || 'error' in reference) continue;
    const provider = reference.provider as RemoteProviderName;
    if (!all.includes(provider)) continue;
    checked.set(provider, [...(checked.get(provider) ?? []), role]);
  }
  for (const provider of Object.keys(campaign.providers ?? {}) as RemoteProviderName[]) {
    if (!checked.has(provider)) checked.set(provider, []);
  }
  return checked;
}

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

/**
 * Checks each provider a config uses: whether its key is set (never what it is), whether its
 * base URL answers, and for ComfyUI the server version and GPU memory.
 */
export async function checkProviders(options: DoctorOptions = {}): Promise<ProviderCheck[]> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 5000;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const checks: Promise<ProviderCheck>[] = [];
  for (const [provider, usedBy] of providersToCheck(options.campaign)) {
    const settings = options.campaign?.providers?.[provider];
    checks.push(
      (async (): Promise<ProviderCheck> => {
        if (provider === 'comfyui') {
          const baseURL = settings?.baseURL ?? defaultComfyuiBaseURL;
          const key = settings?.apiKeyEnv ? providerKey([settings.apiKeyEnv], settings, env) : undefined;
          const client = new ComfyuiClient(baseURL, fetchImpl, key?.value);
          const started = performance.now();
          try {
            const stats: ComfyuiSystemStats = await client.systemStats(AbortSignal.timeout(timeoutMs));
            return {
              provider,
              baseURL,
              usedBy,
              key: key && { variable: key.variable, present: key.value !== undefined },
              reachable: true,
              detail: `HTTP 200 in ${Math.round(performance.now() - started)} ms`,
              comfyui: {
                version: stats.system?.comfyui_version,
                devices: (stats.devices ?? []).map((device) => ({
                  name: device.name ?? device.type ?? 'device',
                  vramTotal: device.vram_total,
                  vramFree: device.vram_free,
                })),
              },
            };
          } catch (error) {
            const reached = await probe(baseURL, timeoutMs, fetchImpl);
            return {
              provider,
              baseURL,
              usedBy,
              key: key && { variable: key.variable, present: key.value !== undefined },
              reachable: false,
              detail: reached.reachable
                ? `/system_stats failed: ${redactSecrets((error as Error).message)}`
                : reached.detail,
            };
          }
        }
        const definition = aiSdkProviders[provider];
        const baseURL = settings?.baseURL ?? definition.defaultBaseURL;
        const key = providerKey(definition.keyVariables, settings, env);
        const reached = await probe(baseURL, timeoutMs, fetchImpl);
        const variable = settings?.apiKeyEnv
          ? key.variable
          : key.value
            ? key.variable
            : definition.keyVariables.join(' or ');
        return { provider, baseURL, usedBy, key: { variable, present: key.value !== undefined }, ...reached };
      })(),
    );
  }
  return Promise.all(checks);
}

function gigabytes(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/** The doctor's report, one block per provider. */
export function formatProviderChecks(checks: readonly ProviderCheck[]): string {
  if (checks.length === 0) return 'no remote providers configured (the config uses built-in models only)';
  return checks
    .map((check) => {
      const lines = [
        `${check.provider}${check.usedBy.length > 0 ? ` (used by ${check.usedBy.join(', ')})` : ''}`,
      ];
      lines.push(`  base URL   ${check.baseURL}`);
      lines.push(
        `  key        ${check.key ? `${check.key.variable} ${check.key.present ? 'is set' : 'is NOT set'}` : 'none needed'}`,
      );
      lines.push(`  reachable  ${check.reachable ? 'yes' : 'NO'}: ${check.detail}`);
      if (check.comfyui) {
        lines.push(`  ComfyUI    ${check.comfyui.version ?? 'version unknown'}`);
        for (const device of check.comfyui.devices) {
          lines.push(
            `  GPU        ${device.name}: ${gigabytes(device.vramTotal)} (${gigabytes(device.vramFree)} free)`,
          );
        }
      }
      return lines.join('\n');
    })
    .join('\n');
}

/** A provider the config uses is unusable: no key or no answer. */
export function hasBlockingProblem(checks: readonly ProviderCheck[]): boolean {
  return checks.some(
    (check) => check.usedBy.length > 0 && (!check.reachable || (check.key && !check.key.present)),
  );
}
