import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';

/** Why `readRegularFile` would not read a path that exists. */
export class FileRefusedError extends Error {
  override readonly name = 'FileRefusedError';

  constructor(
    readonly reason: 'folder' | 'not-a-regular-file' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A regular file's bytes, refusing anything else before reading a byte: the file is opened
 * without blocking (opening a FIFO for reading would otherwise wait for a writer, forever) and
 * checked to be a regular file of at most `maxBytes`. Errors from opening (ENOENT...) pass
 * through as they are.
 *
 * @example const text = (await readRegularFile('atelier.yaml', 1024 * 1024)).toString('utf8');
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new FileRefusedError('folder', `${path} is a folder`);
    if (!stats.isFile())
      throw new FileRefusedError(
        'not-a-regular-file',
        `${path} is not a regular file (a pipe, socket or device)`,
      );
    const tooLarge = (size: string) =>
      new FileRefusedError('too-large', `${path} has ${size} bytes; at most ${maxBytes} are read`);
    if (stats.size > maxBytes) throw tooLarge(String(stats.size));
    // At most one byte past the limit, in case the file grew since it was checked.
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw tooLarge(`more than ${maxBytes}`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Whether `path`, with every symbolic link followed, lies inside `folder` (itself resolved).
 * False when either does not exist. For files named by data the caller does not control
 * (a run folder a user can edit), so a link cannot lead a reader out of the project.
 */
export async function isRealPathInside(path: string, folder: string): Promise<boolean> {
  try {
    const [real, root] = await Promise.all([realpath(path), realpath(folder)]);
    const inner = relative(root, real);
    return inner !== '' && inner !== '..' && !inner.startsWith(`..${sep}`) && !inner.startsWith(sep);
  } catch {
    return false;
  }
}
