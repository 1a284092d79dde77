import type { ProviderSettings } from '../../src/config/campaign-schema.ts';
import { FakeFal } from './fake-fal.ts';
import { FakeGoogle } from './fake-google.ts';
import { FakeOpenai } from './fake-openai.ts';
import type { FakeProvider, FakeProviderOptions } from './fake-provider.ts';
import { FakeReplicate } from './fake-replicate.ts';

/** One AI SDK provider with its fake, for suites run against every provider. */
export interface ProviderCase {
  readonly provider: 'openai' | 'google' | 'fal' | 'replicate';
  /** A model reference whose requests carry a seed or not, as the provider does. */
  readonly reference: string;
  /** The documented environment variable the key is read from. */
  readonly keyVariable: string;
  /** A key shaped like the provider's real ones (so redaction is tested against real shapes). */
  readonly apiKey: string;
  /** Whether requests carry the seed. */
  readonly sendsSeed: boolean;
  start(options: FakeProviderOptions): Promise<FakeProvider>;
}

export const providerCases: readonly ProviderCase[] = [
  {
    provider: 'openai',
    reference: 'openai:gpt-image-1',
    keyVariable: 'OPENAI_API_KEY',
    apiKey: 'sk-proj-FAKEtest0123456789abcdefghijklmnop',
    sendsSeed: false,
    start: (options) => FakeOpenai.start(options),
  },
  {
    provider: 'google',
    reference: 'google:imagen-4.0-generate-001',
    keyVariable: 'GOOGLE_GENERATIVE_AI_API_KEY',
    apiKey: 'AIzaFAKEtest0123456789abcdefghijklmnopq',
    sendsSeed: false,
    start: (options) => FakeGoogle.start(options),
  },
  {
    provider: 'fal',
    reference: 'fal:fal-ai/fast-sdxl',
    keyVariable: 'FAL_KEY',
    apiKey: 'fal-fake-key-0123456789:abcdef0123456789abcdef',
    sendsSeed: true,
    start: (options) => FakeFal.start(options),
  },
  {
    provider: 'replicate',
    reference: 'replicate:stability-ai/stable-diffusion-3.5-large-turbo',
    keyVariable: 'REPLICATE_API_TOKEN',
    apiKey: 'r8_FAKEtest0123456789abcdefghijklmnopqr',
    sendsSeed: true,
    start: (options) => FakeReplicate.start(options),
  },
];

/** Provider settings for tests: the fake's base URL, fast retries and a short timeout. */
export function fastSettings(baseURL: string, overrides: ProviderSettings = {}): ProviderSettings {
  return {
    baseURL,
    retries: 3,
    retryBaseSeconds: 0.01,
    maxRetryWaitSeconds: 5,
    timeoutSeconds: 5,
    ...overrides,
  };
}
