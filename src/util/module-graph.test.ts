import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { implementationHash, moduleGraphFiles, relativeDependencies } from './module-graph.ts';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'module-graph-'));
  const files: Record<string, string> = {
    // a -> b -> c; a's type-only import of e and d (imported by nobody) are not part of it.
    'a.ts': [
      "import type { E } from './e.ts';",
      "import { b } from './b.ts';",
      "import sharp from 'sharp';",
      'export const a = (e: E) => b() + e.value + String(sharp);',
    ].join('\n'),
    'b.ts': "import { c } from './c.ts';\nexport const b = () => c[0]! / 2;\n",
    'c.ts': 'export const c = [4];\n',
    'd.ts': 'export const d = 1;\n',
    'e.ts': 'export interface E { value: number }\n',
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(directory, name), text);
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const fingerprint = () => implementationHash([join(directory, 'a.ts')], { root: directory, cache: false });

describe('implementationHash', () => {
  it('covers the transitive relative imports and nothing else', () => {
    expect(moduleGraphFiles([join(directory, 'a.ts')])).toEqual(
      ['a.ts', 'b.ts', 'c.ts'].map((name) => join(directory, name)),
    );
  });

  it.each(['a.ts', 'b.ts', 'c.ts'])('changes when %s in the graph changes', async (name) => {
    const before = fingerprint();
    await appendFile(join(directory, name), '// changed\n');
    expect(fingerprint()).not.toBe(before);
  });

  it.each(['d.ts', 'e.ts'])('stays the same when %s outside the graph changes', async (name) => {
    const before = fingerprint();
    await appendFile(join(directory, name), '// changed\n');
    expect(fingerprint()).toBe(before);
  });

  it('pins the data files by content and is cached per process unless asked', async () => {
    const data = join(directory, 'weights.bin');
    await writeFile(data, 'one');
    const options = { root: directory, dataFiles: [data] };
    const withData = implementationHash([join(directory, 'a.ts')], options);
    expect(withData).not.toBe(fingerprint());
    await writeFile(data, 'two');
    expect(implementationHash([join(directory, 'a.ts')], options)).toBe(withData);
    expect(implementationHash([join(directory, 'a.ts')], { ...options, cache: false })).not.toBe(withData);
  });

  it('follows export-from, literal dynamic imports and new URL worker scripts', async () => {
    await writeFile(
      join(directory, 'entry.ts'),
      [
        "export { a } from './a.ts';",
        "export type { E } from './e.ts';",
        "const worker = new URL('./worker.mjs', import.meta.url);",
        "const folder = new URL('./', import.meta.url);",
        "export const load = () => import('./d.ts');",
      ].join('\n'),
    );
    await writeFile(join(directory, 'worker.mjs'), "await import('./worker-body.ts');\n");
    await writeFile(join(directory, 'worker-body.ts'), 'export {};\n');
    const names = moduleGraphFiles([join(directory, 'entry.ts')]).map((file) =>
      file.slice(directory.length + 1),
    );
    expect(names).toEqual(['a.ts', 'b.ts', 'c.ts', 'd.ts', 'entry.ts', 'worker-body.ts', 'worker.mjs']);
  });

  it('fails loudly on an import it cannot find', async () => {
    await writeFile(join(directory, 'broken.ts'), "import { x } from './missing.ts';\n");
    expect(() => moduleGraphFiles([join(directory, 'broken.ts')])).toThrow(/imports '\.\/missing\.ts'/);
  });
});

describe('relativeDependencies', () => {
  it('reads every source file under src/ as the TypeScript compiler does', async () => {
    const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
    const files = execFileSync('git', ['ls-files', 'src/*.ts', 'src/*.mjs'], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((file) => !file.endsWith('.test.ts'))
      .map((file) => join(root, file));
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const source = await readFile(file, 'utf8');
      const lexed = relativeDependencies(file, source).sort();
      expect(lexed, file).toEqual(compilerDependencies(file, source).sort());
    }
  });
});

/** The same dependencies from the TypeScript syntax tree: the reference the lexer is held to. */
function compilerDependencies(file: string, source: string): string[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const add = (specifier: string) => {
    if (/^\.{1,2}\//.test(specifier)) found.push(resolve(dirname(file), specifier));
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.importClause?.isTypeOnly) add(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) add(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text);
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'URL' &&
      node.arguments?.[0] &&
      ts.isStringLiteralLike(node.arguments[0]) &&
      node.arguments[1]?.getText(tree) === 'import.meta.url'
    ) {
      const target = resolve(dirname(file), node.arguments[0].text);
      if (statSync(target, { throwIfNoEntry: false })?.isFile()) add(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}
