import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Atelier runs either from its TypeScript sources (src/, through tsx or vitest) or from their
 * compiled form (dist/, the same tree at the same depth with `.ts` emitted as `.js`; see
 * build/build-dist.mjs). These helpers let a module name a sibling module, or the source behind
 * a compiled file, the same way in both.
 */
const here = fileURLToPath(import.meta.url);

/** Whether this process runs the compiled tree. */
export const runningCompiled = here.endsWith('.js');

/** The Atelier checkout or install (src/ and dist/ sit side by side in it). */
export const packageRoot = resolve(here, '../../../');
const sourceRoot = join(packageRoot, 'src');
const compiledRoot = join(packageRoot, 'dist');

/**
 * The URL of a sibling module named by its source file (`./run-process.ts`): that file from the
 * sources, its compiled `.js` from dist/. For modules started by path (a child process, a worker).
 */
export function siblingModule(sourceSpecifier: string, base: string | URL): URL {
  const specifier = runningCompiled ? sourceSpecifier.replace(/\.([cm]?)ts$/, '.$1js') : sourceSpecifier;
  return new URL(specifier, base);
}

/**
 * The source file a path in dist/ was compiled from (`dist/x/y.js` → `src/x/y.ts`, and
 * `dist/x/y.ts` as a compiled module's `new URL('./y.ts', import.meta.url)` names it →
 * `src/x/y.ts`); any other path as it is. Fingerprints hash sources, whichever tree runs.
 */
export function sourcePathOf(path: string): string {
  const inside = relative(compiledRoot, path);
  if (inside === '' || isAbsolute(inside) || inside.split(sep)[0] === '..') return path;
  const source = join(sourceRoot, inside);
  if (existsSync(source)) return source;
  const typescript = source.replace(/\.([cm]?)js$/, '.$1ts');
  return existsSync(typescript) ? typescript : source;
}
