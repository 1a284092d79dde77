import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleGraphFiles } from '../../util/module-graph.ts';
import { builtinModel, builtinModels } from './builtin-catalog.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const implementationFiles = (id: string) =>
  moduleGraphFiles([builtinModel(id)!.entry]).map((file) => relative(root, file));

describe('built-in implementation pins', () => {
  it('draft pins the seeded random numbers that decide its pixels and the compression of its file', () => {
    expect(implementationFiles('draft')).toEqual([
      'src/models/builtin/draft/draft-composition.ts',
      'src/models/builtin/draft/draft-image-model.ts',
      'src/util/seeded-random.ts',
      'src/util/sharp.ts',
    ]);
  });

  it('grade pins its colour maths', () => {
    expect(implementationFiles('grade')).toEqual(
      expect.arrayContaining([
        'src/colour/colour-spaces.ts',
        'src/colour/dominant-palette.ts',
        'src/util/seeded-random.ts',
      ]),
    );
  });

  it('esrgan pins the tile worker scripts and both engines it loads by path or on demand', () => {
    expect(implementationFiles('esrgan-slim')).toEqual(
      expect.arrayContaining([
        'src/models/builtin/esrgan/tile-worker-bootstrap.mjs',
        'src/models/builtin/esrgan/tile-worker.ts',
        'src/models/builtin/esrgan/onnx-tile-engine.ts',
        'src/models/builtin/esrgan/tfjs-tile-engine.ts',
      ]),
    );
  });

  it('every built-in names an entry module; draft and grade hash its graph', async () => {
    for (const model of builtinModels().filter((model) => ['draft', 'grade'].includes(model.id))) {
      const { sha256 } = await model.fingerprint();
      expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(builtinModels().every((model) => implementationFiles(model.id).length > 0)).toBe(true);
  });
});
