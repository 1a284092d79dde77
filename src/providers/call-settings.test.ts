import type { ImageModelV3CallOptions } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { nearestAspectRatio, nearestSize, sizeForAspectRatio } from './aspect-ratio.ts';
import { adaptCallOptions, planImageShape } from './call-settings.ts';
import { capabilitiesOf, describeCapabilities } from './provider-capabilities.ts';

function call(overrides: Partial<ImageModelV3CallOptions>): ImageModelV3CallOptions {
  return {
    prompt: 'p',
    n: 1,
    size: undefined,
    aspectRatio: undefined,
    seed: undefined,
    files: undefined,
    mask: undefined,
    providerOptions: {},
    ...overrides,
  };
}

describe('size and aspect-ratio arithmetic', () => {
  it('finds the nearest ratio on a log scale', () => {
    expect(nearestAspectRatio(1000 / 700, ['1:1', '4:3', '16:9'])).toBe('4:3');
    expect(nearestAspectRatio(0.5, ['1:1', '9:16', '16:9'])).toBe('9:16');
  });

  it('prefers shape over area when picking a fixed size', () => {
    expect(nearestSize({ width: 1600, height: 900 }, ['1024x1024', '1792x1024', '1024x1792'])).toBe(
      '1792x1024',
    );
    expect(nearestSize({ width: 300, height: 300 }, ['256x256', '512x512', '1024x1024'])).toBe('256x256');
  });

  it('turns an aspect ratio into a size with the short edge on a 16 px grid', () => {
    expect(sizeForAspectRatio('4:5')).toEqual({ width: 816, height: 1024 });
    expect(sizeForAspectRatio('21:9')).toEqual({ width: 1024, height: 432 });
  });
});

describe('planImageShape', () => {
  it('says what sets the size of a hosted upscaler (its input and scale, not a workflow)', () => {
    const upscaler = capabilitiesOf('fal', 'fal-ai/esrgan');
    expect(describeCapabilities(upscaler)).toContain('size set by the input image and scale');
    expect(planImageShape(upscaler, { size: { width: 640, height: 480 } }).note).toBe(
      'fal:fal-ai/esrgan renders at the size set by the input image and scale: 640x480 is not applied',
    );
  });

  it('leaves a request the model takes as it is', () => {
    expect(
      planImageShape(capabilitiesOf('fal', 'fal-ai/fast-sdxl'), { size: { width: 640, height: 480 } }),
    ).toEqual({
      size: '640x480',
    });
    expect(planImageShape(capabilitiesOf('fal', 'fal-ai/fast-sdxl'), { aspectRatio: '16:9' })).toEqual({
      aspectRatio: '16:9',
    });
    expect(
      planImageShape(capabilitiesOf('google', 'imagen-4.0-generate-001'), { aspectRatio: '9:16' }),
    ).toEqual({
      aspectRatio: '9:16',
    });
  });

  it('sends width and height as provider options for Replicate SDXL', () => {
    const plan = planImageShape(capabilitiesOf('replicate', 'stability-ai/sdxl'), { aspectRatio: '3:2' });
    expect(plan.providerOptions).toEqual({ width: 1024, height: 688 });
    expect(plan.note).toContain('takes width and height: 3:2 sent as 1024x688');
  });

  it('maps an unsupported aspect ratio to the nearest one with a note', () => {
    const plan = planImageShape(capabilitiesOf('google', 'imagen-4.0-generate-001'), { aspectRatio: '4:5' });
    expect(plan).toEqual({
      aspectRatio: '3:4',
      note: 'google:imagen-4.0-generate-001 supports only 1:1, 3:4, 4:3, 9:16, 16:9: 4:5 sent as 3:4',
    });
  });
});

describe('adaptCallOptions', () => {
  it('maps the negative prompt to the provider option, and lets explicit provider options win', () => {
    const { options } = adaptCallOptions(
      capabilitiesOf('fal', 'fal-ai/ideogram/v2/turbo'),
      call({
        size: '1024x1024',
        providerOptions: { atelier: { negativePrompt: 'text' }, fal: { aspect_ratio: '3:2' } },
      }),
    );
    expect(options.providerOptions.fal).toEqual({
      aspect_ratio: '3:2',
      negative_prompt: 'text',
      expand_prompt: false,
    });
    expect(options.size).toBeUndefined();
  });

  it("turns Ideogram's prompt expansion off unless the config asks for it, and says which", () => {
    const fal = capabilitiesOf('fal', 'fal-ai/ideogram/v2/turbo');
    const quiet = adaptCallOptions(fal, call({ aspectRatio: '1:1' }));
    expect(quiet.options.providerOptions.fal).toMatchObject({ expand_prompt: false });
    expect(quiet.provenance.promptExpansion).toMatch(/^off \(expand_prompt: false/);
    const asked = adaptCallOptions(
      fal,
      call({ aspectRatio: '1:1', providerOptions: { fal: { expand_prompt: true } } }),
    );
    expect(asked.options.providerOptions.fal).toMatchObject({ expand_prompt: true });
    expect(asked.provenance.promptExpansion).toBe('expand_prompt: true as the config asks');
    const replicate = adaptCallOptions(
      capabilitiesOf('replicate', 'ideogram-ai/ideogram-v2-turbo'),
      call({}),
    );
    expect(replicate.options.providerOptions.replicate).toMatchObject({ magic_prompt_option: 'Off' });
    expect(adaptCallOptions(capabilitiesOf('fal', 'fal-ai/fast-sdxl'), call({})).provenance).toEqual({});
  });

  it('drops a seed the model ignores, with one warning', () => {
    const { options, warnings } = adaptCallOptions(
      capabilitiesOf('openai', 'gpt-image-1'),
      call({ seed: 5, size: '1024x1024' }),
    );
    expect(options.seed).toBeUndefined();
    expect(warnings).toEqual([
      { type: 'other', message: 'openai:gpt-image-1 ignores seed: outputs will not be reproducible' },
    ]);
  });
});
