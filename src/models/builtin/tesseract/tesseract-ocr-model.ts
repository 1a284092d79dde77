import sharp from 'sharp';
import Tesseract from 'tesseract.js';
import { cpuThreadBudget, type ThreadBudget } from '../../../util/thread-budget.ts';
import type {
  OcrBox,
  OcrCallOptions,
  OcrCallResult,
  OcrLine,
  OcrModelV1,
  OcrPolarity,
  OcrWord,
} from '../../ocr-model.ts';
import { defaultOcrLanguage, trainedDataDirectory } from './tesseract-data-files.ts';
import { WorkerPool, type WorkerPoolStats } from './worker-pool.ts';

const pageSegmentation: Record<NonNullable<OcrCallOptions['layout']>, string> = {
  auto: Tesseract.PSM.AUTO,
  block: Tesseract.PSM.SINGLE_BLOCK,
  line: Tesseract.PSM.SINGLE_LINE,
  sparse: Tesseract.PSM.SPARSE_TEXT,
};

// Sauvola's local thresholding (Tesseract 5) by default instead of one global Otsu threshold:
// copy sits on gradients, panels and shapes, where no single threshold separates letters from
// ground. Otsu is the second opinion.
const thresholdingMethods = { local: '2', global: '0' } as const;

const recognitionParameters = {
  // Images carry no print resolution; saying so keeps Tesseract from guessing (and warning).
  user_defined_dpi: '300',
  // Tesseract's diagnostics ("Detected 73 diacritics") would otherwise land on our stderr.
  debug_file: '/dev/null',
};

export interface TesseractOcrModelOptions {
  /**
   * Workers in the pool (default: half the threads of the budget, at least 1, at most 4): reading
   * copy never holds every thread, so a run's upscale tiles always have one, and each worker
   * costs about 40-100 MB.
   */
  readonly poolSize?: number;
  /** CPU threads each recognition draws from (default: the process's shared budget). */
  readonly threads?: ThreadBudget;
}

export interface TesseractOcrStats extends WorkerPoolStats {
  /** Pools set up by this model instance: one per run (a run disposes its models at the end). */
  readonly poolsCreated: number;
}

/** Init-only parameters that turn off the dictionaries the LSTM's beam search consults. */
const withoutDictionary = {
  load_system_dawg: '0',
  load_freq_dawg: '0',
  load_unambig_dawg: '0',
  load_punc_dawg: '0',
  load_number_dawg: '0',
  load_bigram_dawg: '0',
};

/**
 * `builtin:tesseract`: Tesseract 5 (LSTM, English) compiled to WebAssembly, through tesseract.js,
 * as an OcrModelV1. Recognition runs in a pool of worker threads that starts on the first
 * image and is then reused for every image of the run; `dispose()` stops it so the process
 * can exit. Each language, with and without its dictionary, has its own pool (both are fixed
 * when a Tesseract worker starts). Nothing is fetched: the language data (`@tesseract.js-data/<lang>`)
 * and the engine come from node_modules.
 */
export class TesseractOcrModel implements OcrModelV1 {
  readonly specificationVersion = 'ocr-v1';
  readonly provider = 'builtin';
  readonly modelId = 'tesseract';
  private readonly pools = new Map<string, WorkerPool<Tesseract.Worker>>();
  private poolsCreated = 0;
  private finishedPools: WorkerPoolStats[] = [];
  private readonly poolSize: number;
  private readonly threads: ThreadBudget;

  constructor(options: TesseractOcrModelOptions = {}) {
    this.threads = options.threads ?? cpuThreadBudget();
    this.poolSize = options.poolSize ?? Math.max(1, Math.min(Math.floor(this.threads.threads / 2), 4));
  }

  /** How the worker pools of this instance were used (summed over pools). */
  get stats(): TesseractOcrStats {
    const pools = [...this.finishedPools, ...[...this.pools.values()].map((pool) => pool.stats)];
    return {
      poolsCreated: this.poolsCreated,
      workersCreated: pools.reduce((sum, pool) => sum + pool.workersCreated, 0),
      initMs: pools.flatMap((pool) => pool.initMs),
      jobs: pools.reduce((sum, pool) => sum + pool.jobs, 0),
      live: pools.reduce((sum, pool) => sum + pool.live, 0),
    };
  }

  /** Starts the engines for a language (`eng` unless given) and dictionary setting ahead of the first call. */
  async warmUp(settings: Readonly<Record<string, unknown>>): Promise<void> {
    const { language, dictionary } = settings;
    await this.workerPool(
      typeof language === 'string' ? language : undefined,
      typeof dictionary === 'boolean' ? dictionary : undefined,
    ).warm();
  }

  async doRecognize(options: OcrCallOptions): Promise<OcrCallResult> {
    const pool = this.workerPool(options.language, options.dictionary);
    const prepared = await prepareImage(options);
    const psm = pageSegmentation[options.layout ?? 'auto'];
    const parameters = {
      tessedit_pageseg_mode: psm,
      thresholding_method: thresholdingMethods[options.binarisation ?? 'local'],
      ...recognitionParameters,
    };
    // Recognition computes only while it holds a thread of the budget, shared with upscale tiles and encoding.
    const { data } = await this.threads.run(
      () =>
        pool.run(
          (worker) => worker.recognize(prepared.image, parameters as never, { text: true, blocks: true }),
          options.abortSignal,
        ),
      options.abortSignal,
    );
    const lines = readLines(data, prepared.toInput);
    const polarity = prepared.polarity;
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
    const pools = [...this.pools.values()];
    this.pools.clear();
    for (const pool of pools) {
      await pool.close();
      this.finishedPools.push(pool.stats);
    }
  }

  /** The pool for a language (English unless given), with its dictionary unless told otherwise. */
  private workerPool(language = defaultOcrLanguage, dictionary = true): WorkerPool<Tesseract.Worker> {
    const key = `${language}:${dictionary}`;
    let pool = this.pools.get(key);
    if (!pool) {
      // Resolved before any worker starts, so a missing language fails with its package's name.
      const dataDirectory = trainedDataDirectory(language);
      this.poolsCreated++;
      pool = new WorkerPool({
        size: this.poolSize,
        create: () => createTesseractWorker(language, dataDirectory, dictionary),
        destroy: (w) => w.terminate().then(() => undefined),
      });
      this.pools.set(key, pool);
    }
    return pool;
  }
}

async function createTesseractWorker(
  language: string,
  dataDirectory: string,
  dictionary: boolean,
): Promise<Tesseract.Worker> {
  return Tesseract.createWorker(
    language,
    Tesseract.OEM.LSTM_ONLY,
    {
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
    },
    dictionary ? {} : withoutDictionary,
  );
}

/**
 * Grey levels only (colour adds nothing to Tesseract's binarisation and costs decode time),
 * with light-on-dark text negated: the recogniser was trained on dark text on a light page and
 * reads light copy (a dark scene, a filled button) far better the right way round. Without a
 * polarity given, mostly dark images are taken to carry light text.
 */
async function prepareImage(options: OcrCallOptions): Promise<{
  image: Buffer;
  polarity: OcrPolarity;
  toInput: (bbox: Tesseract.Bbox) => OcrBox;
}> {
  const pixels = options.pixels;
  // Decoding a 1024x1024 PNG costs more than a reading of its headline: use the caller's grey
  // levels when it has them.
  let grey = pixels
    ? sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 1 } }).greyscale()
    : sharp(options.image).greyscale();
  const region = options.region;
  if (region) {
    grey = sharp(
      await grey
        .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
        .raw()
        .toBuffer(),
      { raw: { width: region.width, height: region.height, channels: 1 } },
    ).greyscale();
  }
  const scale = options.scale ?? 1;
  if (scale !== 1) {
    if (!(scale > 0 && scale <= 4)) throw new RangeError(`Expected a scale in (0, 4] but received ${scale}`);
    const { width = 0 } = region ?? pixels ?? (await sharp(options.image).metadata());
    grey = grey.resize({ width: Math.max(8, Math.round(width * scale)), kernel: 'lanczos3' });
  }
  // The grey levels are made once: the polarity guess and the negation work on them in place
  // (a sharp `stats()` would run the resize a second time, costing more than the guess).
  const { data, info } = await grey.raw().toBuffer({ resolveWithObject: true });
  let polarity = options.polarity;
  if (!polarity) {
    let sum = 0;
    for (let index = 0; index < data.length; index++) sum += data[index]!;
    polarity = sum / Math.max(1, data.length) < 110 ? 'light-on-dark' : 'dark-on-light';
  }
  if (polarity === 'light-on-dark')
    for (let index = 0; index < data.length; index++) data[index] = 255 - data[index]!;
  const offsetX = region?.x ?? 0;
  const offsetY = region?.y ?? 0;
  const toInput = (bbox: Tesseract.Bbox): OcrBox => ({
    x: Math.round(offsetX + bbox.x0 / scale),
    y: Math.round(offsetY + bbox.y0 / scale),
    width: Math.round((bbox.x1 - bbox.x0) / scale),
    height: Math.round((bbox.y1 - bbox.y0) / scale),
  });
  // Handed over as a binary PGM (a header and the grey bytes): no PNG to encode here and decode
  // again inside the engine.
  const header = Buffer.from(`P5\n${info.width} ${info.height}\n255\n`, 'ascii');
  return { image: Buffer.concat([header, data]), polarity, toInput };
}

function readLines(page: Tesseract.Page, toBox: (bbox: Tesseract.Bbox) => OcrBox): OcrLine[] {
  const lines: OcrLine[] = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        const words: OcrWord[] = line.words
          .map((word) => ({
            text: word.text.trim(),
            confidence: word.confidence / 100,
            box: toBox(word.bbox),
            symbols: word.symbols.map((symbol) => ({
              text: symbol.text,
              confidence: symbol.confidence / 100,
              box: toBox(symbol.bbox),
            })),
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
