import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { smallCampaign } from '../../test/helpers/temp-project.ts';
import { parseCampaignWithWarnings } from '../config/load-campaign.ts';
import { AtelierError } from '../errors.ts';
import { campaignValidationContext } from '../runtime/wiring.ts';
import { checkModelSettings } from './stage-settings-check.ts';

const file = '/campaigns/atelier.yaml';

function configWith(change: (config: Record<string, any>) => void): string {
  const config = smallCampaign() as Record<string, any>;
  change(config);
  return stringify(config);
}

function parse(source: string) {
  return parseCampaignWithWarnings(source, file, campaignValidationContext());
}

function problemsOf(source: string): string[] {
  try {
    parse(source);
  } catch (error) {
    expect(AtelierError.isInstance(error)).toBe(true);
    expect((error as AtelierError).code).toBe('CONFIG_INVALID');
    return [...(error as AtelierError).details];
  }
  throw new Error('expected the config to be rejected');
}

function lineOf(source: string, text: string): number {
  return source.split('\n').findIndex((line) => line.includes(text)) + 1;
}

describe('model aliases in the config', () => {
  it('resolves a seed alias to its default route', () => {
    const { campaign } = parse(configWith((config) => (config.models.compose = 'sd3.5-large-turbo')));
    expect(campaign.models.compose).toBe('fal:fal-ai/stable-diffusion-v35-large/turbo');
  });

  it('lets the config re-route an alias or add its own', () => {
    const { campaign } = parse(
      configWith((config) => {
        config.models.compose = 'sdxl';
        config.aliases = { sdxl: 'replicate:stability-ai/sdxl@abc123' };
      }),
    );
    expect(campaign.models.compose).toBe('replicate:stability-ai/sdxl@abc123');
  });

  it('rejects an alias that routes to an unknown provider, at its line', () => {
    const source = configWith((config) => (config.aliases = { house: 'midjourney:v6' }));
    expect(problemsOf(source)).toEqual([
      `${file}:${lineOf(source, 'house:')}:10: aliases.house: unknown provider "midjourney": expected one of builtin, openai, openai-compatible, google, fal, replicate, comfyui`,
    ]);
  });

  it('names the known aliases when a bare name is none of them', () => {
    const [problem] = problemsOf(configWith((config) => (config.models.compose = 'sdxl-turbo')));
    expect(problem).toContain(
      'but found "sdxl-turbo" (not an alias either: known aliases are sd3.5-large-turbo, sdxl',
    );
  });
});

describe('the providers section', () => {
  it('accepts base URLs, key variables, limits, retries and prices', () => {
    const { campaign } = parse(
      configWith((config) => {
        config.providers = {
          openai: {
            baseURL: 'https://proxy.example.com/v1',
            apiKeyEnv: 'PROXY_OPENAI_KEY',
            prices: { 'dall-e-3': 0.04 },
          },
          fal: { concurrency: 2, requestsPerMinute: 30, timeoutSeconds: 90, retries: 4, retryBaseSeconds: 2 },
          comfyui: {
            baseURL: 'http://gpu-box:8188',
            workflows: { sdxl: 'wf.json' },
            defaults: { steps: 25 },
          },
        };
      }),
    );
    expect(campaign.providers?.fal).toMatchObject({ concurrency: 2, requestsPerMinute: 30 });
  });

  it('reports a malformed base URL, an unknown provider and a key pasted in place of a variable name', () => {
    const source = configWith((config) => {
      config.providers = {
        openai: { baseURL: 'api.openai.com', apiKeyEnv: 'sk-proj-abc123' },
        midjourney: {},
      };
    });
    const problems = problemsOf(source);
    expect(problems).toContain(
      `${file}:${lineOf(source, 'baseURL')}:14: providers.openai.baseURL: expected an http(s) URL like "https://proxy.example.com/v1" but found string "api.openai.com"`,
    );
    // What was found is named, but a key pasted where a variable name goes is never echoed.
    expect(problems.join('\n')).not.toContain('sk-proj-abc123');
    expect(
      problems.some((problem) =>
        problem.includes('providers.openai.apiKeyEnv: expected an environment variable name'),
      ),
    ).toBe(true);
    expect(
      problems.some((problem) => problem.includes('providers.midjourney: unknown field "midjourney"')),
    ).toBe(true);
  });
});

describe("a stage's settings against its model, before any call", () => {
  it('warns, at the line, that a model ignores seeds and takes aspect ratios instead of sizes', () => {
    const source = configWith((config) => (config.models.compose = 'imagen-4'));
    const { warnings } = parse(source);
    expect(warnings).toEqual([
      `${file}:${lineOf(source, 'compose: imagen-4')}:12: models.compose: google:imagen-4.0-generate-001 ignores seed: outputs will not be reproducible`,
      `${file}:${lineOf(source, 'size: 160x128')}:13: pipeline.stages[0].size: google:imagen-4.0-generate-001 takes aspect ratios, not sizes: 160x128 sent as 4:3 (the provider picks the pixel size)`,
    ]);
  });

  it('warns when a fixed-size model gets a size it does not render', () => {
    const { warnings } = parse(
      configWith((config) => {
        config.models.compose = 'dall-e-3';
        config.pipeline.stages[0].size = '1600x900';
      }),
    );
    expect(warnings.join('\n')).toContain(
      'openai:dall-e-3 renders only 1024x1024, 1792x1024, 1024x1792: 1600x900 sent as 1792x1024',
    );
  });

  it('warns about provider options meant for another provider and negative prompts a model ignores', () => {
    const { warnings } = parse(
      configWith((config) => {
        config.models.compose = 'dall-e-3';
        config.pipeline.stages[0].size = '1024x1024';
        config.pipeline.stages[0].providerOptions = {
          fal: { numInferenceSteps: 4 },
          openai: { quality: 'hd' },
        };
        config.shots[0].negativePrompt = 'blurry';
      }),
    );
    expect(warnings.join('\n')).toContain(
      'pipeline.stages[0].providerOptions.fal: providerOptions.fal does nothing for openai:dall-e-3: options go under providerOptions.openai',
    );
    expect(warnings.join('\n')).toContain(
      "openai:dall-e-3 ignores negative prompts: shots' negativePrompt will not be applied",
    );
  });

  it('asks for a pinned Replicate version, and refuses a version on a provider that has none', () => {
    const { warnings } = parse(
      configWith((config) => (config.models.compose = 'replicate:stability-ai/sdxl')),
    );
    expect(warnings.join('\n')).toContain(
      'replicate:stability-ai/sdxl is not pinned to a version: `atelier lock` pins the version Replicate reports as latest',
    );
    const [problem] = problemsOf(configWith((config) => (config.models.compose = 'fal:fal-ai/fast-sdxl@v2')));
    expect(problem).toMatch(/models\.compose: fal models have no @version/);
  });

  it('stays silent for a model that honours everything the stage asks', () => {
    const { warnings } = parse(
      configWith((config) => {
        config.models.compose =
          'replicate:stability-ai/sdxl@7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc';
      }),
    );
    expect(warnings).toEqual([]);
  });

  it('reports a missing ComfyUI workflow as a config error', () => {
    const source = configWith((config) => {
      config.models.compose = 'comfyui:sdxl';
      config.providers = { comfyui: { workflows: { sdxl: 'workflows/missing.json' } } };
    });
    const [problem] = problemsOf(source);
    expect(problem).toContain(
      'models.compose: Cannot read ComfyUI workflow /campaigns/workflows/missing.json: no such file',
    );
  });

  it('refuses a ComfyUI workflow that is a FIFO at once instead of hanging validation', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'atelier-workflow-'));
    try {
      const fifo = join(directory, 'workflow.json');
      execFileSync('mkfifo', [fifo]);
      const source = configWith((config) => {
        config.models.compose = 'comfyui:sdxl';
        config.providers = { comfyui: { workflows: { sdxl: fifo } } };
      });
      expect(problemsOf(source)[0]).toContain(
        `models.compose: Cannot read ComfyUI workflow ${fifo}: is not a regular file (a pipe, socket or device)`,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 10_000);
});

describe('checkModelSettings for an image-to-image role', () => {
  const input = (reference: string) => {
    const [provider, modelId] = reference.split(/:(.*)/) as [string, string];
    return {
      role: 'stylize',
      reference: { raw: reference, provider, modelId, version: undefined },
      stage: { name: 'stylize', params: {} },
      stageIndex: 2,
      sendsInputImage: true,
      withoutInputImage: 'set source: prompt',
      campaign: smallCampaign() as never,
      projectDirectory: '/campaigns',
    };
  };

  it('refuses a model that cannot take an input image', () => {
    const errors = checkModelSettings(input('openai:dall-e-3')).filter(
      (problem) => problem.severity === 'error',
    );
    expect(errors).toEqual([
      {
        path: ['models', 'stylize'],
        severity: 'error',
        message:
          'openai:dall-e-3 cannot take an input image, and the stylize stage sends it one: bind a model that edits images (e.g. openai:gpt-image-1), or set source: prompt',
      },
    ]);
  });

  it('accepts models that edit or take an image (gpt-image-1, fal image-to-image, Replicate SDXL)', () => {
    for (const reference of [
      'openai:gpt-image-1',
      'fal:fal-ai/fast-sdxl/image-to-image',
      'replicate:stability-ai/sdxl',
    ]) {
      expect(checkModelSettings(input(reference)).filter((problem) => problem.severity === 'error')).toEqual(
        [],
      );
    }
  });
});
