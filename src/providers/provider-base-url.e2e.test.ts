import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenai } from '../../test/fakes/fake-openai.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { createTempProject } from '../../test/helpers/temp-project.ts';
import { loadCampaign } from '../config/load-campaign.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { campaignValidationContext, modelRegistryForCampaign } from '../runtime/wiring.ts';
import { aiSdkProviders, providerBaseURL } from './ai-sdk-providers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const apiKey = 'sk-proj-BASEURLtest0123456789abcdefghijk';

async function fake(): Promise<FakeOpenai> {
  const started = await FakeOpenai.start({ apiKey });
  cleanups.push(() => started.close());
  return started;
}

async function openaiProject(providers: Record<string, unknown>) {
  const created = await createTempProject({
    campaign: 'base-url',
    models: { compose: 'openai:gpt-image-1' },
    providers,
    brand: { palette: ['#F4E9DA', '#2E4057'] },
    pipeline: {
      seeds: [1],
      stages: [
        { stage: 'compose', size: '1024x1024' },
        { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '64x64' }] },
      ],
    },
    shots: [{ id: 'poster', prompt: 'tulips' }],
  });
  cleanups.push(() => created.cleanup());
  return created;
}

describe('provider base-URL environment variables', () => {
  it('sends requests (and the key) where OPENAI_BASE_URL points when the config names no base URL', async () => {
    const proxy = await fake();
    const created = await openaiProject({ openai: { retries: 0 } });
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    const registry = modelRegistryForCampaign(loaded, {
      env: { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: proxy.baseURL },
    });
    const summary = await runCampaign({ loaded, registry });
    expect(summary.status).toBe('completed');
    expect(proxy.generationRequests).toHaveLength(1);
    expect(proxy.generationRequests[0]!.json).toMatchObject({ model: 'gpt-image-1', prompt: 'tulips' });
  });

  it('lets the config win over the variable', async () => {
    const configured = await fake();
    const fromVariable = await fake();
    const created = await openaiProject({ openai: { baseURL: configured.baseURL, retries: 0 } });
    const loaded = await loadCampaign(created.configPath, campaignValidationContext());
    const registry = modelRegistryForCampaign(loaded, {
      env: { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: fromVariable.baseURL },
    });
    expect((await runCampaign({ loaded, registry })).status).toBe('completed');
    expect(configured.generationRequests).toHaveLength(1);
    expect(fromVariable.requests).toHaveLength(0);
  });

  it('shows in doctor the base URL actually used and where it came from', async () => {
    const proxy = await fake();
    const created = await openaiProject({});
    const result = await runCli(['doctor', created.directory], {
      env: { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: proxy.baseURL },
    });
    expect(result.stdout).toContain(`base URL   ${proxy.baseURL} (from OPENAI_BASE_URL)`);
    expect(proxy.requests.length).toBeGreaterThan(0);
  }, 30_000);

  it('reads each provider’s documented variable, and the public endpoint otherwise', () => {
    const byName = new Map(aiSdkProviders.map((definition) => [definition.name, definition]));
    const google = byName.get('google')!;
    expect(providerBaseURL(google, undefined, { GOOGLE_GEMINI_BASE_URL: 'http://gateway/v1beta/' })).toEqual({
      url: 'http://gateway/v1beta',
      source: 'GOOGLE_GEMINI_BASE_URL',
    });
    expect(providerBaseURL(google, undefined, {})).toEqual({
      url: 'https://generativelanguage.googleapis.com/v1beta',
      source: 'default',
    });
    expect(providerBaseURL(byName.get('fal')!, 'http://config', { OPENAI_BASE_URL: 'x' }).source).toBe(
      'config',
    );
  });
});
