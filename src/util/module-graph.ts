import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initSync, parse } from 'es-module-lexer';
import { sha256 } from './canonical-json.ts';
import { packageRoot, sourcePathOf } from './compiled-layout.ts';

/** Source files whose imports are followed; anything else reached by `new URL` is hashed as data. */
const sourceFile = /\.(?:[cm]?[jt]s|tsx)$/;

/** `new URL('./sibling', import.meta.url)`: a worker script or file a module loads by path. */
const urlReference = /\bnew\s+URL\(\s*(['"`])(\.{1,2}\/[^'"`\n]*)\1\s*,\s*import\.meta\.url\s*\)/g;

/**
 * `import type …` and `export type … from`: erased before the module runs (the project compiles
 * with `verbatimModuleSyntax`, so every import not marked `type` is loaded at run time).
 */
const typeOnlyStatement = /^(?:import|export)\s+type(?:\s+(?!from\s*['"])|(?=[{*]))/;

/**
 * A TypeScript non-null assertion before a division (`sums[i]! / n`) reads to the lexer, which
 * knows only JavaScript, as the start of a regular expression; a space in its place keeps every
 * offset and means the same to it.
 */
const nonNullBeforeSlash = /(?<=[\w$)\]])!(?=\s*\/)/g;

let lexerReady = false;

/**
 * An entry or data file as the file to hash. Run compiled, an entry names a file in dist/; the
 * lock pins its source (dist/ is only ever run while it is the compiled form of exactly these
 * sources: build/compiled-tree.mjs), so a lock written from either tree is the same.
 */
function toPath(file: string | URL): string {
  return sourcePathOf(resolve(file instanceof URL ? fileURLToPath(file) : file));
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function resolveImport(from: string, specifier: string): string {
  const target = resolve(dirname(from), specifier.replace(/[?#].*$/, ''));
  if (isFile(target)) return target;
  // NodeNext-style `./x.js` naming a TypeScript source.
  const typescript = target.replace(/\.([cm]?)js$/, '.$1ts');
  if (typescript !== target && isFile(typescript)) return typescript;
  throw new Error(`${from} imports '${specifier}', which is not a file (looked for ${target})`);
}

/**
 * The files a module loads by relative path: static imports and `export … from` (not type-only
 * ones), `import('./x.ts')` with a literal specifier, and existing files named by
 * `new URL('./x', import.meta.url)`. Package specifiers are left out: a package is pinned by its
 * version. Absolute paths.
 */
export function relativeDependencies(file: string, source: string): string[] {
  if (!lexerReady) {
    initSync();
    lexerReady = true;
  }
  let imports: ReturnType<typeof parse>[0];
  try {
    [imports] = parse(source.replace(nonNullBeforeSlash, ' '), file);
  } catch (error) {
    throw new Error(`Cannot read the imports of ${file}: ${(error as Error).message}`, { cause: error });
  }
  const dependencies: string[] = [];
  for (const entry of imports) {
    const specifier = entry.n;
    if (specifier === undefined || !/^\.{1,2}\//.test(specifier)) continue;
    if (entry.d === -1 && typeOnlyStatement.test(source.slice(entry.ss, entry.se))) continue;
    dependencies.push(resolveImport(file, specifier));
  }
  for (const match of source.matchAll(urlReference)) {
    const target = resolve(dirname(file), match[2]!);
    if (isFile(target)) dependencies.push(target);
  }
  return dependencies;
}

/**
 * Every file in the transitive relative-import graph of the entry modules (see
 * {@link relativeDependencies}), entries included: absolute paths, sorted.
 *
 * @example moduleGraphFiles([new URL('./draft/draft-image-model.ts', import.meta.url)])
 */
export function moduleGraphFiles(entries: readonly (string | URL)[]): string[] {
  return [...readModuleGraph(entries).keys()].sort();
}

function readModuleGraph(entries: readonly (string | URL)[]): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const pending = entries.map(toPath);
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    const bytes = readFileSync(file);
    files.set(file, bytes);
    if (sourceFile.test(file)) pending.push(...relativeDependencies(file, bytes.toString('utf8')));
  }
  return files;
}

export interface ImplementationHashOptions {
  /** Weights or data the code reads, hashed by content in the order given (their install path varies). */
  readonly dataFiles?: readonly (string | URL)[];
  /** Source paths are hashed relative to this directory; the Atelier package root by default. */
  readonly root?: string;
  /** Reuse the hash computed earlier in this process for the same arguments (default true). */
  readonly cache?: boolean;
}

const hashes = new Map<string, string>();

/**
 * sha256 of the code (and data) that decides a module's output: each file of the entries'
 * module graph as its path relative to `root` and its content, in path order, then each data
 * file's content. A change to any helper the entry reaches changes the hash; type-only imports
 * and unrelated files do not. Computed once per process for the same arguments.
 *
 * @example implementationHash([new URL('./grade/grade-image-model.ts', import.meta.url)])
 */
export function implementationHash(
  entries: readonly (string | URL)[],
  options: ImplementationHashOptions = {},
): string {
  const root = resolve(options.root ?? packageRoot);
  const dataFiles = (options.dataFiles ?? []).map(toPath);
  const key = JSON.stringify([root, entries.map(toPath), dataFiles]);
  const cached = options.cache === false ? undefined : hashes.get(key);
  if (cached) return cached;
  const lines = [...readModuleGraph(entries)]
    .map(([file, bytes]) => `${relative(root, file).split(sep).join('/')}\0${sha256(bytes)}`)
    .sort();
  for (const file of dataFiles) lines.push(`data\0${sha256(readFileSync(file))}`);
  const hash = sha256(lines.join('\n'));
  hashes.set(key, hash);
  return hash;
}
