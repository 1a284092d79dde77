import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTempProject, smallCampaign } from '../../test/helpers/temp-project.ts';
import { AtelierError } from '../errors.ts';
import { campaignValidationContext } from '../runtime/wiring.ts';
import { loadCampaign, parseCampaign } from './load-campaign.ts';

// The real wiring (stages, built-in models' roles), with fewer providers and no provider checks.
const context = {
  ...campaignValidationContext(),
  providers: ['builtin', 'openai'],
  checkModelSettings: undefined,
};
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
      `${file}:${line}:3: models.painter: unknown role "painter": expected one of compose, ocr, typography, stylize, upscale`,
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

describe('stylize stage and qa config', () => {
  /** The small campaign with a stylize stage bound to builtin:grade, changed by `change`. */
  function stylized(change: (config: Record<string, any>) => void = () => {}): string {
    return withChange((config) => {
      config.models.stylize = 'builtin:grade';
      config.pipeline.stages.splice(1, 0, { stage: 'stylize', strength: 0.4 });
      config.qa = { colour: { maxDeltaE: 12 } };
      change(config);
    });
  }

  it('accepts a colour gate and fills its defaults', () => {
    const campaign = parseCampaign(stylized(), file, context);
    expect(campaign.qa).toEqual({ colour: { maxDeltaE: 12, rerolls: 0 } });
    expect(campaign.pipeline.stages[1]).toEqual({
      name: 'stylize',
      params: {
        strength: 0.4,
        preserveLightness: false,
        mode: 'statistics',
        source: 'input',
        minScore: 0.9,
        retries: 2,
      },
    });
  });

  it('refuses a colour gate without a stage to enforce it, at the qa.colour key', () => {
    const source = withChange((config) => {
      config.qa = { colour: { maxDeltaE: 12 } };
    });
    const line = source.split('\n').findIndex((text) => text.trim() === 'colour:') + 1;
    expect(problemsOf(source)).toEqual([
      `${file}:${line}:3: qa.colour: qa.colour is checked by the "stylize" stage, but the pipeline has none: add it to pipeline.stages or remove qa.colour`,
    ]);
  });

  it('says what it expected for malformed qa settings', () => {
    const source = stylized((config) => {
      config.qa = { colour: { maxDeltaE: 'twelve', rerolls: 40, maxDelta: 3 }, color: {} };
    });
    const line = (text: string) => source.split('\n').findIndex((entry) => entry.includes(text)) + 1;
    expect(problemsOf(source).sort()).toEqual(
      [
        `${file}:${line('color:')}:3: qa.color: qa.color and qa.colour are the same setting: keep qa.colour only`,
        `${file}:${line('maxDelta:')}:5: qa.colour.maxDelta: unknown field "maxDelta"`,
        `${file}:${line('maxDeltaE:')}:16: qa.colour.maxDeltaE: expected number but found string "twelve"`,
        `${file}:${line('rerolls:')}:14: qa.colour.rerolls: expected a re-roll count from 0 to 16`,
      ].sort(),
    );
    expect(problemsOf(stylized((config) => (config.qa.colour.maxDeltaE = 140)))).toEqual([
      expect.stringMatching(
        /qa\.colour\.maxDeltaE: expected a colour difference \(CIEDE2000\) from 0 to 100$/,
      ),
    ]);
  });

  it('reads the American qa.color as qa.colour, with a warning at the key', async () => {
    const source = stylized((config) => {
      config.qa = { color: { maxDeltaE: 12 } };
    });
    const line = source.split('\n').findIndex((text) => text.trim() === 'color:') + 1;
    const created = await createTempProject(source);
    try {
      const { campaign, warnings, configPath } = await created.load();
      expect(campaign.qa).toEqual({ colour: { maxDeltaE: 12, rerolls: 0 } });
      expect(warnings).toEqual([
        `${configPath}:${line}:3: qa.color: qa.color is read as qa.colour; rename it`,
      ]);
    } finally {
      await created.cleanup();
    }
    // A problem inside the aliased section points at what was written.
    const malformed = stylized((config) => {
      config.qa = { color: { maxDeltaE: 'twelve' } };
    });
    const maxLine = malformed.split('\n').findIndex((text) => text.includes('maxDeltaE:')) + 1;
    expect(problemsOf(malformed)).toEqual([
      `${file}:${maxLine}:16: qa.color.maxDeltaE: expected number but found string "twelve"`,
    ]);
  });

  it('checks the stylize params and role', () => {
    expect(problemsOf(stylized((config) => (config.pipeline.stages[1].strength = 1.5)))).toEqual([
      expect.stringMatching(/pipeline\.stages\[1\]\.strength: expected a strength from 0 to 1$/),
    ]);
    expect(problemsOf(stylized((config) => delete config.models.stylize))).toEqual([
      expect.stringMatching(/models: stage "stylize" needs a model for role "stylize"/),
    ]);
    expect(problemsOf(stylized((config) => (config.models.compose = 'builtin:grade')))).toEqual([
      expect.stringMatching(
        /models\.compose: built-in model "builtin:grade" cannot play role "compose": it plays stylize$/,
      ),
    ]);
  });
});
