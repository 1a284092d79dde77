// Compiles src/ to dist/ (npm's `prepare` runs this on `npm ci` and `npm install`), so the CLI
// starts without compiling TypeScript. dist/ mirrors src/ file for file at the same depth, so
// paths a module finds relative to itself (the package.json, a sibling worker script) hold in
// both trees. The manifest of source digests is written last: bin/atelier.js runs dist/ only
// while it matches the sources, and runs the sources through tsx otherwise.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compiledInputs, digestInputs, packageRoot, writeBuildManifest } from './compiled-tree.mjs';

const distDirectory = join(packageRoot, 'dist');
/** Built beside dist/ and swapped in whole, so a process running from dist/ never sees it half-built. */
const nextDirectory = join(packageRoot, 'dist-next');

/** Files under src/ that are read as they are rather than compiled: the studio's front end. */
const copiedAsIs = /^src\/studio\/web\/(?!tsconfig\.json$)/;

// Digest first: a source edited while the compiler runs leaves the manifest naming the old
// content, so the new content is never taken for compiled.
const inputs = compiledInputs();
const digests = digestInputs(packageRoot, inputs);

rmSync(nextDirectory, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(
  process.execPath,
  [tsc, '-p', join(packageRoot, 'tsconfig.build.json'), '--outDir', nextDirectory],
  { stdio: 'inherit' },
);
for (const path of inputs.filter((input) => copiedAsIs.test(input))) {
  const target = join(nextDirectory, path.slice('src/'.length));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(packageRoot, path), target);
}
writeBuildManifest(nextDirectory, digests);
rmSync(distDirectory, { recursive: true, force: true });
renameSync(nextDirectory, distDirectory);
