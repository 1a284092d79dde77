import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTempProject, smallCampaign } from '../../test/helpers/temp-project.ts';
import { AtelierError } from '../errors.ts';
import { campaignValidationContext } from '../runtime/wiring.ts';
import { loadCampaign, maximumConfigBytes, parseCampaign } from './load-campaign.ts';

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

  it('reports an export effort out of range at its field, naming the range', () => {
    const source = withChange((config) => (config.pipeline.stages[1].effort = { png: 2, webp: 9 }));
    const [problem] = problemsOf(source);
    expect(problem).toMatch(/pipeline\.stages\[1\]\.effort\.webp: .*(<=|at most) ?6/);
  });

  it('reports an unknown role at the key, naming the known roles', () => {
    const source = withChange((config) => {
      config.models.painter = 'builtin:draft';
    });
    const [problem] = problemsOf(source);
    const line = source.split('\n').findIndex((text) => text.includes('painter')) + 1;
    expect(problem).toBe(
      `${file}:${line}:3: models.painter: unknown role "painter": expected one of compose, judge, questions, ocr, typography, stylize, upscale`,
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
        `${file}:${line('rerolls:')}:14: qa.colour.rerolls: expected a re-roll count from 0 to 16 but found number 40`,
      ].sort(),
    );
    expect(problemsOf(stylized((config) => (config.qa.colour.maxDeltaE = 140)))).toEqual([
      expect.stringMatching(
        /qa\.colour\.maxDeltaE: expected a colour difference \(CIEDE2000\) from 0 to 100 but found number 140$/,
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
      expect.stringMatching(
        /pipeline\.stages\[1\]\.strength: expected a strength from 0 to 1 but found number 1\.5$/,
      ),
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

describe('hostile config input: every case is a config error (exit 2) with a location', () => {
  /** The problems of a config file on disk, read as `atelier run` reads it. */
  async function fileProblems(directory: string, path = join(directory, 'atelier.yaml')) {
    const error = await loadCampaign(path, context).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(AtelierError.isInstance(error), String(error)).toBe(true);
    const atelierError = error as AtelierError;
    expect(atelierError.exitCode).toBe(2);
    return { message: atelierError.message, details: [...atelierError.details] };
  }

  it('refuses bytes that are not UTF-8, naming the line, column and byte offset', async () => {
    const valid = stringify(smallCampaign()).replace('Spring into colour', 'HEADLINE');
    const offset = Buffer.byteLength(valid.slice(0, valid.indexOf('HEADLINE')));
    const bytes = Buffer.concat([
      Buffer.from(valid.slice(0, valid.indexOf('HEADLINE'))),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`freshly picked${valid.slice(valid.indexOf('HEADLINE') + 'HEADLINE'.length)}`),
    ]);
    const project = await createTempProject('');
    try {
      await writeFile(project.configPath, bytes);
      const line = valid.split('\n').findIndex((text) => text.includes('HEADLINE')) + 1;
      const column = valid.split('\n')[line - 1]!.indexOf('HEADLINE') + 1;
      const { message, details } = await fileProblems(project.directory);
      expect(message).toContain('not UTF-8');
      expect(details).toEqual([
        `${project.configPath}:${line}:${column}: expected UTF-8 text but found the byte 0xFF at byte offset ${offset}; save the file as UTF-8`,
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('keeps a U+FFFD written as UTF-8 and points past it at the real bad byte', async () => {
    const project = await createTempProject('');
    try {
      await writeFile(
        project.configPath,
        Buffer.concat([Buffer.from('campaign: "\uFFFD ok"\n# '), Buffer.from([0xc3, 0x28])]),
      );
      const { details } = await fileProblems(project.directory);
      const offset = Buffer.byteLength('campaign: "\uFFFD ok"\n# ');
      expect(details[0]).toMatch(new RegExp(`:2:3: .*0xC3 at byte offset ${offset};`));
    } finally {
      await project.cleanup();
    }
  });

  it('refuses a YAML alias bomb with a location instead of crashing', () => {
    const levels = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (const name of 'bcdefg') {
      const previous = String.fromCharCode(name.charCodeAt(0) - 1);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const problems = problemsOf(`${levels.join('\n')}\n`);
    expect(problems).toEqual([
      expect.stringMatching(/^\/campaigns\/atelier\.yaml:2:\d+: YAML aliases expand too far/),
    ]);
  });

  it('refuses an alias to an anchor that does not exist, at the alias', () => {
    const source = stringify(smallCampaign()).replace('campaign: test-campaign', 'campaign: *nowhere');
    expect(problemsOf(source)).toEqual([
      `${file}:1:11: YAML alias error: Unresolved alias (the anchor must be set before the alias): nowhere`,
    ]);
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const project = await createTempProject('');
    try {
      await rm(project.configPath);
      execFileSync('mkfifo', [project.configPath]);
      const started = performance.now();
      const { message } = await fileProblems(project.directory);
      expect(message).toMatch(/not a regular file/);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await project.cleanup();
    }
  }, 10_000);

  it(`refuses a config over ${maximumConfigBytes} bytes before reading it`, async () => {
    const project = await createTempProject('');
    try {
      const source = stringify(smallCampaign());
      await writeFile(project.configPath, `${source}#${'x'.repeat(maximumConfigBytes)}\n`);
      const { message } = await fileProblems(project.directory);
      expect(message).toMatch(/larger than 1048576 bytes \(1 MiB\), the most a config may have/);
      // Exactly at the limit is still read (and here, valid).
      await writeFile(
        project.configPath,
        `${source}#${'x'.repeat(maximumConfigBytes - source.length - 2)}\n`,
      );
      await expect(loadCampaign(project.configPath, context)).resolves.toMatchObject({
        campaign: { campaign: 'test-campaign' },
      });
    } finally {
      await project.cleanup();
    }
  });

  it.each([
    [
      '!!js/function',
      'headline: !!js/function "function () { return 1 }"',
      /Unresolved tag: tag:yaml\.org,2002:js\/function/,
    ],
    ['a local tag', 'headline: !shout Spring', /Unresolved tag: !shout/],
  ])('refuses an unknown tag (%s) at its line', (_name, line, expected) => {
    const source = stringify(smallCampaign()).replace(/headline: .*/, line);
    const lineNumber = source.split('\n').findIndex((text) => text.includes(line)) + 1;
    const problems = problemsOf(source);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${file}:${lineNumber}:\\d+: YAML warning, refused: `)),
    ]);
    expect(problems[0]).toMatch(expected);
  });

  it('writes control and invisible characters in keys and values as escapes, never raw', () => {
    const source = stringify(smallCampaign())
      .replace('campaign: test-campaign', '\vcampaign: test-campaign')
      .replace('headline: Spring into colour', '\uFEFFheadline: "\u202Ebidi"');
    const problems = problemsOf(source);
    expect(problems).toContainEqual(
      expect.stringContaining('\\u000bcampaign: unknown field "\\u000bcampaign"'),
    );
    expect(problems).toContainEqual(
      expect.stringContaining('\\ufeffheadline: unknown field "\\ufeffheadline"'),
    );
    for (const problem of problems) expect(problem).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it('names .nan and .inf as written, once per field', () => {
    const source = stringify(smallCampaign()).replace('x: 0.3', 'x: .nan').replace('y: 0.5', 'y: -.inf');
    expect(problemsOf(source)).toEqual([
      expect.stringMatching(/shots\[0\]\.focus\.x: expected number but found \.nan \(not a number\)$/),
      expect.stringMatching(/shots\[0\]\.focus\.y: expected number but found -\.inf \(minus infinity\)$/),
    ]);
  });

  it('says one thing about a seed past the seed range, naming the seed limit and the value', () => {
    expect(problemsOf(withChange((config) => (config.shots[1].seeds = [1e23])))).toEqual([
      expect.stringMatching(
        /shots\[1\]\.seeds\[0\]: expected a seed: an integer from 0 to 4294967295 but found number 1e\+23$/,
      ),
    ]);
    expect(problemsOf(withChange((config) => (config.shots[1].seeds = 1e23)))).toEqual([
      expect.stringMatching(
        /shots\[1\]\.seeds: expected a seed count: an integer from 1 to 256 but found number 1e\+23$/,
      ),
    ]);
    expect(problemsOf(withChange((config) => (config.shots[1].seeds = [7, 2.5])))).toEqual([
      expect.stringMatching(/shots\[1\]\.seeds\[1\]: expected a seed: .* but found number 2\.5$/),
    ]);
  });
});
