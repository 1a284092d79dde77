import { availableParallelism, cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { renderDraft } from '../src/models/builtin/draft/draft-image-model.ts';
import { TesseractOcrModel } from '../src/models/builtin/tesseract/tesseract-ocr-model.ts';
import { checkCopy, minimumDisplayContrast } from '../src/typography/check-copy.ts';
import { copyLayoutSchema } from '../src/typography/copy-layout.ts';
import { copyStyleSchema, extract, overlayCopy } from '../src/typography/overlay-copy.ts';
import { type CorpusItem, corpusClasses, typographyCorpus } from '../test/helpers/typography-corpus.ts';
import { type BenchSection, formatSection, median, percentile, round } from './bench-section.ts';

const palette = ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'];
const briefs = [
  ['spring tulips in soft morning light, product hero on a pale podium', 'Spring into colour'],
  ['glass bottle among garden flowers, fresh dew, still life', 'Freshly picked'],
  ['picnic blanket on a meadow hill, breeze, outdoor lifestyle', 'Take it outside'],
  ['sunlit studio window, arch, calm interior with plants', 'Light comes home'],
  ['citrus slices glowing in sun light, fresh lemon drink', 'Bright by nature'],
  ['product boxes stacked on a shelf, store display, pastel packaging', 'New season, new shelf'],
] as const;
const size = 1024;
const warmUp = 2;

/** Draft compositions at 1024x1024 with their headline lettered on: what `check` reads. */
async function letteredCompositions(): Promise<
  Array<{ image: Uint8Array; headline: string; base: Uint8Array }>
> {
  const images = [];
  for (const [index, [prompt, headline]] of briefs.entries()) {
    const base = await renderDraft({ prompt, seed: 100 + index, width: size, height: size, palette });
    const layout = copyLayoutSchema.parse({ position: index % 2 === 0 ? 'bottom' : 'top' });
    const lettered = await overlayCopy({
      image: base,
      copy: { headline },
      fonts: {},
      layout,
      style: copyStyleSchema.parse({}),
    });
    const image = await sharp(lettered.pixels, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer();
    images.push({ image, headline, base });
  }
  return images;
}

/** Images in the labelled corpus (`ATELIER_TYPOGRAPHY_CORPUS` overrides, e.g. for a quick look). */
const corpusSize = Number(process.env.ATELIER_TYPOGRAPHY_CORPUS ?? 320);
const corpusSeed = 16;

interface Outcome {
  readonly item: Omit<CorpusItem, 'image'>;
  readonly passed: boolean;
  readonly ms: number;
  readonly readings: number;
  readonly reason: string;
}

/** The check's verdict on every image of the labelled corpus, read one at a time by one worker. */
async function checkCorpus(ocr: TesseractOcrModel): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for await (const { image, ...item } of typographyCorpus({ total: corpusSize, size, seed: corpusSeed })) {
    const started = performance.now();
    const check = await checkCopy(ocr, image, item.headline, {
      layout: 'auto',
      minScore: 0.9,
      minContrast: minimumDisplayContrast,
      language: item.language,
    });
    const ms = performance.now() - started;
    const failed = check.reading.matches[0]!.words.filter((word) => !word.passed).map((word) => word.word);
    const reason = check.passed
      ? ''
      : check.contrast && !check.contrast.passed && check.reading.passed
        ? `contrast ${check.contrast.ratio}:1`
        : `words ${failed.join(', ') || '-'}${check.reading.matches[0]!.extra.length ? ` extra ${check.reading.matches[0]!.extra.join(', ')}` : ''}`;
    outcomes.push({ item, passed: check.passed, ms, readings: check.reading.attempts, reason });
    if (process.env.ATELIER_BENCH_VERBOSE) {
      process.stderr.write(
        `${item.id} ${check.passed ? 'pass' : 'reject'} ${Math.round(ms)}ms ${check.reading.attempts}r "${item.lettered}" ${reason}\n`,
      );
    }
  }
  return outcomes;
}

/** One row per class: the confusion matrix (actual class x verdict), time and readings. */
function confusionRows(outcomes: readonly Outcome[]) {
  return corpusClasses.map((label) => {
    const of = outcomes.filter((outcome) => outcome.item.label === label);
    const passed = of.filter((outcome) => outcome.passed).length;
    const legible = label === 'legible';
    const correct = legible ? passed : of.length - passed;
    return {
      class: label,
      images: of.length,
      passed,
      rejected: of.length - passed,
      [`correct (${legible ? 'passed' : 'rejected'}) %`]: of.length ? round((100 * correct) / of.length) : '',
      'median ms': of.length ? round(median(of.map((outcome) => outcome.ms))) : '',
      'mean readings': of.length
        ? Math.round((10 * of.reduce((sum, outcome) => sum + outcome.readings, 0)) / of.length) / 10
        : '',
    };
  });
}

/**
 * Typography benchmark: OCR worker start-up; the `check` verdict on a labelled corpus generated
 * from a seed (legible headlines and nine classes of typo, 12 display fonts, busy and flat
 * grounds, both polarities, one and two lines) as a confusion matrix per class, with the time
 * and readings per image; and the whole `overlay` path (typeset, contrast, read back).
 */
export async function run(): Promise<BenchSection[]> {
  const images = await letteredCompositions();

  // Worker start-up: a fresh model (and pool) each time, as every run pays it once per worker.
  const initMs: number[] = [];
  for (let trial = 0; trial < 3; trial++) {
    const model = new TesseractOcrModel({ poolSize: 1 });
    await model.doRecognize({ image: images[0]!.image });
    initMs.push(...model.stats.initMs);
    await model.dispose();
  }

  const ocr = new TesseractOcrModel({ poolSize: 1 });
  let outcomes: Outcome[];
  try {
    // Warm-up: start the workers (with and without dictionary) before timing.
    for (const { image, headline } of images.slice(0, warmUp)) {
      await checkCopy(ocr, image, headline, { layout: 'auto', minScore: 0.9, minContrast: 3 });
      await ocr.doRecognize({ image, dictionary: true });
    }
    outcomes = await checkCorpus(ocr);
  } finally {
    await ocr.dispose();
  }

  const verifier = new TesseractOcrModel({ poolSize: 1 });
  const overlayMs: number[] = [];
  try {
    await verifier.doRecognize({ image: images[0]!.image });
    for (const { base, headline } of images) {
      const started = performance.now();
      const result = await overlayCopy({
        image: base,
        copy: { headline, subline: 'The new collection is here' },
        fonts: {},
        layout: copyLayoutSchema.parse({}),
        style: copyStyleSchema.parse({}),
      });
      const crop = await sharp(extract(result.pixels, size, 3, result.region), {
        raw: { width: result.region.width, height: result.region.height, channels: 3 },
      })
        .png({ compressionLevel: 1 })
        .toBuffer();
      await verifier.doRecognize({ image: crop, layout: 'block' });
      overlayMs.push(performance.now() - started);
    }
  } finally {
    await verifier.dispose();
  }

  const legible = outcomes.filter((outcome) => outcome.item.label === 'legible');
  const typos = outcomes.filter((outcome) => outcome.item.label !== 'legible');
  const legiblePassed = legible.filter((outcome) => outcome.passed).length;
  const typosRejected = typos.filter((outcome) => !outcome.passed).length;
  const legibleMedian = median(legible.map((outcome) => outcome.ms));
  const legibleReadings =
    legible.reduce((sum, outcome) => sum + outcome.readings, 0) / Math.max(1, legible.length);
  const percent = (part: number, whole: number) => `${round((100 * part) / Math.max(1, whole))}%`;
  const mistakes = outcomes
    .filter((outcome) => outcome.passed === (outcome.item.label !== 'legible'))
    .map(
      (outcome) =>
        `${outcome.item.id} (${outcome.item.font.replace('@fontsource/', '')}, ${outcome.item.background}, ${outcome.item.language}): "${outcome.item.lettered}" for "${outcome.item.headline}" ${outcome.passed ? 'passed' : `rejected: ${outcome.reason}`}`,
    );
  return [
    {
      title: 'Typography: check verdict on the labelled corpus (builtin:tesseract, strict)',
      rows: [
        ...confusionRows(outcomes),
        {
          class: 'all typos',
          images: typos.length,
          passed: typos.length - typosRejected,
          rejected: typosRejected,
          'correct (rejected) %': round((100 * typosRejected) / Math.max(1, typos.length)),
        },
      ],
      notes: [
        `Corpus: ${outcomes.length} images at ${size}x${size}, seed ${corpusSeed} (test/helpers/typography-corpus.ts), ${new Set(outcomes.map((outcome) => outcome.item.font)).size} fonts, draft/noise/gradient/flat grounds, both polarities, ${outcomes.filter((outcome) => outcome.item.lines > 1).length} two-line headlines.`,
        `Typos rejected: ${percent(typosRejected, typos.length)} (target >= 99%); legible passed: ${percent(legiblePassed, legible.length)} (target >= 98%).`,
        `Legible image: median ${round(legibleMedian)} ms per check after warm-up (target <= 150 ms — ${legibleMedian <= 150 ? 'met' : 'NOT met'}), ${round(legibleReadings)} readings on average (target <= 3 — ${legibleReadings <= 3 ? 'met' : 'NOT met'}).`,
        `Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; shared with other work, so times are noisy.`,
        ...(mistakes.length
          ? [
              `Wrong verdicts (${mistakes.length}): ${mistakes.slice(0, 25).join('; ')}${mistakes.length > 25 ? '; ...' : ''}`,
            ]
          : []),
      ],
    },
    {
      title: 'Typography: OCR start-up and overlay (builtin:tesseract)',
      rows: [
        {
          measure: 'OCR worker start-up',
          'median ms': round(median(initMs)),
          'p95 ms': round(percentile(initMs, 0.95)),
          samples: initMs.length,
        },
        {
          measure: 'overlay: typeset + contrast + read back (headline and sub-line)',
          'median ms': round(median(overlayMs)),
          'p95 ms': round(percentile(overlayMs, 0.95)),
          samples: overlayMs.length,
        },
      ],
      notes: ['Start-up is paid once per worker per run (the pool is reused for every image of the run).'],
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const section of await run()) process.stdout.write(formatSection(section));
}
