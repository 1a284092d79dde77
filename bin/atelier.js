#!/usr/bin/env node
// Atelier runs compiled JavaScript from dist/ (built by `npm run build`, which `npm ci` runs as
// `prepare`) when dist/ was built from the sources exactly as they are now, and its TypeScript
// sources through tsx otherwise: slower to start, never stale. Either way the lockfile pins the
// sources' sha256, and the compiled files are those sources' compiled form.
import { checkCompiledTree } from '../build/compiled-tree.mjs';

/**
 * A TypeScript module named by ATELIER_EXTRA_PROVIDERS (src/runtime/extra-providers.ts), such as
 * a test double, loads only through tsx and imports the sources: the whole process runs them.
 */
const extraProvidersInTypeScript = /\.[cm]?tsx?$/.test(process.env.ATELIER_EXTRA_PROVIDERS ?? '');

const compiled =
  process.env.ATELIER_FROM_SOURCE || extraProvidersInTypeScript ? { fresh: false } : checkCompiledTree();
if (compiled.fresh) {
  await import('../dist/cli/main.js');
} else {
  if (compiled.reason && process.stderr.isTTY) {
    process.stderr.write(`note: running from the TypeScript sources (${compiled.reason}); slow start\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
