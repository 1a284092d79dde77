import type { ImageModelV3, JSONObject, SharedV3ProviderOptions } from '@ai-sdk/provider';
import { z } from 'zod';
import { languageSchema, type Shot } from '../config/campaign-schema.ts';
import { softwareAgentOf } from '../credentials/software-agent.ts';
import { AtelierError } from '../errors.ts';
import { trainedDataVersion } from '../models/builtin/tesseract/tesseract-data-files.ts';
import { formatWarning } from '../models/format-warning.ts';
import { generationRecord } from '../models/generation-record.ts';
import { isOcrModel, type OcrModelV1, type OcrPolarity } from '../models/ocr-model.ts';
import { isImageModel } from '../models/role-model.ts';
import { defaultFontPackage, fontPackageVersion } from '../typography/brand-font.ts';
import { checkCopy, minimumDisplayContrast } from '../typography/check-copy.ts';
import { parseHexColour, relativeLuminance } from '../typography/contrast.ts';
import { CopyDoesNotFitError, copyLayoutSchema, type Rectangle } from '../typography/copy-layout.ts';
import { textMatchingSchema } from '../typography/normalise-text.ts';
import { copyStyleSchema, extract, overlayCopy } from '../typography/overlay-copy.ts';
import {
  type CopyReading,
  type CopyRole,
  firstReadingUsesDictionary,
  readCopy,
} from '../typography/read-copy.ts';
import { typesetterVersions } from '../typography/render-copy-layer.ts';
import { implementationHash } from '../util/module-graph.ts';
import { defaultEncodeEffort, loadSharp } from '../util/sharp.ts';
import { generateImage } from './generate-image.ts';
import type { BoundModel, StageContext, StageDefinition, StageResult } from './stage.ts';

const typographyParamsSchema = z.strictObject({
  /**
   * `check`: read the headline off the input and fail early when it is not legible.
   * `overlay`: typeset the exact copy onto the input, then read it back.
   * `render`: ask the model bound to `typography` to draw the headline, then read it back.
   */
  mode: z.enum(['check', 'overlay', 'render']).default('check'),
  /**
   * `strict` (default): every word of the copy read exactly, in order, and nothing else on its
   * lines (one wrong, missing, doubled or look-alike character fails). `tolerant`: the score
   * (1 - character error rate) reaches `minScore`.
   */
  match: z.enum(['strict', 'tolerant']).default('strict'),
  /** Pass mark in `tolerant` mode; the score is reported in both. */
  minScore: z.number().min(0).max(1).default(0.9),
  /**
   * check: WCAG contrast the headline's letters must reach against their ground, measured in
   * the recogniser's word boxes (3:1 is AA for large display type).
   */
  minContrast: z.number().min(1).max(21).default(minimumDisplayContrast),
  /** The copy's language for every shot without its own (`shots[].language`). */
  language: languageSchema.default('eng'),
  /** Re-rolls of the shot's seed (a new composition) after a failed check, before the shot fails. */
  retries: z.number().int().min(0).max(20).default(2),
  /** How copy and what was read are normalised before comparing. */
  matching: textMatchingSchema.prefault({}),
  /** overlay: where and how large the copy is set. */
  layout: copyLayoutSchema.prefault({}),
  /** overlay: text colour, minimum contrast and remedy, headline weight. */
  ...copyStyleSchema.shape,
  /** render: how the typography model is asked. */
  render: z
    .strictObject({
      /** `input` edits the previous stage's image; `prompt` draws a new one at its size. */
      source: z.enum(['input', 'prompt']).default('input'),
      /** `{prompt}` and `{headline}` are replaced with the shot's. */
      prompt: z
        .string()
        .min(1)
        .default('{prompt}. The image shows the headline "{headline}" in clean, legible lettering.'),
      providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    })
    .prefault({}),
});
export type TypographyParams = z.infer<typeof typographyParamsSchema>;

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** The compose prompt template typography `check` asks for when the config gives none. */
export const checkModePrompt = '{prompt}, with the text "{headline}" in large, clean, legible lettering';

/** How copy is read back, normalised and scored: `readCopy` and everything it imports. */
function scoringImplementation(): string {
  // read-copy imports match-words, score-copy and normalise-text: the graph covers them.
  return implementationHash([
    new URL('../typography/read-copy.ts', import.meta.url),
    new URL('../typography/check-copy.ts', import.meta.url),
  ]);
}

/**
 * Stage 2: headline legibility, at composition resolution so that a failed shot costs nothing
 * further. `check` gates the composition's own lettering and re-rolls the seed on failure;
 * `overlay` sets the client's exact copy with the brand font; `render` has a typography-strong
 * model draw it. Every mode ends by reading the headline back with the `ocr` model.
 */
export const typographyStage: StageDefinition<TypographyParams, OcrModelV1> = {
  name: 'typography',
  role: 'ocr',
  paramsSchema: typographyParamsSchema,
  optionalRoles: ['typography'],
  extraRoles: (params) => (params.mode === 'render' ? ['typography'] : []),
  modelCalls: (params) => [
    { role: 'ocr', sendsInputImage: true, options: {} },
    ...(params.mode === 'render'
      ? [
          {
            role: 'typography',
            sendsInputImage: params.render.source === 'input',
            options: { providerOptions: params.render.providerOptions },
            withoutInputImage:
              'set render.source: prompt on the typography stage to have it draw a new image from the prompt at the input size',
          },
        ]
      : []),
  ],
  // The OCR engine for the stage's language and its first, dictionary-free reading.
  warmUpSettings: (params) => ({ language: params.language, dictionary: firstReadingUsesDictionary }),
  rerollBudget: (params) => params.retries,
  credentialAction(params, models) {
    // A check reads the composition's own lettering and changes no pixel.
    if (params.mode === 'check') return undefined;
    return params.mode === 'overlay'
      ? {
          action: 'c2pa.edited',
          description: "typeset the client's exact headline with the brand font, then read it back (OCR)",
          softwareAgent: { name: 'atelier typography overlay' },
          parameters: { mode: params.mode },
        }
      : {
          action: 'c2pa.edited',
          description: 'the typography model drew the headline; read back with OCR',
          softwareAgent: softwareAgentOf(models.typography),
          parameters: { mode: params.mode },
        };
  },
  // Check mode reads the composition's own lettering, so compose is asked for it: the copy in
  // quotes, as Imagen's, Ideogram's and OpenAI's prompting guides recommend for text in images.
  firstStagePrompt: (params) => (params.mode === 'check' ? checkModePrompt : undefined),
  shotInputs(shot, params, brand) {
    // The verdict depends on how copy is normalised, scored and read back.
    const language = shot.language ?? params.language;
    const checker = { implementation: scoringImplementation(), language, data: trainedDataVersion(language) };
    switch (params.mode) {
      case 'check':
        return { headline: shot.headline, checker };
      case 'render':
        return { headline: shot.headline, prompt: shot.prompt, checker };
      case 'overlay': {
        const headlineFont = brand.fonts?.headline ?? defaultFontPackage;
        const bodyFont = brand.fonts?.body ?? headlineFont;
        return {
          headline: shot.headline,
          subline: shot.subline,
          callToAction: shot.callToAction,
          // The pixels depend on the font files and the typesetter, so their versions key the cache.
          fonts: [...new Set([headlineFont, bodyFont])].map((name) => ({
            name,
            version: fontPackageVersion(name),
          })),
          typesetter: typesetterVersions(),
          checker,
        };
      }
    }
  },
  async run(context) {
    const { input, shot, params } = context;
    if (!input) throw new Error('typography stage ran without an input image');
    const ocr = requireOcrModel(context.model);
    if (!shot.headline) {
      return {
        status: 'ok',
        outputs: [await passThrough(context, input.bytes)],
        details: { mode: params.mode, skipped: 'the shot has no headline' },
      };
    }
    if (params.mode === 'overlay') return overlay(context, ocr, shot.headline);
    if (params.mode === 'render') return render(context, ocr, shot.headline);
    context.progress(0.1, 'reading the headline');
    const check = await checkCopy(ocr, input.bytes, shot.headline, {
      layout: 'auto',
      minContrast: params.minContrast,
      ...readOptions(context),
    });
    return verdict(context, input.bytes, [check.reading], { mode: 'check', glyphContrast: check.contrast });
  },
};

function requireOcrModel(model: BoundModel<unknown> | undefined): OcrModelV1 {
  if (!model) throw new Error('typography stage ran without an ocr model');
  if (!isOcrModel(model.instance)) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `models.ocr: expected a text recogniser (e.g. builtin:tesseract) but ${model.lock.reference} is not one`,
    );
  }
  return model.instance;
}

function readOptions(context: StageContext<TypographyParams, OcrModelV1>) {
  const { params, shot } = context;
  return {
    matching: params.matching,
    match: params.match,
    minScore: params.minScore,
    language: shot.language ?? params.language,
    signal: context.signal,
  };
}

async function passThrough(context: StageContext<TypographyParams, OcrModelV1>, bytes: Uint8Array) {
  const sharp = await loadSharp();
  return {
    name: '',
    bytes: await context.encode(sharp(bytes), 'png'),
    mediaType: 'image/png',
    primary: true,
  };
}

/**
 * Turns readings into the stage's answer: the image (encoded with provenance) when every piece
 * of copy reaches `minScore`, a rejection that asks for a new seed otherwise. Either way what
 * was read, with word boxes and confidences, is kept in the record.
 */
async function verdict(
  context: StageContext<TypographyParams, OcrModelV1>,
  image: Uint8Array | (() => Promise<Uint8Array>),
  readings: readonly CopyReading[],
  extra: Record<string, unknown>,
  warnings: string[] = [],
): Promise<StageResult> {
  const sharp = await loadSharp();
  const { params } = context;
  const matches = readings.flatMap((reading) =>
    reading.matches.map((match) => ({
      role: match.role,
      passed: match.passed,
      score: round(match.score),
      characterErrorRate: round(match.characterErrorRate),
      expected: match.expected,
      read: match.read,
      lines: match.lines,
      words: match.words,
      extra: match.extra,
    })),
  );
  const score = Math.min(...readings.map((reading) => reading.score));
  const glyphContrast = extra.glyphContrast as
    | { ratio: number; minimum: number; passed: boolean }
    | null
    | undefined;
  const passed = readings.every((reading) => reading.passed) && glyphContrast?.passed !== false;
  const details = {
    ...extra,
    match: params.match,
    language: context.shot.language ?? params.language,
    score: round(score),
    minScore: params.minScore,
    passed,
    copy: matches,
    ocr: describeReading(readings[0]!),
    ...(readings[1] ? { callToActionOcr: describeReading(readings[1]) } : {}),
  };
  if (!passed && glyphContrast && !glyphContrast.passed && readings.every((reading) => reading.passed)) {
    return {
      status: 'rejected',
      reroll: true,
      reason: `headline contrast ${glyphContrast.ratio}:1 is below ${glyphContrast.minimum}:1`,
      details,
    };
  }
  if (!passed) {
    const failed = matches.find((match) => !match.passed) ?? matches[0]!;
    return {
      status: 'rejected',
      reroll: true,
      reason: `${failed.role} read as "${failed.read}" instead of "${failed.expected}" (${whyFailed(failed, params)})`,
      details,
    };
  }
  const bytes = typeof image === 'function' ? await image() : image;
  return {
    status: 'ok',
    outputs: [
      { name: '', bytes: await context.encode(sharp(bytes), 'png'), mediaType: 'image/png', primary: true },
    ],
    details,
    warnings: [...readings.flatMap((reading) => reading.read.warnings.map(formatWarning)), ...warnings],
  };
}

/** The reason a piece failed, in the words of the mode in force. */
function whyFailed(
  match: { score: number; words: CopyReading['matches'][number]['words']; extra: readonly string[] },
  params: TypographyParams,
): string {
  if (params.match === 'tolerant') return `score ${match.score.toFixed(2)} < ${params.minScore}`;
  const lookAlike = match.words.find((word) => word.lookAlike);
  if (lookAlike) return `"${lookAlike.word}" shows a look-alike: "${lookAlike.lookAlike}"`;
  const wrong = match.words.find((word) => !word.passed);
  if (wrong)
    return `"${wrong.word}" never read exactly${wrong.readAs.length ? ` (read ${wrong.readAs.map((read) => `"${read}"`).join(', ')})` : ''}`;
  if (match.extra.length > 0) return `stray word ${match.extra.map((word) => `"${word}"`).join(', ')}`;
  return 'no reading had every word and nothing else';
}

function describeReading({ read, attempts, readings, region }: CopyReading) {
  return {
    modelId: read.response.modelId,
    polarity: read.polarity,
    attempts,
    readings,
    ...(region ? { region } : {}),
    text: read.text,
    confidence: round(read.confidence),
    lines: read.lines.map((line) => ({
      text: line.text,
      confidence: round(line.confidence),
      box: line.box,
      words: line.words.map((word) => ({
        text: word.text,
        confidence: round(word.confidence),
        box: word.box,
      })),
    })),
  };
}

async function overlay(
  context: StageContext<TypographyParams, OcrModelV1>,
  ocr: OcrModelV1,
  headline: string,
): Promise<StageResult> {
  const sharp = await loadSharp();
  const { params, shot, brand, input } = context;
  context.progress(0.1, 'setting the copy');
  let result: Awaited<ReturnType<typeof overlayCopy>>;
  try {
    result = await overlayCopy({
      image: input!.bytes,
      copy: { headline, subline: shot.subline, callToAction: shot.callToAction },
      fonts: { headline: brand.fonts?.headline, body: brand.fonts?.body },
      layout: params.layout,
      style: { color: params.color, contrast: params.contrast, headlineWeight: params.headlineWeight },
    });
  } catch (error) {
    // Another seed would not make the copy shorter: fail the shot without re-rolling.
    if (error instanceof CopyDoesNotFitError)
      return { status: 'rejected', reroll: false, reason: error.message };
    throw error;
  }
  context.progress(0.6, 'reading the copy back');
  const crop = (rectangle: Rectangle) =>
    sharp(extract(result.pixels, result.width, result.channels, rectangle), {
      raw: { width: rectangle.width, height: rectangle.height, channels: result.channels },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
  // The text's polarity is known here: it is the colour the copy was set in.
  const text = parseHexColour(result.textColour);
  const lightText = relativeLuminance(text.r, text.g, text.b) > 0.5;
  const polarity: OcrPolarity = lightText ? 'light-on-dark' : 'dark-on-light';
  const pieces: Array<{ role: CopyRole; copy: string }> = [{ role: 'headline', copy: headline }];
  if (shot.subline) pieces.push({ role: 'subline', copy: shot.subline });
  const readings = [
    await readCopy(ocr, await crop(result.region), pieces, {
      layout: 'block',
      polarity,
      ...readOptions(context),
    }),
  ];
  const button = result.layout.callToAction;
  if (shot.callToAction && button) {
    // Read on its own: the button's text is the other way round (the pill is the text colour).
    readings.push(
      await readCopy(ocr, await crop(button.box), [{ role: 'callToAction', copy: shot.callToAction }], {
        layout: 'block',
        polarity: lightText ? 'dark-on-light' : 'light-on-dark',
        ...readOptions(context),
      }),
    );
  }
  const { layout, contrast } = result;
  const warnings = contrast.passed
    ? []
    : [
        `text contrast ${contrast.after.ratio}:1 stays below ${contrast.minimum}:1 even with the strongest ${contrast.remedy.kind}`,
      ];
  const pixels = () =>
    sharp(result.pixels, { raw: { width: result.width, height: result.height, channels: result.channels } })
      .png({ compressionLevel: defaultEncodeEffort.png })
      .toBuffer()
      .then((buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  return verdict(
    context,
    pixels,
    readings,
    {
      mode: 'overlay',
      layout: {
        fontSize: {
          headline: layout.headline.fontSize,
          subline: layout.subline?.fontSize,
          callToAction: layout.callToAction?.fontSize,
        },
        lines: { headline: layout.headline.lines, subline: layout.subline?.lines },
        align: layout.align,
        block: layout.block,
        region: result.region,
        safeArea: layout.safeArea,
      },
      textColour: result.textColour,
      fonts: Object.fromEntries(
        Object.entries(result.fonts).map(([role, font]) => [
          role,
          { package: font.package, weight: font.weight, files: font.files },
        ]),
      ),
      contrast,
    },
    warnings,
  );
}

async function render(
  context: StageContext<TypographyParams, OcrModelV1>,
  ocr: OcrModelV1,
  headline: string,
): Promise<StageResult> {
  const { params, shot, input } = context;
  const bound = context.extraModels?.get('typography');
  if (!bound) throw new Error('typography stage in render mode ran without a typography model');
  if (!isImageModel(bound.instance)) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `models.typography: expected an image model but ${bound.lock.reference} is not one`,
    );
  }
  const text = renderPrompt(params.render.prompt, shot, headline);
  context.progress(0.1, 'asking the model to letter the headline');
  const result = await generateImage({
    model: bound.instance as ImageModelV3,
    prompt: params.render.source === 'input' ? { images: [input!.bytes], text } : text,
    size: `${input!.width}x${input!.height}`,
    seed: context.seed,
    providerOptions: {
      ...(params.render.providerOptions as SharedV3ProviderOptions | undefined),
      builtin: { ...(params.render.providerOptions?.builtin as JSONObject | undefined) },
    },
    abortSignal: context.signal,
  });
  const image = result.image.uint8Array;
  context.progress(0.7, 'reading the headline');
  const reading = await readCopy(ocr, image, [{ role: 'headline', copy: headline }], {
    layout: 'auto',
    ...readOptions(context),
  });
  const record = generationRecord(result);
  const answer = await verdict(
    context,
    image,
    [reading],
    { mode: 'render', prompt: text, ...record.details },
    record.warnings,
  );
  return { ...answer, costUsd: record.costUsd };
}

/** Fills `{prompt}` and `{headline}` in a render prompt template. */
export function renderPrompt(template: string, shot: Shot, headline: string): string {
  return template.replace(/\{(prompt|headline)\}/g, (_, key: string) =>
    key === 'prompt' ? shot.prompt : headline,
  );
}
