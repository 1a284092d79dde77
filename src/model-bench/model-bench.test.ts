import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfyui } from '../../test/fakes/fake-comfyui.ts';
import { runCli } from '../../test/helpers/run-cli.ts';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { benchResultSchema } from './bench-schema.ts';
import { parseModelSetups, parseSeedList } from './model-bench.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

describe('bench arguments', () => {
  it('parses seed lists and ranges', () => {
    expect(parseSeedList('1..4,9')).toEqual([1, 2, 3, 4, 9]);
    expect(() => parseSeedList('5..2')).toThrow(/bad range "5\.\.2"/);
    expect(() => parseSeedList('x')).toThrow(/expected numbers or ranges/);
  });

  it('parses model setups with role bindings', () => {
    expect(parseModelSetups('builtin:draft,compose=fal:sdxl+upscale=builtin:esrgan-thick')).toEqual([
      { label: 'builtin:draft', models: { compose: 'builtin:draft' } },
      {
        label: 'compose=fal:sdxl+upscale=builtin:esrgan-thick',
        models: { compose: 'fal:sdxl', upscale: 'builtin:esrgan-thick' },
      },
    ]);
    expect(() => parseModelSetups('painter=builtin:draft')).toThrow(/unknown role "painter"/);
  });
});

describe('atelier bench', () => {
  it('writes a schema-valid bench.json, Markdown and SVG, and compares two files', async () => {
    const config = smallCampaign();
    // An upscale stage between compose and export, so the tile sweep runs too.
    (config.models as Record<string, string>).upscale = 'builtin:esrgan-slim';
    const stages = (config.pipeline as { stages: Array<Record<string, unknown>> }).stages;
    stages[0] = { stage: 'compose', size: '80x64' };
    stages.splice(1, 0, { stage: 'upscale', scale: 2 });
    const created = await createTempProject(config);
    projects.push(created);
    const out = join(created.directory, 'bench-out');
    const result = await runCli([
      'bench',
      created.directory,
      '--seeds',
      '1..2',
      '--shots',
      '2',
      '--sweep',
      '64,128',
      '--tiles',
      '32,64',
      '--out',
      out,
    ]);
    expect(result.stderr).toContain('bench: setup builtin:draft');
    expect(result.code).toBe(0);
    const bench = benchResultSchema.parse(JSON.parse(await readFile(join(out, 'bench.json'), 'utf8')));
    expect(bench.seeds).toEqual([1, 2]);
    expect(bench.setups).toHaveLength(1);
    expect(bench.setups[0]).toMatchObject({ label: 'builtin:draft', images: 4, failed: 0 });
    expect(bench.setups[0]!.stages.map((stage) => [stage.stage, stage.jobs])).toEqual([
      ['compose', 4],
      ['upscale', 4],
      ['export', 4],
    ]);
    expect(bench.sweep.map((row) => `${row.stage}@${row.setting}`)).toEqual([
      'compose@64x64',
      'upscale@64x64',
      'export@64x64',
      'compose@128x128',
      'upscale@128x128',
      'export@128x128',
      'upscale@tile 32',
      'upscale@tile 64',
    ]);
    expect(await readFile(join(out, 'bench.md'), 'utf8')).toContain('| builtin:draft | compose | 4 |');
    expect(await readFile(join(out, 'bench.svg'), 'utf8')).toMatch(/^<svg [^>]*>.*p50 latency per stage/s);

    const compare = await runCli(['bench', 'compare', join(out, 'bench.json'), join(out, 'bench.json')]);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toContain('| builtin:draft | compose p50 ms |');
    expect(compare.stdout).toMatch(/\| 1\.000x \|/);
    const bad = await runCli(['bench', 'compare', join(out, 'bench.md'), join(out, 'bench.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Cannot read bench file');
  });

  it('reports peak GPU memory per resolution for a ComfyUI setup, and "OOM at" the size that does not fit', async () => {
    // A 12 GiB GPU: SDXL's weights fit, a 1536x1536 latent's activations do not.
    const fake = await FakeComfyui.start({ vramBytes: 12 * 1024 ** 3, samplerMs: 200 });
    const config = smallCampaign({
      models: { compose: 'comfyui:sdxl' },
      providers: {
        comfyui: {
          baseURL: fake.baseURL,
          workflows: { sdxl: 'workflows/sdxl-api.json' },
          vramSampleMilliseconds: 5,
          retries: 2,
        },
      },
    });
    const created = await createTempProject(config);
    projects.push(created);
    await mkdir(join(created.directory, 'workflows'));
    await copyFile(
      new URL('../../examples/comfyui/workflows/sdxl-api.json', import.meta.url),
      join(created.directory, 'workflows', 'sdxl-api.json'),
    );
    const out = join(created.directory, 'bench-out');
    try {
      const result = await runCli([
        'bench',
        created.directory,
        '--seeds',
        '1',
        '--shots',
        '1',
        '--sweep',
        '512,1536',
        '--out',
        out,
      ]);
      expect(result.stderr).not.toContain('error');
      expect(result.code).toBe(0);
      const bench = benchResultSchema.parse(JSON.parse(await readFile(join(out, 'bench.json'), 'utf8')));
      const compose = bench.sweep.filter((row) => row.stage === 'compose');
      const idle = Math.round(12 * 1024 ** 3 * 0.1);
      expect(compose.map((row) => [row.setting, row.failed])).toEqual([
        ['512x512', undefined],
        ['1536x1536', 'OOM at 1536'],
      ]);
      // idle + SDXL's weights + 512x512 activations, as the fake's GPU reports them.
      expect(compose[0]!.peakVramMb).toBeCloseTo((idle + 6_938_078_334 + 512 * 512 * 2500) / 2 ** 20, 3);
      const markdown = await readFile(join(out, 'bench.md'), 'utf8');
      expect(markdown).toContain('| peak VRAM MB | outcome |');
      expect(markdown).toMatch(
        /\| comfyui:sdxl \| compose \| 1536x1536 \| failed: OOM at 1536 \| [^|]+ \| - \| failed \|/,
      );
      // The out-of-memory prompt was not retried: one prompt per setup image and per swept size.
      expect(fake.prompts.filter((prompt) => JSON.stringify(prompt.graph).includes('1536'))).toHaveLength(1);
    } finally {
      await fake.close();
    }
  }, 60_000);
});
