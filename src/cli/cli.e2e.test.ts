import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../test/helpers/run-cli.ts';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { readContentCredentials } from '../credentials/content-credentials.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

async function project(config: Record<string, unknown> | string = smallCampaign()) {
  const created = await createTempProject(config);
  projects.push(created);
  return created;
}

const noStackTrace = /^\s+at .+:\d+:\d+\)?$/m;

describe('atelier CLI', () => {
  it('rejects a bad config with exit 2, file:line:col, no stack trace, and writes nothing', async () => {
    const config = smallCampaign() as Record<string, any>;
    config.pipeline.stages[0].size = '1024*768';
    config.shots[1].id = '../escape';
    const created = await project(stringify(config));
    for (const command of ['run', 'validate', 'lock']) {
      const result = await runCli([command, created.directory]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        new RegExp(`${created.configPath}:\\d+:\\d+: pipeline\\.stages\\[0\\]\\.size: malformed size`),
      );
      expect(result.stderr).toMatch(/shots\[1\]\.id: not a safe file name/);
      expect(result.stderr).not.toMatch(noStackTrace);
    }
    expect(await readdir(created.directory)).toEqual(['atelier.yaml']);
  });

  it('ends hostile config input (alias bomb, non-UTF-8 bytes, unknown tag) in exit 2 with its place', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefg')
      levels.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`)
          .join(', ')}]`,
      );
    const valid = stringify(smallCampaign());
    const inputs: Array<[string | Buffer, RegExp]> = [
      [`${levels.join('\n')}\n`, /:2:\d+: YAML aliases expand too far/],
      [
        Buffer.concat([Buffer.from(valid.replace('Spring into colour', '')), Buffer.from([0xff])]),
        /not UTF-8/,
      ],
      [
        valid.replace('Spring into colour', '!!js/function "x"'),
        /:\d+:\d+: YAML warning, refused: Unresolved tag/,
      ],
    ];
    for (const [source, expected] of inputs) {
      const created = await project('');
      await writeFile(created.configPath, source);
      const result = await runCli(['validate', created.directory]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(expected);
      expect(result.stderr).not.toMatch(noStackTrace);
      expect(await readdir(created.directory)).toEqual(['atelier.yaml']);
    }
  });

  it('reports a missing config file with exit 2', async () => {
    const created = await project();
    const result = await runCli(['run', join(created.directory, 'nope.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: Cannot read campaign config ${join(created.directory, 'nope.yaml')}: no such file`,
    );
  });

  // Seven CLI processes, two of them rendering: about 18 s on a loaded 2-core machine.
  it('runs a campaign, then refuses a stale lock with a readable diff', async () => {
    const created = await project();
    const first = await runCli(['run', created.directory]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /run \S+ completed: 3 shots, 5\/5 images, 16 files, 0 cache hits, 10 computed/,
    );
    expect(first.stdout).toMatch(/^compose\s+5\s+5\s+0\s+0\s+/m);
    expect(first.stderr).toMatch(/\[10\/10\] /);
    expect((await runCli(['lock', '--check', created.directory])).code).toBe(0);

    const lockPath = join(created.directory, 'atelier.lock.json');
    const lock = JSON.parse(await readFile(lockPath, 'utf8'));
    lock.models.compose.version = '0.0.1';
    await writeFile(lockPath, JSON.stringify(lock));
    const stale = await runCli(['run', created.directory]);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('~ models.compose.version: lock has "0.0.1", config resolves to');
    expect(stale.stderr).toContain('atelier lock');

    const second = await runCli(['run', created.directory, '--update-lock', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'completed', cacheHits: 10, computedJobs: 0 });
    const runs = await runCli(['runs', created.directory]);
    expect(runs.stdout.trim().split('\n')).toHaveLength(2);
    const runId = JSON.parse(second.stdout).runId;
    const status = await runCli(['status', runId, created.directory, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      run: runId,
      status: 'completed',
      images: { succeeded: 5, failed: 0, unfinished: 0 },
      stages: [
        { stage: 'compose', done: 5 },
        { stage: 'export', done: 5 },
      ],
    });
    expect((await runCli(['status', 'nope', created.directory])).stderr).toContain('No run "nope"');
  }, 75_000);

  it('rejects bad arguments with exit 2', async () => {
    const created = await project();
    const result = await runCli(['run', created.directory, '--concurrency', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected a positive integer for --concurrency but received "many"');
  });
});

describe('the example campaign', () => {
  it('is valid and its committed lock matches the built-in models', async () => {
    const example = new URL('../../examples/spring-launch', import.meta.url).pathname;
    const validate = await runCli(['validate', example]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/8 shots, 16 images/);
    const check = await runCli(['lock', '--check', example]);
    expect(check.stdout + check.stderr).toContain('is up to date');
    expect(check.code).toBe(0);
  });
});

describe('the example campaign with a development signer', () => {
  it('signs every crop with valid Content Credentials naming the whole stage chain', async () => {
    const example = new URL('../../examples/spring-launch', import.meta.url).pathname;
    const directory = await mkdtemp(join(tmpdir(), 'atelier-example-'));
    try {
      for (const file of ['atelier.yaml', 'atelier.lock.json'])
        await copyFile(join(example, file), join(directory, file));
      const init = await runCli(['credentials', 'init', directory]);
      expect(init.code).toBe(0);
      const run = await runCli(['run', directory, '--json']);
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as { runDirectory: string; warnings: string[] };
      expect(summary.warnings.join(' ')).not.toMatch(/unsigned/);
      const entries = await readdir(summary.runDirectory, { recursive: true, withFileTypes: true });
      const crops = entries
        .filter((entry) => entry.isFile() && /-export-.*\.(png|webp)$/.test(entry.name))
        .map((entry) => join(entry.parentPath, entry.name));
      // 8 shots x 2 seeds, 2 crops each (one shot asks for one), in PNG and WebP.
      expect(crops.length).toBeGreaterThanOrEqual(8 * 2 * 2);
      const shown = await runCli(['credentials', 'show', crops[0]!]);
      expect(shown.stdout).toMatch(/: valid \(signed by Atelier development signer\)/);
      for (const crop of crops) {
        const mediaType = crop.endsWith('.png') ? 'image/png' : 'image/webp';
        const reading = await readContentCredentials(await readFile(crop), mediaType);
        expect(reading.state, crop).toBe('valid');
        expect(reading.actions.map((action) => action.action)).toEqual([
          'c2pa.created',
          'c2pa.edited',
          'c2pa.color_adjustments',
          'c2pa.resized',
          'c2pa.cropped',
        ]);
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 300_000);
});
