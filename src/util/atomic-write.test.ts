import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTemporaryFiles, writeFileAtomic } from './atomic-write.ts';

let directory: string | undefined;
afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates folders, replaces content and leaves no temporary file', async () => {
    directory = await mkdtemp(join(tmpdir(), 'atomic-'));
    const path = join(directory, 'a', 'b', 'file.txt');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, 'second');
    expect(await readFile(path, 'utf8')).toBe('second');
    expect(await readdir(join(directory, 'a', 'b'))).toEqual(['file.txt']);
  });

  it('sweeps temporary files of dead processes but not of live ones', async () => {
    directory = await mkdtemp(join(tmpdir(), 'atomic-'));
    const dead = join(directory, 'x.png.tmp-999999-0011aabb');
    const live = join(directory, 'y.png.tmp-' + process.pid + '-0011aabb');
    await writeFile(dead, 'partial');
    await writeFile(live, 'in progress');
    expect(await removeStaleTemporaryFiles(directory)).toBe(1);
    expect(await readdir(directory)).toEqual([live.split('/').at(-1)]);
  });
});
