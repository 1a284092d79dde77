import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { sha256 } from '../../util/canonical-json.ts';
import type { RoleModel } from '../ocr-model.ts';
import { DraftImageModel } from './draft/draft-image-model.ts';
import { esrganImplementationFiles, esrganWeightFiles } from './esrgan/esrgan-files.ts';
import { EsrganImageModel } from './esrgan/esrgan-image-model.ts';
import { esrganPackageVersion, esrganSizes, esrganVariant } from './esrgan/esrgan-variant.ts';
import { GradeImageModel } from './grade/grade-image-model.ts';
import {
  englishTrainedDataFile,
  TesseractOcrModel,
  tesseractCorePackageFile,
} from './tesseract/tesseract-ocr-model.ts';

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
  /** An AI SDK image model, or a text recogniser (OcrModelV1) for the `ocr` role. */
  create(): RoleModel;
  fingerprint(): Promise<{
    package: { name: string; version: string };
    sha256: string;
    /** Further pins, e.g. the sha256 of the Atelier code that runs third-party weights. */
    extra?: Record<string, string>;
  }>;
}

const require = createRequire(import.meta.url);

export function atelierPackageVersion(): string {
  return (require('../../../package.json') as { version: string }).version;
}

export function npmPackageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** sha256 over the given files, in order: the implementation or weights a lock entry pins. */
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
  create: () => new DraftImageModel(),
  fingerprint: async () => ({
    package: { name: 'atelier', version: atelierPackageVersion() },
    sha256: await hashFiles([
      new URL('./draft/draft-composition.ts', import.meta.url),
      new URL('./draft/draft-image-model.ts', import.meta.url),
    ]),
  }),
});

registerBuiltinModel({
  id: 'grade',
  description:
    'Deterministic colour grade toward the brand palette or a reference image, by a strength 0..1: ' +
    'OKLab statistics transfer (shared colour balance) or a dominant-colour pull (recolours). Not generative.',
  roles: ['stylize'],
  create: () => new GradeImageModel(),
  fingerprint: async () => ({
    package: { name: 'atelier', version: atelierPackageVersion() },
    sha256: await hashFiles([
      new URL('./grade/grade-image-model.ts', import.meta.url),
      new URL('./grade/statistics-transfer.ts', import.meta.url),
      new URL('./grade/palette-transfer.ts', import.meta.url),
      new URL('../../color/dominant-palette.ts', import.meta.url),
      new URL('../../color/oklab.ts', import.meta.url),
      new URL('../../color/cielab.ts', import.meta.url),
      new URL('../../color/srgb.ts', import.meta.url),
      new URL('../../color/raw-image.ts', import.meta.url),
      new URL('../../util/seeded-random.ts', import.meta.url),
    ]),
  }),
});

registerBuiltinModel({
  id: 'tesseract',
  description:
    'Tesseract 5 OCR (LSTM, English) compiled to WebAssembly (tesseract.js), with the traineddata from ' +
    '@tesseract.js-data/eng; runs offline in a pool of worker threads. Reads text for the typography ' +
    'check — a text recogniser, not an image model.',
  roles: ['ocr'],
  create: () => new TesseractOcrModel(),
  fingerprint: async () => ({
    package: { name: 'tesseract.js', version: npmPackageVersion('tesseract.js') },
    // The language data, the engine build (its package.json pins the version) and our wrapper.
    sha256: await hashFiles([
      englishTrainedDataFile(),
      tesseractCorePackageFile(),
      new URL('./tesseract/tesseract-ocr-model.ts', import.meta.url),
      new URL('./tesseract/worker-pool.ts', import.meta.url),
    ]),
  }),
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
    create: () => new EsrganImageModel(size),
    fingerprint: async () => {
      const packageName = esrganVariant(size, 2).packageName;
      return {
        package: { name: packageName, version: esrganPackageVersion(packageName) },
        sha256: await hashFiles(esrganWeightFiles(size)),
        extra: { implementation: await hashFiles(esrganImplementationFiles()) },
      };
    },
  });
}
