import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeComfyui, textToImageWorkflow } from '../../test/fakes/fake-comfyui.ts';
import { renderFakePng } from '../../test/fakes/fake-png.ts';
import { fastSettings, providerCases } from '../../test/fakes/provider-cases.ts';
import { describeModelProviderContract } from '../models/model-provider.contract.ts';
import { builtinProvider, type ModelRegistry } from '../models/model-registry.ts';
import { createModelRegistry } from '../runtime/wiring.ts';

function registered(registry: ModelRegistry, name: string) {
  const provider = registry.providerNamed(name);
  if (!provider) throw new Error(`no provider "${name}" registered`);
  return provider;
}

const gradeInput = await renderFakePng(48, 32, 5);

describeModelProviderContract('builtin', {
  models: [
    {
      reference: 'builtin:draft',
      kind: 'image',
      generate: { options: { prompt: 'tulips on a podium', size: '96x64', seed: 1 }, width: 96, height: 64 },
    },
    {
      reference: 'builtin:grade',
      kind: 'image',
      // A grade answers at the size of the image it grades.
      generate: {
        options: {
          prompt: { images: [gradeInput], text: 'warm' },
          providerOptions: { builtin: { palette: ['#F4E9DA', '#2E4057'], strength: 0.5 } },
        },
        width: 48,
        height: 32,
      },
    },
    // Reading text is the typography tests' business; the contract locks and creates it.
    { reference: 'builtin:tesseract', kind: 'ocr' },
  ],
  unknownReference: 'builtin:no-such-model',
  badVersionReference: 'builtin:draft@2.0.0',
  setUp: async () => ({ provider: builtinProvider, cleanup: async () => {} }),
});

const unversioned = new Set(['openai', 'google', 'fal']);
for (const providerCase of providerCases) {
  const { provider: name, reference, keyVariable, apiKey } = providerCase;
  describeModelProviderContract(`${name} (AI SDK package, fake server)`, {
    models: [
      {
        reference,
        kind: 'image',
        generate: { options: { prompt: 'a glass bottle', size: '1024x1024' }, width: 1024, height: 1024 },
      },
    ],
    // Any model id or version may exist upstream; only a version on an unversioned provider is
    // known to be wrong before calling.
    badVersionReference: unversioned.has(name) ? `${reference}@2024-01-01` : undefined,
    setUp: async () => {
      const fake = await providerCase.start({ apiKey });
      const registry = createModelRegistry({
        providers: { [name]: fastSettings(fake.baseURL) },
        projectDirectory: tmpdir(),
        env: { [keyVariable]: apiKey },
      });
      return { provider: registered(registry, name), cleanup: () => fake.close() };
    },
  });
}

describeModelProviderContract('comfyui (fake server with its websocket)', {
  models: [
    {
      reference: 'comfyui:sdxl',
      kind: 'image',
      generate: { options: { prompt: 'spring tulips', size: '512x384', seed: 7 }, width: 512, height: 384 },
    },
  ],
  unknownReference: 'comfyui:no-such-workflow',
  badVersionReference: 'comfyui:sdxl@1',
  setUp: async () => {
    const fake = await FakeComfyui.start();
    const directory = await mkdtemp(join(tmpdir(), 'atelier-comfyui-contract-'));
    await writeFile(join(directory, 'workflow.json'), JSON.stringify(textToImageWorkflow()));
    const registry = createModelRegistry({
      projectDirectory: directory,
      env: {},
      providers: {
        comfyui: {
          baseURL: fake.baseURL,
          workflows: { sdxl: 'workflow.json' },
          ...fastSettings(fake.baseURL),
        },
      },
    });
    return {
      provider: registered(registry, 'comfyui'),
      cleanup: async () => {
        await fake.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
});
