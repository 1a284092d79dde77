import { afterEach, describe, expect, it } from 'vitest';
import { FakeFal } from '../../test/fakes/fake-fal.ts';
import { FakeGoogle } from '../../test/fakes/fake-google.ts';
import { FakeOpenai } from '../../test/fakes/fake-openai.ts';
import type { FakeProvider } from '../../test/fakes/fake-provider.ts';
import { FakeReplicate } from '../../test/fakes/fake-replicate.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { createTempProject } from '../../test/helpers/temp-project.ts';

/**
 * A binding that cannot work is refused when the config is loaded — `validate` and `run` both
 * exit 2 — before compose (a paid call at the fal fake) or anything else reaches a provider.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const keys = {
  FAL_KEY: 'fal-refuse-key-0123456789:abcdef0123456789abcdef',
  OPENAI_API_KEY: 'sk-proj-REFUSEtest0123456789abcdefghijkl',
  GOOGLE_GENERATIVE_AI_API_KEY: 'AIzaREFUSEtest0123456789abcdefghijklmno',
  REPLICATE_API_TOKEN: 'r8_REFUSEtest0123456789abcdefghijklmnop',
};

interface Binding {
  name: string;
  models: Record<string, string>;
  stage: Record<string, unknown>;
  expected: RegExp;
}

const renderFromInput = { stage: 'typography', mode: 'render' };
const bindings: Binding[] = [
  {
    name: 'Imagen 4 lettering the headline onto the composition (render.source input)',
    models: { typography: 'imagen-4', ocr: 'builtin:tesseract' },
    stage: renderFromInput,
    expected:
      /models\.typography: google:imagen-4\.0-generate-001 cannot take an input image, and the typography stage sends it one: .*openai:gpt-image-1.*render\.source: prompt/,
  },
  {
    name: 'Ideogram V2 Turbo on fal, render.source input',
    models: { typography: 'ideogram-v2-turbo', ocr: 'builtin:tesseract' },
    stage: renderFromInput,
    expected: /models\.typography: fal:fal-ai\/ideogram\/v2\/turbo cannot take an input image/,
  },
  {
    name: 'Ideogram V2 Turbo on Replicate, render.source input',
    models: {
      typography: `replicate:ideogram-ai/ideogram-v2-turbo@${'c'.repeat(64)}`,
      ocr: 'builtin:tesseract',
    },
    stage: renderFromInput,
    expected: /models\.typography: replicate:ideogram-ai\/ideogram-v2-turbo cannot take an input image/,
  },
  {
    name: 'DALL·E 3 editing in the stylistic pass',
    models: { stylize: 'dall-e-3' },
    stage: { stage: 'stylize' },
    expected:
      /models\.stylize: openai:dall-e-3 cannot take an input image, and the stylize stage sends it one: bind a model that edits images \(e\.g\. openai:gpt-image-1\), or set source: prompt and a style on the stylize stage .*re-rendered, composition not kept/,
  },
  {
    name: 'Imagen 4 in the stylistic pass',
    models: { stylize: 'imagen-4' },
    stage: { stage: 'stylize', strengthOption: 'none' },
    expected: /models\.stylize: google:imagen-4\.0-generate-001 cannot take an input image/,
  },
  {
    name: 'DALL·E 3 as the upscaler',
    models: { upscale: 'dall-e-3' },
    stage: { stage: 'upscale', scale: 2 },
    expected:
      /models\.upscale: openai:dall-e-3 cannot take an input image, and the upscale stage sends it one/,
  },
];

describe.each(bindings)('refused at load time: $name', (binding) => {
  it('exits 2 from validate and run, naming the field, with zero requests at any fake', async () => {
    const fakes: FakeProvider[] = await Promise.all([
      FakeFal.start({ apiKey: keys.FAL_KEY }),
      FakeOpenai.start({ apiKey: keys.OPENAI_API_KEY }),
      FakeGoogle.start({ apiKey: keys.GOOGLE_GENERATIVE_AI_API_KEY }),
      FakeReplicate.start({ apiKey: keys.REPLICATE_API_TOKEN }),
    ]);
    cleanups.push(() => Promise.all(fakes.map((fake) => fake.close())).then(() => undefined));
    const [fal, openai, google, replicate] = fakes as [FakeFal, FakeOpenai, FakeGoogle, FakeReplicate];
    const created = await createTempProject({
      campaign: 'refused',
      models: { compose: 'sd3.5-large-turbo', ...binding.models },
      providers: {
        fal: { baseURL: fal.baseURL },
        openai: { baseURL: openai.baseURL },
        google: { baseURL: google.baseURL },
        replicate: { baseURL: replicate.baseURL },
      },
      brand: { palette: ['#F4E9DA', '#2E4057'] },
      pipeline: {
        seeds: [1],
        stages: [
          { stage: 'compose', size: '512x512' },
          binding.stage,
          { stage: 'export', formats: ['png'], crops: [{ aspect: '1:1', size: '256x256' }] },
        ],
      },
      shots: [{ id: 'poster', prompt: 'tulips', headline: 'Spring' }],
    });
    cleanups.push(() => created.cleanup());
    const validate = await runCli(['validate', created.directory], { env: keys });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toMatch(binding.expected);
    const run = await runCli(['run', created.directory], { env: keys });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(binding.expected);
    expect(fakes.map((fake) => fake.requests.length)).toEqual([0, 0, 0, 0]);
  }, 60_000);
});
