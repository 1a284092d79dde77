import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a file so that readers only ever see the old content or the complete new content:
 * write to a temporary sibling, fsync it, rename over the target, then fsync the directory so
 * the rename itself survives a crash. A process killed mid-write leaves only a `.tmp-*` file.
 *
 * `durable: false` skips the fsyncs (the rename stays atomic): for files that can be rebuilt
 * from durable state, such as a run folder's copies of stored artifacts.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { durable?: boolean } = {},
): Promise<void> {
  const durable = options.durable ?? true;
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporary = temporaryPathFor(path);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  if (durable) await syncDirectory(directory);
}

/**
 * Copies a file so that readers only ever see the old content or the complete copy: a kernel
 * copy (a copy-on-write clone where the file system has them) to a temporary sibling, then a
 * rename over the target. Not fsynced: for copies that can be made again.
 */
export async function copyFileAtomic(source: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPathFor(path);
  try {
    await copyFile(source, temporary, constants.COPYFILE_FICLONE);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}

/** A sibling name `removeStaleTemporaryFiles` recognises (and leaves alone while its process lives). */
function temporaryPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

const temporaryName = /\.tmp-(\d+)-[0-9a-f]{8}$/;

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files left by a process that died mid-write (a SIGKILLed run). Files of
 * live processes are left alone: they may still be renamed into place.
 */
export async function removeStaleTemporaryFiles(directory: string): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { recursive: true, withFileTypes: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const match = temporaryName.exec(entry.name);
    if (!entry.isFile() || !match) continue;
    if (Number(match[1]) === process.pid || processIsAlive(Number(match[1]))) continue;
    await rm(join(entry.parentPath, entry.name), { force: true });
    removed++;
  }
  return removed;
}
