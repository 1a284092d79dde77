import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import Tesseract from 'tesseract.js';
import type {
  OcrBox,
  OcrCallOptions,
  OcrCallResult,
  OcrLine,
  OcrModelV1,
  OcrPolarity,
  OcrWord,
} from '../../ocr-model.ts';
import { WorkerPool, type WorkerPoolStats } from './worker-pool.ts';

const require = createRequire(import.meta.url);

/**
 * The English LSTM model that `@tesseract.js-data/eng` ships (integer "best" weights). Read
 * from node_modules: tesseract.js would otherwise download it from a CDN.
 */
export function englishTrainedDataDirectory(): string {
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
}

export function englishTrainedDataFile(): string {
  return join(englishTrainedDataDirectory(), 'eng.traineddata.gz');
}

/** package.json of the WebAssembly build of Tesseract that tesseract.js loads. */
export function tesseractCorePackageFile(): string {
  return createRequire(require.resolve('tesseract.js')).resolve('tesseract.js-core/package.json');
}

const pageSegmentation: Record<NonNullable<OcrCallOptions['layout']>, string> = {
  auto: Tesseract.PSM.AUTO,
  block: Tesseract.PSM.SINGLE_BLOCK,
  sparse: Tesseract.PSM.SPARSE_TEXT,
};

const recognitionParameters = {
  // Sauvola's local thresholding (Tesseract 5) instead of one global Otsu threshold: copy sits
  // on gradients, panels and shapes, where no single threshold separates letters from ground.
  thresholding_method: '2',
  // Images carry no print resolution; saying so keeps Tesseract from guessing (and warning).
  user_defined_dpi: '300',
  // Tesseract's diagnostics ("Detected 73 diacritics") would otherwise land on our stderr.
  debug_file: '/dev/null',
};

export interface TesseractOcrModelOptions {
  /** Workers in the pool (default: the number of cores, at most 4). */
  readonly poolSize?: number;
}

export interface TesseractOcrStats extends WorkerPoolStats {
  /** Pools set up by this model instance: one per run (a run disposes its models at the end). */
  readonly poolsCreated: number;
}

/**
 * `builtin:tesseract`: Tesseract 5 (LSTM, English) compiled to WebAssembly, through tesseract.js,
 * as an OcrModelV1. Recognition runs in a pool of worker threads that starts on the first
 * image and is then reused for every image of the run; `dispose()` stops it so the process
 * can exit. Nothing is fetched: the language data and the engine come from node_modules.
 */
export class TesseractOcrModel implements OcrModelV1 {
  readonly specificationVersion = 'ocr-v1';
  readonly provider = 'builtin';
  readonly modelId = 'tesseract';
  private pool: WorkerPool<Tesseract.Worker> | undefined;
  private poolsCreated = 0;
  private finishedPools: WorkerPoolStats[] = [];
  private readonly poolSize: number;

  constructor(options: TesseractOcrModelOptions = {}) {
    this.poolSize = options.poolSize ?? Math.max(1, Math.min(availableParallelism(), 4));
  }

  /** How the worker pools of this instance were used (summed over pools). */
  get stats(): TesseractOcrStats {
    const pools = [...this.finishedPools, ...(this.pool ? [this.pool.stats] : [])];
    return {
      poolsCreated: this.poolsCreated,
      workersCreated: pools.reduce((sum, pool) => sum + pool.workersCreated, 0),
      initMs: pools.flatMap((pool) => pool.initMs),
      jobs: pools.reduce((sum, pool) => sum + pool.jobs, 0),
      live: pools.reduce((sum, pool) => sum + pool.live, 0),
    };
  }

  async doRecognize(options: OcrCallOptions): Promise<OcrCallResult> {
    const { image, polarity } = await prepareImage(options.image, options.polarity);
    const psm = pageSegmentation[options.layout ?? 'auto'];
    const { data } = await this.workerPool().run(
      (worker) =>
        worker.recognize(image, { tessedit_pageseg_mode: psm, ...recognitionParameters } as never, {
          text: true,
          blocks: true,
        }),
      options.abortSignal,
    );
    const lines = readLines(data);
    const words = lines.flatMap((line) => line.words);
    return {
      text: lines.map((line) => line.text).join('\n'),
      confidence: words.length > 0 ? words.reduce((sum, word) => sum + word.confidence, 0) / words.length : 0,
      lines,
      polarity,
      warnings: [],
      response: { timestamp: new Date(), modelId: this.modelId },
    };
  }

  async dispose(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (!pool) return;
    await pool.close();
    this.finishedPools.push(pool.stats);
  }

  private workerPool(): WorkerPool<Tesseract.Worker> {
    if (!this.pool) {
      this.poolsCreated++;
      this.pool = new WorkerPool({
        size: this.poolSize,
        create: createTesseractWorker,
        destroy: (w) => w.terminate().then(() => undefined),
      });
    }
    return this.pool;
  }
}

async function createTesseractWorker(): Promise<Tesseract.Worker> {
  const dataDirectory = englishTrainedDataDirectory();
  return Tesseract.createWorker('eng', Tesseract.OEM.LSTM_ONLY, {
    langPath: dataDirectory,
    // Read the traineddata where it is and never write a cached copy (by default tesseract.js
    // writes one into the working directory).
    cachePath: dataDirectory,
    cacheMethod: 'none',
    gzip: true,
    logger: () => {},
    // Without a handler, a failed job is also thrown from the worker's message listener, which
    // would crash the process; the job's promise rejects either way.
    errorHandler: () => {},
  });
}

/**
 * Grey levels only (colour adds nothing to Tesseract's binarisation and costs decode time),
 * with light-on-dark text negated: the recogniser was trained on dark text on a light page and
 * reads light copy (a dark scene, a filled button) far better the right way round. Without a
 * polarity given, mostly dark images are taken to carry light text.
 */
async function prepareImage(
  bytes: Uint8Array,
  requested: OcrPolarity | undefined,
): Promise<{ image: Buffer; polarity: OcrPolarity }> {
  const grey = sharp(bytes).greyscale();
  let polarity = requested;
  if (!polarity) {
    const { channels } = await grey.clone().stats();
    polarity = (channels[0]?.mean ?? 255) < 110 ? 'light-on-dark' : 'dark-on-light';
  }
  const oriented = polarity === 'light-on-dark' ? grey.negate({ alpha: false }) : grey;
  return { image: await oriented.png({ compressionLevel: 1 }).toBuffer(), polarity };
}

function toBox(bbox: Tesseract.Bbox): OcrBox {
  return { x: bbox.x0, y: bbox.y0, width: bbox.x1 - bbox.x0, height: bbox.y1 - bbox.y0 };
}

function readLines(page: Tesseract.Page): OcrLine[] {
  const lines: OcrLine[] = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        const words: OcrWord[] = line.words
          .map((word) => ({
            text: word.text.trim(),
            confidence: word.confidence / 100,
            box: toBox(word.bbox),
          }))
          .filter((word) => word.text.length > 0);
        if (words.length === 0) continue;
        lines.push({
          text: words.map((word) => word.text).join(' '),
          confidence: line.confidence / 100,
          box: toBox(line.bbox),
          words,
        });
      }
    }
  }
  return lines;
}
