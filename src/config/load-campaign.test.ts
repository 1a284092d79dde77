import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { smallCampaign } from '../../test/helpers/temp-project.ts';
import { AtelierError } from '../errors.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { loadCampaign, parseCampaign } from './load-campaign.ts';

const context = { stages: stageCatalog(), providers: ['builtin', 'openai'] };
const file = '/campaigns/atelier.yaml';

function problemsOf(source: string): string[] {
  try {
    parseCampaign(source, file, context);
  } catch (error) {
    expect(AtelierError.isInstance(error)).toBe(true);
    const atelierError = error as AtelierError;
    expect(atelierError.code).toBe('CONFIG_INVALID');
    expect(atelierError.exitCode).toBe(2);
    return [...atelierError.details];
  }
  throw new Error('expected the config to be rejected');
}

function withChange(change: (config: Record<string, any>) => void): string {
  const config = smallCampaign() as Record<string, any>;
  change(config);
  return stringify(config);
}

describe('campaign config validation', () => {
  it('accepts the small campaign and resolves stage params', () => {
    const campaign = parseCampaign(stringify(smallCampaign()), file, context);
    expect(campaign.shots.map((shot) => shot.id)).toEqual(['tulips', 'bottle', 'meadow']);
    expect(campaign.pipeline.stages[0]).toEqual({
      name: 'compose',
      params: { size: { width: 160, height: 128 } },
    });
  });

  it('reports a missing file by path', async () => {
    await expect(loadCampaign('/nonexistent/atelier.yaml', context)).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: expect.stringContaining('/nonexistent/atelier.yaml: no such file'),
    });
  });

  it('reports YAML syntax errors with line and column', () => {
    const [problem] = problemsOf('campaign: x\nmodels:\n  compose: [builtin:draft\nbrand: {}\n');
    expect(problem).toMatch(/^\/campaigns\/atelier\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('reports an unknown role at the key, naming the known roles', () => {
    const source = withChange((config) => {
      config.models.painter = 'builtin:draft';
    });
    const [problem] = problemsOf(source);
    const line = source.split('\n').findIndex((text) => text.includes('painter')) + 1;
    expect(problem).toBe(
      `${file}:${line}:3: models.painter: unknown role "painter": expected one of compose, typography, ocr, stylize, upscale`,
    );
  });

  it('reports an unknown stage and lists the known ones', () => {
    const [problem] = problemsOf(
      withChange((config) => config.pipeline.stages.splice(1, 0, { stage: 'sharpen' })),
    );
    expect(problem).toContain(
      `pipeline.stages[1].stage: unknown stage "sharpen": expected one of ${[...context.stages.keys()].join(', ')}`,
    );
  });

  it('reports an unknown provider', () => {
    const [problem] = problemsOf(withChange((config) => (config.models.compose = 'midjourney:v6')));
    expect(problem).toMatch(
      /models\.compose: unknown provider "midjourney": expected one of builtin, openai/,
    );
  });

  it('reports a reference that is not provider:modelId', () => {
    const [problem] = problemsOf(withChange((config) => (config.models.compose = 'just-a-name')));
    expect(problem).toContain(
      'expected a model reference like "provider:modelId[@version]" but found "just-a-name"',
    );
  });

  it('reports a malformed size with what was found', () => {
    const source = withChange((config) => (config.pipeline.stages[0].size = '1024*768'));
    const [problem] = problemsOf(source);
    const line = source.split('\n').findIndex((text) => text.includes('1024*768')) + 1;
    expect(problem).toMatch(
      new RegExp(
        `^${file}:${line}:\\d+: pipeline\\.stages\\[0\\]\\.size: malformed size: expected WIDTHxHEIGHT`,
      ),
    );
    expect(problem).toContain('but found "1024*768"');
  });

  it('reports duplicate shot ids, pointing at the second one', () => {
    const [problem] = problemsOf(withChange((config) => (config.shots[2].id = 'tulips')));
    expect(problem).toMatch(/shots\[2\]\.id: duplicate shot id "tulips" \(first used by shots\[0\]\)/);
  });

  it.each(['../x', 'a/b', '.hidden', 'with space', ''])('refuses the unsafe shot id %j', (id) => {
    const [problem] = problemsOf(withChange((config) => (config.shots[0].id = id)));
    expect(problem).toMatch(/shots\[0\]\.id: not a safe file name/);
  });

  it('refuses a campaign without shots', () => {
    const [problem] = problemsOf(withChange((config) => (config.shots = [])));
    expect(problem).toMatch(/shots: expected at least one shot/);
  });

  it('reports a missing required field and what it found', () => {
    const [problem] = problemsOf(withChange((config) => delete config.shots[1].prompt));
    expect(problem).toMatch(/shots\[1\]\.prompt: expected string but found nothing \(the field is missing\)/);
  });

  it('reports several problems at once', () => {
    const problems = problemsOf(
      withChange((config) => {
        config.pipeline.stages[0].size = 'big';
        config.shots[1].id = 'tulips';
        config.brand.palette = ['red'];
      }),
    );
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });

  it('requires a model for a stage role, and stage order', () => {
    expect(problemsOf(withChange((config) => delete config.models.compose))[0]).toMatch(
      /models: stage "compose" needs a model for role "compose"/,
    );
    expect(problemsOf(withChange((config) => config.pipeline.stages.reverse())).join('\n')).toMatch(
      /stage "compose" must be the first stage/,
    );
  });

  it('checks a shot crop against the export crops and crop sizes against their aspect', () => {
    expect(problemsOf(withChange((config) => (config.shots[0].crops = ['9:16'])))[0]).toMatch(
      /shots\[0\]\.crops\[0\]: crop "9:16" is not defined by the export stage/,
    );
    expect(
      problemsOf(withChange((config) => (config.pipeline.stages[1].crops[0].size = '100x100')))[0],
    ).toMatch(/crops\[0\]\.size: size does not match its aspect ratio/);
  });

  it('refuses a built-in model that cannot play the role', () => {
    const [problem] = problemsOf(withChange((config) => (config.models.compose = 'builtin:nonexistent')));
    expect(problem).toMatch(/models\.compose: unknown built-in model "builtin:nonexistent"/);
  });
});
