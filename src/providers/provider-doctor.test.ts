import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfyui, textToImageWorkflow } from '../../test/fakes/fake-comfyui.ts';
import { FakeOpenai } from '../../test/fakes/fake-openai.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { createTempProject } from '../../test/helpers/temp-project.ts';
import { checkProviders, formatProviderChecks, hasBlockingProblem } from './provider-doctor.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('atelier doctor', () => {
  it('reports keys (never their values), reachability, and the ComfyUI version and GPU', async () => {
    const key = 'sk-proj-DOCTORtest0123456789abcdefghijkl';
    const openai = await FakeOpenai.start({ apiKey: key });
    const comfyui = await FakeComfyui.start({ vramBytes: 12 * 1024 ** 3, version: '0.3.44' });
    cleanups.push(
      () => openai.close(),
      () => comfyui.close(),
    );
    const port = await closedPort();
    const created = await createTempProject({
      campaign: 'doctor',
      models: { compose: 'comfyui:sdxl', stylize: 'openai:gpt-image-1' },
      providers: {
        openai: { baseURL: openai.baseURL },
        fal: { baseURL: `http://127.0.0.1:${port}` },
        comfyui: { baseURL: comfyui.baseURL, workflows: { sdxl: 'workflows/sdxl.json' } },
      },
      brand: { palette: ['#000000', '#ffffff'] },
      pipeline: { stages: [{ stage: 'compose', size: '512x512' }] },
      shots: [{ id: 'a', prompt: 'a' }],
    });
    cleanups.push(() => created.cleanup());
    await mkdir(join(created.directory, 'workflows'));
    await writeFile(join(created.directory, 'workflows', 'sdxl.json'), JSON.stringify(textToImageWorkflow()));

    const result = await runCli(['doctor', created.directory], {
      env: { OPENAI_API_KEY: key, FAL_KEY: '', FAL_API_KEY: '' },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('openai (used by stylize)');
    expect(result.stdout).toContain('key        OPENAI_API_KEY is set');
    expect(result.stdout).toMatch(/reachable {2}yes: HTTP 404 in \d+ ms/);
    expect(result.stdout).toContain('key        FAL_API_KEY or FAL_KEY is NOT set');
    expect(result.stdout).toContain('reachable  NO: connection refused (ECONNREFUSED)');
    expect(result.stdout).toContain('ComfyUI    0.3.44');
    expect(result.stdout).toContain(
      'GPU        cuda:0 NVIDIA GeForce RTX 4070 : cudaMallocAsync: 12.0 GB (10.8 GB free)',
    );
    expect(result.stdout).toContain('models     1 file the workflows load present on the server');
    expect(result.stdout).not.toContain(key);
    // fal is configured but no role uses it, so its problems do not fail the check.
    expect(result.code).toBe(0);
  });

  it('fails, naming the node, when the ComfyUI server lacks a model file a workflow loads', async () => {
    const comfyui = await FakeComfyui.start();
    cleanups.push(() => comfyui.close());
    const created = await createTempProject({
      campaign: 'doctor',
      models: { compose: 'comfyui:sdxl' },
      providers: { comfyui: { baseURL: comfyui.baseURL, workflows: { sdxl: 'workflows/sdxl.json' } } },
      brand: { palette: ['#000000', '#ffffff'] },
      pipeline: { stages: [{ stage: 'compose', size: '512x512' }] },
      shots: [{ id: 'a', prompt: 'a' }],
    });
    cleanups.push(() => created.cleanup());
    await mkdir(join(created.directory, 'workflows'));
    const workflow = {
      ...textToImageWorkflow(),
      '12': {
        class_type: 'LoraLoader',
        inputs: { lora_name: 'gone.safetensors', model: ['4', 0], clip: ['4', 1] },
      },
    };
    await writeFile(join(created.directory, 'workflows', 'sdxl.json'), JSON.stringify(workflow));
    const result = await runCli(['doctor', created.directory]);
    expect(result.stdout).toContain('models     1 file the workflows load present on the server');
    expect(result.stdout).toContain(
      `MISSING    loras/gone.safetensors (loaded by node 12 of ${join(created.directory, 'workflows', 'sdxl.json')})`,
    );
    expect(result.code).toBe(1);
  });

  it('fails when a provider the config uses has no key or does not answer', async () => {
    const port = await closedPort();
    const checks = await checkProviders({
      campaign: {
        models: { compose: 'fal:fal-ai/fast-sdxl' },
        providers: { fal: { baseURL: `http://127.0.0.1:${port}` } },
      },
      env: {},
      timeoutMs: 1000,
    });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      provider: 'fal',
      usedBy: ['compose'],
      reachable: false,
      key: { present: false },
    });
    expect(hasBlockingProblem(checks)).toBe(true);
    expect(formatProviderChecks(checks)).toContain('fal (used by compose)');
  });
});
