import type { SharedV3ProviderOptions, SharedV3Warning } from '@ai-sdk/provider';

/**
 * The contract of a text recogniser bound to the `ocr` role. It mirrors the shape of the AI SDK's
 * ImageModelV3 (a specification version, provider and model id, one `do*` call taking an options
 * object and returning the result with warnings and response metadata), so a remote recogniser
 * can take the role the way a remote image model takes `compose`.
 *
 * @example
 * const result = await model.doRecognize({ image: pngBytes, layout: 'auto' });
 * result.lines.map((line) => line.text); // ['Spring into colour']
 */
export interface OcrModelV1 {
  readonly specificationVersion: 'ocr-v1';
  readonly provider: string;
  readonly modelId: string;
  doRecognize(options: OcrCallOptions): PromiseLike<OcrCallResult>;
  /**
   * Frees what the model holds for the length of a run (worker pools, loaded weights). The
   * runner calls it once when the run ends; the model may be used again afterwards and then
   * sets its resources up anew.
   */
  dispose?(): Promise<void>;
}

export interface OcrCallOptions {
  /** Encoded image (PNG, JPEG or WebP). */
  readonly image: Uint8Array;
  /**
   * How the text is laid out: `auto` looks for text blocks anywhere (a whole composition),
   * `block` reads the image as one block of text (a crop around typeset copy), `line` as one
   * line of text, `sparse` finds
   * as much scattered text as it can.
   */
  readonly layout?: 'auto' | 'block' | 'line' | 'sparse';
  /** Which way round the text is; when absent the model guesses (and reports its guess). */
  readonly polarity?: OcrPolarity;
  /**
   * The language of the text, as a Tesseract language code (`eng`, `fra`, `deu`, `spa`); the
   * model's default (English for the built-in) when absent.
   */
  readonly language?: string;
  /**
   * `false` reads characters as drawn, without dictionary or language-model correction, so
   * look-alikes (0 and O, 1 and l, rn and m) stay apart instead of becoming the likelier word.
   * Default `true`.
   */
  readonly dictionary?: boolean;
  /**
   * How ink is separated from ground: `local` (a threshold per neighbourhood, for text on
   * gradients and shapes) or `global` (one threshold for the image). The model's choice when absent.
   */
  readonly binarisation?: 'local' | 'global';
  /**
   * The image's grey levels, when the caller has decoded them already (one byte a pixel, row by
   * row): a recogniser that reads grey may use them instead of decoding `image` again.
   */
  readonly pixels?: GreyPixels;
  /** Resize factor applied before recognition (0.5 halves each side); boxes stay in the input's pixels. */
  readonly scale?: number;
  /** Read only this rectangle of the image; boxes stay in the whole image's pixels. */
  readonly region?: OcrBox;
  readonly providerOptions?: SharedV3ProviderOptions;
  readonly abortSignal?: AbortSignal;
}

/** An image's grey levels, one byte a pixel, row by row. */
export interface GreyPixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Dark text on a light ground, or light text on a dark ground. */
export type OcrPolarity = 'dark-on-light' | 'light-on-dark';

/** A rectangle in pixels of the recognised image. */
export interface OcrBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface OcrWord {
  readonly text: string;
  /** 0..1 */
  readonly confidence: number;
  readonly box: OcrBox;
  /**
   * The word's characters and where each was drawn, when the recogniser reports them: a glyph's
   * height tells a lowercase "o" from a "0" or "O" that reads the same.
   */
  readonly symbols?: readonly OcrSymbol[];
}

/** One recognised character and its box. */
export interface OcrSymbol {
  readonly text: string;
  /** 0..1 */
  readonly confidence: number;
  readonly box: OcrBox;
}

export interface OcrLine {
  readonly text: string;
  /** 0..1 */
  readonly confidence: number;
  readonly box: OcrBox;
  readonly words: readonly OcrWord[];
}

export interface OcrCallResult {
  /** Everything read, lines separated by newlines, in reading order. */
  readonly text: string;
  /** Mean word confidence, 0..1 (0 when nothing was read). */
  readonly confidence: number;
  readonly lines: readonly OcrLine[];
  /** The polarity the image was read as, when the model distinguishes them. */
  readonly polarity?: OcrPolarity;
  readonly warnings: SharedV3Warning[];
  readonly response: { readonly timestamp: Date; readonly modelId: string };
}

export function isOcrModel(model: unknown): model is OcrModelV1 {
  return (
    typeof model === 'object' &&
    model !== null &&
    (model as { specificationVersion?: unknown }).specificationVersion === 'ocr-v1'
  );
}
