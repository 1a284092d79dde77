import type { OcrCallOptions, OcrCallResult, OcrLine, OcrModelV1 } from '../../src/models/ocr-model.ts';

/**
 * An OcrModelV1 that "reads" what a script says for each call (by call number, with and without
 * dictionary), one line of words side by side. It tests how readings are combined into a
 * verdict, which a real recogniser's randomness would blur.
 */
export class ScriptedOcrModel implements OcrModelV1 {
  readonly specificationVersion = 'ocr-v1';
  readonly provider = 'testing';
  readonly modelId = 'scripted-ocr';
  readonly calls: OcrCallOptions[] = [];

  constructor(private readonly script: (call: number, options: OcrCallOptions) => string) {}

  async doRecognize(options: OcrCallOptions): Promise<OcrCallResult> {
    const text = this.script(this.calls.length, options);
    this.calls.push(options);
    const words = text
      .split(' ')
      .filter(Boolean)
      .map((word, index) => ({
        text: word,
        confidence: 0.9,
        box: { x: 20 + index * 120, y: 40, width: 100, height: 40 },
      }));
    const lines: OcrLine[] =
      words.length > 0
        ? [{ text, confidence: 0.9, box: { x: 20, y: 40, width: words.length * 120, height: 40 }, words }]
        : [];
    return {
      text,
      confidence: words.length > 0 ? 0.9 : 0,
      lines,
      polarity: options.polarity ?? 'dark-on-light',
      warnings: [],
      response: { timestamp: new Date(0), modelId: this.modelId },
    };
  }
}
