// What the compiled tree (dist/) is built from, and whether the dist/ on disk was built from the
// sources as they are now. Plain JavaScript: bin/atelier.js reads it before it knows whether it
// may run compiled code, and the build (npm's `prepare`) runs it before anything is compiled.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Atelier checkout or install: src/ and dist/ sit side by side in it. */
export const packageRoot = fileURLToPath(new URL('../', import.meta.url));

/** Written last by the build, so a half-built dist/ is never trusted. */
const manifestName = 'build-manifest.json';

/** Besides src/, the files that decide what the compiler emits. */
const buildInputs = [
  'tsconfig.json',
  'tsconfig.build.json',
  'build/build-dist.mjs',
  'build/compiled-tree.mjs',
];

/** Tests run from the sources (vitest) and are never compiled, so they cannot make dist/ stale. */
const testFile = /\.test\.ts$/;

/** Package-relative paths (forward slashes) of every file dist/ is made from, sorted. */
export function compiledInputs(root = packageRoot) {
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !testFile.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
  return [...sources, ...buildInputs].sort();
}

/** sha256 of each input, by package-relative path. */
export function digestInputs(root = packageRoot, paths = compiledInputs(root)) {
  return Object.fromEntries(
    paths.map((path) => [
      path,
      createHash('sha256')
        .update(readFileSync(join(root, path)))
        .digest('hex'),
    ]),
  );
}

/** Records in a compiled tree which inputs, with which digests, it was built from. */
export function writeBuildManifest(compiledDirectory, digests) {
  writeFileSync(join(compiledDirectory, manifestName), `${JSON.stringify({ inputs: digests }, null, 2)}\n`);
}

/**
 * Whether `<root>/dist` holds exactly the compiled form of today's sources: its manifest lists
 * the same input files with the same sha256 each. Content, not timestamps, decides: an edit, a
 * checkout, a new or a deleted source file each make it stale.
 *
 * @returns {{ fresh: true } | { fresh: false, reason: string }}
 */
export function checkCompiledTree(root = packageRoot) {
  let built;
  try {
    built = JSON.parse(readFileSync(join(root, 'dist', manifestName), 'utf8')).inputs ?? {};
  } catch {
    return { fresh: false, reason: 'dist/ has not been built (npm run build)' };
  }
  const current = digestInputs(root);
  for (const [path, digest] of Object.entries(current)) {
    if (built[path] === undefined) return { fresh: false, reason: `${path} is new since dist/ was built` };
    if (built[path] !== digest) return { fresh: false, reason: `${path} changed since dist/ was built` };
  }
  for (const path of Object.keys(built)) {
    if (current[path] === undefined)
      return { fresh: false, reason: `${path} was removed since dist/ was built` };
  }
  return { fresh: true };
}
