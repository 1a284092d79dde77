import type { z } from 'zod';
import {
  comfyuiSettingsSchema,
  type ProviderSettings,
  providerSettingsSchema,
} from '../config/campaign-schema.ts';
import type { ModelProvider } from '../models/model-registry.ts';
import { aiSdkProviders } from './ai-sdk-providers.ts';
import type { ProbeOptions, ProbeResult } from './provider-probes.ts';
import {
  aiSdkModelProvider,
  comfyuiModelProvider,
  type ProviderRegistryOptions,
} from './provider-registry.ts';

/**
 * One remote provider as the rest of Atelier sees it. Config validation (the `providers`
 * section, reference names, `@version`), the model registry and `atelier doctor` all read this
 * table, so a provider is added in one place.
 */
export interface RemoteProviderDefinition {
  readonly name: string;
  /** The schema of its section under `providers`. */
  readonly settingsSchema: z.ZodType<ProviderSettings>;
  /** Whether `@version` in a reference means something to this provider. */
  readonly versioned: boolean;
  /** Whether it offers language models (a vision-language `judge`), besides image models. */
  readonly languageModels: boolean;
  /** The ModelProvider that resolves its references, configured from the config. */
  createModelProvider(options: ProviderRegistryOptions): ModelProvider;
  /** What `atelier doctor` reports: key set, base URL answering. */
  probe(settings: ProviderSettings | undefined, options: ProbeOptions): Promise<ProbeResult>;
}

/** Only `atelier doctor` probes; the probes (and the WebSocket client) load when it does. */
const loadProbes = () => import('./provider-probes.ts');

export const remoteProviders: readonly RemoteProviderDefinition[] = [
  ...aiSdkProviders.map(
    (definition): RemoteProviderDefinition => ({
      name: definition.name,
      settingsSchema: providerSettingsSchema,
      versioned: definition.versioned,
      languageModels: definition.createLanguageModel !== undefined,
      createModelProvider: (options) => aiSdkModelProvider(definition, options),
      probe: async (settings, options) =>
        (await loadProbes()).probeAiSdkProvider(definition, settings, options),
    }),
  ),
  {
    name: 'comfyui',
    settingsSchema: comfyuiSettingsSchema,
    versioned: false,
    languageModels: false,
    createModelProvider: comfyuiModelProvider,
    probe: async (settings, options) => (await loadProbes()).probeComfyui(settings, options),
  },
];

/** The table entry of a remote provider, if there is one by that name. */
export function remoteProvider(name: string): RemoteProviderDefinition | undefined {
  return remoteProviders.find((provider) => provider.name === name);
}
