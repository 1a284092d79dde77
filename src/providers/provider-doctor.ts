import type { Campaign } from '../config/campaign-schema.ts';
import { parseModelReference } from '../config/model-reference.ts';
import type { ProviderCheck } from './provider-probes.ts';
import { remoteProviders } from './provider-table.ts';

export type { ProviderCheck } from './provider-probes.ts';

export interface DoctorOptions {
  readonly campaign?: Pick<Campaign, 'models' | 'providers'>;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Where the config's relative paths (ComfyUI workflows) are resolved. */
  readonly projectDirectory?: string;
}

/** Providers worth checking: those the config uses or configures, or every one without a config. */
function providersToCheck(campaign: DoctorOptions['campaign']): Map<string, string[]> {
  const all = remoteProviders.map((provider) => provider.name);
  const checked = new Map<string, string[]>();
  if (!campaign) {
    for (const provider of all) checked.set(provider, []);
    return checked;
  }
  for (const [role, raw] of Object.entries(campaign.models)) {
    const reference = raw ? parseModelReference(raw) : undefined;
    if (!reference || 'error' in reference) continue;
    if (!all.includes(reference.provider)) continue;
    checked.set(reference.provider, [...(checked.get(reference.provider) ?? []), role]);
  }
  for (const provider of Object.keys(campaign.providers ?? {})) {
    if (!checked.has(provider)) checked.set(provider, []);
  }
  return checked;
}

/**
 * Checks each provider a config uses: whether its key is set (never what it is), whether its
 * base URL answers, and for ComfyUI the server version, GPU memory and the model files its
 * workflows load.
 */
export async function checkProviders(options: DoctorOptions = {}): Promise<ProviderCheck[]> {
  const probeOptions = {
    env: options.env ?? process.env,
    timeoutMs: options.timeoutMs ?? 5000,
    fetch: options.fetch ?? globalThis.fetch,
    projectDirectory: options.projectDirectory,
  };
  return Promise.all(
    [...providersToCheck(options.campaign)].map(async ([provider, usedBy]) => {
      const definition = remoteProviders.find((candidate) => candidate.name === provider)!;
      const found = await definition.probe(options.campaign?.providers?.[provider], probeOptions);
      return { provider, usedBy, ...found };
    }),
  );
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
      const source =
        check.baseURLSource && check.baseURLSource !== 'default' ? ` (from ${check.baseURLSource})` : '';
      lines.push(`  base URL   ${check.baseURL}${source}`);
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
        const { modelFiles } = check.comfyui;
        if (modelFiles) {
          lines.push(
            `  models     ${modelFiles.present.length} file${modelFiles.present.length === 1 ? '' : 's'} the workflows load present on the server`,
          );
          for (const problem of modelFiles.problems) lines.push(`  MISSING    ${problem}`);
        }
      }
      return lines.join('\n');
    })
    .join('\n');
}

/** A provider the config uses is unusable: no key or no answer. */
export function hasBlockingProblem(checks: readonly ProviderCheck[]): boolean {
  return checks.some(
    (check) =>
      check.usedBy.length > 0 &&
      (!check.reachable ||
        (check.key && !check.key.present) ||
        (check.comfyui?.modelFiles?.problems.length ?? 0) > 0),
  );
}
