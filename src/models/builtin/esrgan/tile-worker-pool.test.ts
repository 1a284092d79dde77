import { cp, mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { esrganModelDirectory, esrganVariant } from './esrgan-variant.ts';
import { TileWorkerPool } from './tile-worker-pool.ts';

const slim = {
  engine: 'onnx' as const,
  modelDirectory: esrganModelDirectory(esrganVariant('slim', 2)),
  packageName: '@upscalerjs/esrgan-slim',
};
const pools: TileWorkerPool[] = [];
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

function pool(setup = slim, size = 2): TileWorkerPool {
  const created = new TileWorkerPool(setup, size);
  pools.push(created);
  return created;
}

describe('TileWorkerPool', () => {
  it('upscales tiles on worker threads, several at once', async () => {
    const workers = pool();
    const tiles = [0, 1, 2].map((index) => new Float32Array(20 * 16 * 3).fill(40 + index * 60));
    const outputs = await Promise.all(tiles.map((tile) => workers.run(tile, 20, 16)));
    expect(outputs.map((output) => output.length)).toEqual([3840, 3840, 3840]);
    // A flat grey stays roughly that grey: the tiles came back in order, not shuffled.
    const middles = outputs.map((output) => Math.round(output[(16 * 40 + 20) * 3]!));
    expect(middles[0]).toBeLessThan(middles[1]!);
    expect(middles[1]).toBeLessThan(middles[2]!);
  });

  it('loads every engine on warm(), before any tile, and then uses those workers', async () => {
    const workers = pool();
    expect(workers.readyWorkers).toBe(0);
    workers.warm();
    const deadline = Date.now() + 20_000;
    while (workers.readyWorkers < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(workers.readyWorkers).toBe(2);
    const output = await workers.run(new Float32Array(20 * 16 * 3).fill(90), 20, 16);
    expect(output.length).toBe(3840);
    expect(workers.readyWorkers).toBe(2);
  });

  it('fails a tile the engine rejects, loudly, and keeps serving the next ones', async () => {
    const workers = pool(slim, 1);
    await expect(workers.run(new Float32Array(10), 20, 16)).rejects.toThrow(/^upscale tile failed: /);
    const output = await workers.run(new Float32Array(8 * 8 * 3).fill(100), 8, 8);
    expect(output.length).toBe(16 * 16 * 3);
  });

  it('fails every waiting tile with the reason when the weights do not load', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'atelier-pool-'));
    folders.push(folder);
    await cp(slim.modelDirectory, folder, { recursive: true });
    await truncate(join(folder, 'group1-shard1of1.bin'), 64);
    const workers = pool({ ...slim, modelDirectory: folder });
    const runs = [0, 1, 2].map(() => workers.run(new Float32Array(8 * 8 * 3), 8, 8));
    for (const run of runs) {
      await expect(run).rejects.toMatchObject({
        code: 'MODEL_UNAVAILABLE',
        message: expect.stringMatching(/is corrupt: expected \d+ bytes/),
      });
    }
  });

  it('refuses work once closed', async () => {
    const workers = pool();
    await workers.close();
    await expect(workers.run(new Float32Array(3), 1, 1)).rejects.toThrow('closed');
  });
});
