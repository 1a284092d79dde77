// What the compiled tree (dist/) is built from, and whether the dist/ on disk was built from the
// sources as they are now. Plain JavaScript: bin/atelier.js reads it before it knows whether it
// may run compiled code, and the build (npm's `prepare`) runs it before anything is compiled.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('../', import.meta.url));
export const distDirectory = join(packageRoot, 'dist');
/** Written last by the build (and removed first), so a half-built dist/ is never trusted. */
export const manifestPath = join(distDirectory, 'build-manifest.json');

/** Besides src/, the files that decide what the compiler emits. */
const buildInputs = ['tsconfig.json', 'tsconfig.build.json', 'build/build-dist.mjs', 'build/compiled-tree.mjs'];

/** Tests run from the sources (vitest) and are never compiled, so they cannot make dist/ stale. */
const testFile = /\.test\.ts$/;

/** Package-relative paths (forward slashes) of every file dist/ is made from, sorted. */
export function compiledInputs() {
  const sources = readdirSync(join(packageRoot, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !testFile.test(entry.name))
    .map((entry) => relative(packageRoot, join(entry.parentPath, entry.name)).split(sep).join('/'));
  return [...sources, ...buildInputs].sort();
}

/** sha256 of each input, by package-relative path. */
export function digestInputs(paths = compiledInputs()) {
  return Object.fromEntries(
    paths.map((path) => [
      path,
      createHash('sha256')
        .update(readFileSync(join(packageRoot, path)))
        .digest('hex'),
    ]),
  );
}

/**
 * Whether dist/ holds exactly the compiled form of today's sources: its manifest lists the same
 * input files with the same sha256 each. Content, not timestamps, decides: an edit, a checkout,
 * a new or deleted source file each make it stale.
 *
 * @returns {{ fresh: true } | { fresh: false, reason: string }}
 */
export function checkCompiledTree() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return { fresh: false, reason: 'dist/ has not been built (npm run build)' };
  }
  const built = manifest.inputs ?? {};
  const current = digestInputs();
  for (const [path, digest] of Object.entries(current)) {
    if (built[path] === undefined) return { fresh: false, reason: `${path} is newer than dist/` };
    if (built[path] !== digest) return { fresh: false, reason: `${path} changed since dist/ was built` };
  }
  for (const path of Object.keys(built)) {
    if (current[path] === undefined) return { fresh: false, reason: `${path} was removed since dist/ was built` };
  }
  return { fresh: true };
}
