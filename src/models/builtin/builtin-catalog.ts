import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { atelierPackageVersion } from '../../util/atelier-version.ts';
import { sha256 } from '../../util/canonical-json.ts';
import { implementationHash } from '../../util/module-graph.ts';
import type { RoleModel } from '../role-model.ts';
import { esrganWeightFiles } from './esrgan/esrgan-files.ts';
import { esrganPackageVersion, esrganSizes, esrganVariant } from './esrgan/esrgan-variant.ts';
import { englishTrainedDataFile, tesseractCorePackageFile } from './tesseract/tesseract-data-files.ts';

/**
 * A model that ships with Atelier. `fingerprint` says exactly what the lockfile pins: the
 * npm package that carries the implementation or weights, and a sha256 over those files.
 */
export interface BuiltinModelDefinition {
  readonly id: string;
  /** One honest sentence for `atelier models` and the README. */
  readonly description: string;
  /** Roles this model can play; the config is checked against it. */
  readonly roles: readonly string[];
  /**
   * The module that implements the model: its transitive relative imports are the Atelier code
   * the lock pins (`implementationHash`), so a change to any helper it reaches changes the lock.
   */
  readonly entry: URL;
  /**
   * An AI SDK image model, or a text recogniser (OcrModelV1) for the `ocr` role. The model's
   * module (and sharp, tesseract.js or onnxruntime behind it) loads here, not with the catalog:
   * listing, locking or a run whose every job is cached loads none of them.
   */
  create(): Promise<RoleModel>;
  fingerprint(): Promise<{
    package: { name: string; version: string };
    sha256: string;
    /** Further pins, e.g. the sha256 of the Atelier code that runs third-party weights. */
    extra?: Record<string, string>;
  }>;
}

const require = createRequire(import.meta.url);

export function npmPackageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** sha256 over the given files, in order: the weights a lock entry pins. */
export async function hashFiles(files: readonly (string | URL)[]): Promise<string> {
  const digests: string[] = [];
  for (const file of files) digests.push(sha256(await readFile(file)));
  return digests.length === 1 ? digests[0]! : sha256(digests.join('\n'));
}

const catalog = new Map<string, BuiltinModelDefinition>();

export function registerBuiltinModel(definition: BuiltinModelDefinition): void {
  catalog.set(definition.id, definition);
}

export function builtinModel(id: string): BuiltinModelDefinition | undefined {
  return catalog.get(id);
}

export function builtinModels(): BuiltinModelDefinition[] {
  return [...catalog.values()];
}

registerBuiltinModel({
  id: 'draft',
  description:
    'Seeded procedural composition renderer (brand-palette gradients, soft light, simple shapes, film grain). ' +
    'A deterministic layout stand-in for offline runs, demos and CI — not a generative model.',
  roles: ['compose'],
  entry: new URL('./draft/draft-image-model.ts', import.meta.url),
  create: async () => new (await import('./draft/draft-image-model.ts')).DraftImageModel(),
  async fingerprint() {
    return {
      package: { name: 'atelier', version: atelierPackageVersion() },
      sha256: implementationHash([this.entry]),
    };
  },
});

registerBuiltinModel({
  id: 'grade',
  description:
    'Deterministic colour grade toward the brand palette or a reference image, by a strength 0..1: ' +
    'OKLab statistics transfer (shared colour balance) or a dominant-colour pull (recolours). Not generative.',
  roles: ['stylize'],
  entry: new URL('./grade/grade-image-model.ts', import.meta.url),
  create: async () => new (await import('./grade/grade-image-model.ts')).GradeImageModel(),
  async fingerprint() {
    return {
      package: { name: 'atelier', version: atelierPackageVersion() },
      // The colour maths is culori's: its package.json pins the version that computed the pixels.
      sha256: implementationHash([this.entry], { dataFiles: [require.resolve('culori/package.json')] }),
    };
  },
});

registerBuiltinModel({
  id: 'tesseract',
  description:
    'Tesseract 5 OCR (LSTM, English) compiled to WebAssembly (tesseract.js), with the traineddata from ' +
    '@tesseract.js-data/eng; runs offline in a pool of worker threads. Reads text for the typography ' +
    'check — a text recogniser, not an image model.',
  roles: ['ocr'],
  entry: new URL('./tesseract/tesseract-ocr-model.ts', import.meta.url),
  create: async () => new (await import('./tesseract/tesseract-ocr-model.ts')).TesseractOcrModel(),
  async fingerprint() {
    return {
      package: { name: 'tesseract.js', version: npmPackageVersion('tesseract.js') },
      // Our wrapper, the language data and the engine build (its package.json pins the version).
      sha256: implementationHash([this.entry], {
        dataFiles: [englishTrainedDataFile(), tesseractCorePackageFile()],
      }),
    };
  },
});

const esrganDescriptions = {
  slim: 'ESRGAN slim (RDN, 2 small dense blocks; fastest)',
  medium: 'ESRGAN medium (RDN, 10 dense blocks; ~3x the work of slim)',
  thick: 'ESRGAN thick (RRDN, 10 residual-in-residual dense blocks; ~32x the work of slim)',
};

for (const size of esrganSizes) {
  registerBuiltinModel({
    id: `esrgan-${size}`,
    description:
      `${esrganDescriptions[size]}: the UpscalerJS DIV2K-trained network with its MIT weights from ` +
      `@upscalerjs/esrgan-${size}, x2 or x4, run tiled on worker threads (onnxruntime).`,
    roles: ['upscale'],
    entry: new URL('./esrgan/esrgan-image-model.ts', import.meta.url),
    create: async () => new (await import('./esrgan/esrgan-image-model.ts')).EsrganImageModel(size),
    async fingerprint() {
      const packageName = esrganVariant(size, 2).packageName;
      return {
        package: { name: packageName, version: esrganPackageVersion(packageName) },
        sha256: await hashFiles(esrganWeightFiles(size)),
        // Atelier's upscaler code (conversion, engines, tiling, blending, the worker scripts)
        // decides the output bytes as much as the weights do.
        extra: { implementation: implementationHash([this.entry]) },
      };
    },
  });
}
