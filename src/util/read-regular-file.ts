import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';

/** Why `readRegularFile` would not read a path that exists. */
export class FileRefusedError extends Error {
  override readonly name = 'FileRefusedError';

  constructor(
    readonly reason: 'folder' | 'not-a-regular-file' | 'too-large',
    readonly path: string,
    /** What is wrong, to follow the path: `is a folder`... */
    readonly detail: string,
  ) {
    super(`${path} ${detail}`);
  }
}

// Opening a FIFO for reading would otherwise wait for a writer, forever.
const openFlags = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * A regular file's bytes, refusing anything else before reading a byte: the file is opened
 * without blocking and checked to be a regular file of at most `maxBytes` (a FIFO would hang the
 * read, a device or a huge file would cost memory without end). Errors from opening (ENOENT...)
 * pass through as they are.
 *
 * @example const text = (await readRegularFile('atelier.yaml', 1024 * 1024)).toString('utf8');
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, openFlags);
  try {
    checkRegularFile(await handle.stat(), path, maxBytes);
    // At most one byte past the limit, in case the file grew since it was checked.
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length = checkLength(length + bytesRead, path, maxBytes);
    }
  } finally {
    await handle.close();
  }
}

/** `readRegularFile` for callers that must stay synchronous. */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
  const descriptor = openSync(path, openFlags);
  try {
    checkRegularFile(fstatSync(descriptor), path, maxBytes);
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(descriptor, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length = checkLength(length + bytesRead, path, maxBytes);
    }
  } finally {
    closeSync(descriptor);
  }
}

function checkRegularFile(stats: Stats, path: string, maxBytes: number): void {
  if (stats.isDirectory()) throw new FileRefusedError('folder', path, 'is a folder');
  if (!stats.isFile())
    throw new FileRefusedError(
      'not-a-regular-file',
      path,
      'is not a regular file (a pipe, socket or device)',
    );
  if (stats.size > maxBytes) throw tooLarge(path, maxBytes);
}

function checkLength(length: number, path: string, maxBytes: number): number {
  if (length > maxBytes) throw tooLarge(path, maxBytes);
  return length;
}

function tooLarge(path: string, maxBytes: number): FileRefusedError {
  return new FileRefusedError('too-large', path, `is larger than ${maxBytes} bytes, the most read`);
}

/**
 * Whether `path`, with every symbolic link followed, lies inside `folder` (itself resolved).
 * False when either does not exist. For files named by data the caller does not control
 * (a run folder a user can edit), so a link cannot lead a reader out of the project.
 */
export async function isRealPathInside(path: string, folder: string): Promise<boolean> {
  try {
    const [real, root] = await Promise.all([realpath(path), realpath(folder)]);
    return isPathInside(real, root);
  } catch {
    return false;
  }
}

/** Whether `path` lies strictly inside `folder`, both absolute, by their text alone. */
export function isPathInside(path: string, folder: string): boolean {
  const inner = relative(folder, path);
  return inner !== '' && inner !== '..' && !inner.startsWith(`..${sep}`) && !inner.startsWith(sep);
}
