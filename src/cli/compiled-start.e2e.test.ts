import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkCompiledTree,
  compiledInputs,
  digestInputs,
  writeBuildManifest,
} from '../../build/compiled-tree.mjs';
import { everyStageCampaign, smallCampaign } from '../../test/helpers/temp-project.ts';
import { resolveLock } from '../lock/lockfile.ts';
import { loadCampaignWithRegistry } from '../runtime/wiring.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/atelier.js');
const recorder = join(root, 'test/helpers/record-loaded-modules.mjs');
const example = join(root, 'examples/spring-launch');
const inTree = (folder: string) => (url: string) =>
  url.startsWith(pathToFileURL(join(root, folder)).href + '/');

/** Packages `--help` and `validate` must not load: each costs tens to hundreds of milliseconds. */
const heavyPackages = [
  'sharp',
  'tesseract.js',
  'onnxruntime-node',
  '@tensorflow/tfjs',
  'ai',
  '@ai-sdk/openai',
  '@ai-sdk/google',
  '@ai-sdk/fal',
  '@ai-sdk/replicate',
  'bullmq',
  'ioredis',
  '@aws-sdk/client-s3',
  'satori',
  '@resvg/resvg-js',
  '@contentauth/c2pa-node',
  '@peculiar/x509',
  'better-sqlite3',
  'ws',
  'culori',
];

/** What `validate` loads besides: culori, imported by the stylize stage's colour gate. */
const stillLoadedByValidate = ['culori'];

/**
 * What a re-run whose every job is a cache hit needs: the ledger and culori (the set's colour
 * report). No pixels, no model, provider, typesetting, signing or queue code.
 */
const loadedByCachedRun = ['better-sqlite3', 'culori'];

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function temporaryFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'atelier-compiled-'));
  folders.push(folder);
  return folder;
}

/** Runs bin/atelier.js and lists the modules it loaded. */
async function runRecorded(args: string[], env: NodeJS.ProcessEnv = {}) {
  const list = join(await temporaryFolder(), 'loaded.txt');
  const result = spawnSync(process.execPath, ['--import', recorder, bin, ...args], {
    cwd: root,
    env: { ...process.env, ...env, ATELIER_LOADED_MODULES: list },
    encoding: 'utf8',
  });
  const loaded = (await readFile(list, 'utf8')).split('\n').filter(Boolean);
  return { ...result, loaded };
}

/** Heavy packages whose code was loaded (reading a package.json for its version loads no code). */
const packagesIn = (loaded: string[]) =>
  heavyPackages.filter((name) =>
    loaded.some((url) => url.includes(`/node_modules/${name}/`) && !url.endsWith('/package.json')),
  );

describe('the compiled tree', () => {
  beforeAll(() => {
    // The suite runs the real dist/; build it when the sources moved on since the last build.
    if (!checkCompiledTree().fresh) execFileSync(process.execPath, [join(root, 'build/build-dist.mjs')]);
  }, 180_000);

  it('runs `--help` from dist/ without loading any heavy package', async () => {
    const result = await runRecorded(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: atelier/);
    expect(result.loaded).toContain(pathToFileURL(join(root, 'dist/cli/main.js')).href);
    expect(result.loaded.filter(inTree('src'))).toEqual([]);
    expect(result.loaded.some((url) => url.includes('/node_modules/tsx/'))).toBe(false);
    expect(packagesIn(result.loaded)).toEqual([]);
  });

  it('validates a campaign without loading the packages only rendering needs', async () => {
    const result = await runRecorded(['validate', example]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/is valid: campaign "spring-launch"/);
    expect(packagesIn(result.loaded).filter((name) => !stillLoadedByValidate.includes(name))).toEqual([]);
  });

  it('re-runs a campaign whose every job is cached without loading any model, provider or signer', async () => {
    const project = await temporaryFolder();
    await writeFile(join(project, 'atelier.yaml'), JSON.stringify(everyStageCampaign()));
    const init = spawnSync(process.execPath, [bin, 'credentials', 'init', project], { encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    const cold = spawnSync(process.execPath, [bin, 'run', project], { encoding: 'utf8' });
    expect(cold.status, cold.stderr).toBe(0);
    expect(cold.stdout).toMatch(/0 cache hits/);
    const again = await runRecorded(['run', project]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/ 0 computed/);
    expect(packagesIn(again.loaded).sort()).toEqual([...loadedByCachedRun].sort());
  }, 120_000);

  it('runs the sources through tsx when told to, and never from dist/', async () => {
    const result = await runRecorded(['--help'], { ATELIER_FROM_SOURCE: '1' });
    expect(result.status).toBe(0);
    expect(result.loaded).toContain(pathToFileURL(join(root, 'src/cli/main.ts')).href);
    expect(result.loaded.filter(inTree('dist'))).toEqual([]);
  });

  it('pins the same built-in fingerprints compiled, from the sources, and in this process', async () => {
    const locks: string[] = [];
    for (const env of [{}, { ATELIER_FROM_SOURCE: '1' }]) {
      const project = await temporaryFolder();
      await copyFile(join(example, 'atelier.yaml'), join(project, 'atelier.yaml'));
      const result = spawnSync(process.execPath, [bin, 'lock', project], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      locks.push(await readFile(join(project, 'atelier.lock.json'), 'utf8'));
    }
    const { loaded, registry } = await loadCampaignWithRegistry(example);
    const inProcess = await resolveLock(loaded.campaign, registry);
    const [compiled, sources] = locks.map((text) => JSON.parse(text).models);
    expect(compiled).toEqual(sources);
    expect(compiled).toEqual(JSON.parse(JSON.stringify(inProcess.models)));
    // Every built-in of the example is pinned by a hash of Atelier code, not only a package.
    expect(Object.keys(compiled).sort()).toEqual(['compose', 'ocr', 'stylize', 'upscale']);
  });

  it('upscales on worker threads started from dist/, without loading tsx in them', async () => {
    const script = `
      const { TileWorkerPool } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/models/builtin/esrgan/tile-worker-pool.js')).href)});
      const variant = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/models/builtin/esrgan/esrgan-variant.js')).href)});
      const pool = new TileWorkerPool({
        engine: 'onnx',
        modelDirectory: variant.esrganModelDirectory(variant.esrganVariant('slim', 2)),
        packageName: '@upscalerjs/esrgan-slim',
      }, 1);
      const output = await pool.run(new Float32Array(20 * 16 * 3).fill(100), 20, 16);
      await pool.close();
      process.stdout.write(String(output.length));`;
    // Plain node, no tsx: a worker that tried to load a .ts file would fail.
    const scriptPath = join(await temporaryFolder(), 'upscale-tile.mjs');
    await writeFile(scriptPath, script);
    // Workers inherit --import: this hook refuses tsx in every thread, so a compiled tile worker
    // that reached for the TypeScript loader fails instead of quietly paying for it.
    const refuseTsx = `data:text/javascript,${encodeURIComponent(`
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(
        'export async function resolve(specifier, context, next) {' +
        '  if (specifier.startsWith("tsx")) throw new Error("tsx loaded in a compiled process");' +
        '  return next(specifier, context); }'));`)}`;
    const result = spawnSync(process.execPath, ['--import', refuseTsx, scriptPath], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(String(40 * 32 * 3));
  });

  it('runs a studio run in a child process forked from dist/', async () => {
    const project = await temporaryFolder();
    await writeFile(join(project, 'atelier.yaml'), JSON.stringify(smallCampaign()));
    const module = (path: string) => JSON.stringify(pathToFileURL(join(root, 'dist', path)).href);
    const script = `
      const { CampaignCatalog } = await import(${module('studio/campaign-catalog.js')});
      const { RunManager } = await import(${module('studio/run-manager.js')});
      const catalog = new CampaignCatalog(${JSON.stringify(project)});
      const [entry] = await catalog.list();
      const runs = new RunManager();
      const states = [];
      const done = new Promise((resolve) => runs.subscribe((event) => {
        if (event.type !== 'run-state') return;
        states.push(event.state);
        if (event.state !== 'running' && event.state !== 'stopping') resolve();
      }));
      await runs.start(entry);
      await done;
      await runs.close();
      catalog.close();
      process.stdout.write(states.join(','));`;
    const scriptPath = join(project, 'studio-run.mjs');
    await writeFile(scriptPath, script);
    // Plain node: the forked run-process must be the compiled one, started without tsx.
    const result = spawnSync(process.execPath, [scriptPath], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/finished$/);
    const [runId] = await readdir(join(project, 'runs'));
    const record = JSON.parse(await readFile(join(project, 'runs', runId!, 'run.json'), 'utf8'));
    expect(record.summary.status).toBe('completed');
  });
});

describe('checkCompiledTree', () => {
  async function fakePackage() {
    const folder = await temporaryFolder();
    const files: Record<string, string> = {
      'src/a.ts': 'export const a = 1;\n',
      'src/b/b.ts': "export { a } from '../a.ts';\n",
      'src/b/b.test.ts': 'test file\n',
      'tsconfig.json': '{}\n',
      'tsconfig.build.json': '{}\n',
      'build/build-dist.mjs': '// build\n',
      'build/compiled-tree.mjs': '// tree\n',
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(folder, path, '..'), { recursive: true });
      await writeFile(join(folder, path), text);
    }
    await mkdir(join(folder, 'dist'));
    writeBuildManifest(join(folder, 'dist'), digestInputs(folder));
    return folder;
  }

  it('is fresh right after a build, and test files are not inputs', async () => {
    const folder = await fakePackage();
    expect(compiledInputs(folder)).not.toContain('src/b/b.test.ts');
    expect(checkCompiledTree(folder)).toEqual({ fresh: true });
    await writeFile(join(folder, 'src/b/b.test.ts'), 'a changed test\n');
    expect(checkCompiledTree(folder)).toEqual({ fresh: true });
  });

  it.each([
    [
      'an edited source',
      (folder: string) => writeFile(join(folder, 'src/b/b.ts'), 'export {};\n'),
      /src\/b\/b\.ts changed/,
    ],
    ['a new source', (folder: string) => writeFile(join(folder, 'src/c.ts'), ''), /src\/c\.ts is new/],
    ['a removed source', (folder: string) => unlink(join(folder, 'src/a.ts')), /src\/a\.ts was removed/],
    [
      'a changed build config',
      (folder: string) => writeFile(join(folder, 'tsconfig.build.json'), '{"x":1}'),
      /tsconfig\.build\.json changed/,
    ],
    [
      'no manifest',
      (folder: string) => unlink(join(folder, 'dist/build-manifest.json')),
      /has not been built/,
    ],
  ])('is stale after %s, and says why', async (_name, change, reason) => {
    const folder = await fakePackage();
    await change(folder);
    const check = checkCompiledTree(folder);
    expect(check.fresh).toBe(false);
    expect(check.fresh === false && check.reason).toMatch(reason);
  });
});
