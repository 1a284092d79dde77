import type {
  OcrBox,
  OcrCallResult,
  OcrLine,
  OcrModelV1,
  OcrPolarity,
  OcrWord,
} from '../models/ocr-model.ts';
import { loadSharp } from '../util/sharp.ts';
import { drawnLetters, hasLookAlikeLetter } from './drawn-letters.ts';
import { type LineHeights, lineHeights } from './glyph-heights.ts';
import { type GreyImage, inkPolarity } from './glyph-shapes.ts';
import { isLookAlikeOf, matchWords, type WordAlignment, words } from './match-words.ts';
import { defaultTextMatching, matchingFor, normaliseText, type TextMatching } from './normalise-text.ts';
import { type CopyMatch, scoreCopy } from './score-copy.ts';

export type CopyRole = 'headline' | 'subline' | 'callToAction';

/**
 * `strict`: every word of the copy read exactly, in order, and nothing else on its lines.
 * `tolerant`: 1 - character error rate reaches `minScore`.
 */
export type CopyMatchMode = 'strict' | 'tolerant';

/** The verdict on one word of the copy over every reading. */
export interface WordVerdict {
  readonly word: string;
  readonly passed: boolean;
  /** What the readings read for it, other than the word itself (misreadings or typos). */
  readonly readAs: readonly string[];
  /** A dictionary-free reading saw a look-alike substitution (e.g. "n0rdvik" for "nordvik"). */
  readonly lookAlike?: string;
}

/** A piece of copy and how well it was read. */
export type PieceMatch = { readonly role: CopyRole } & CopyMatch & {
    /** The verdict under the mode in force. */
    readonly passed: boolean;
    readonly words: readonly WordVerdict[];
    /** Words found on the copy's lines that are not the copy's, in at least two readings. */
    readonly extra: readonly string[];
  };

/** How one reading looked at the image: what the manifest records for each. */
export interface ReadingRecord {
  readonly layout: 'auto' | 'block';
  readonly polarity?: OcrPolarity;
  readonly dictionary: boolean;
  readonly binarisation: 'local' | 'global';
  readonly scale: number;
  /** The crop read, when not the whole image. */
  readonly region?: OcrBox;
  readonly text: string;
  readonly ms: number;
}

/** What looking at an image found: the reading kept, and how each piece of copy scored. */
export interface CopyReading {
  /** The reading that matched the copy best (its boxes are in the whole image's pixels). */
  readonly read: OcrCallResult;
  readonly matches: readonly PieceMatch[];
  /** The lowest piece score (1 - character error rate), reported in both modes. */
  readonly score: number;
  /** Every piece passed under the mode in force. */
  readonly passed: boolean;
  /** How many times the image was read. */
  readonly attempts: number;
  readonly readings: readonly ReadingRecord[];
  /** Where the copy was found, when it was (the crop later readings read). */
  readonly region?: OcrBox;
}

export interface ReadCopyOptions {
  /** `auto` for a whole composition (the copy is looked for), `block` for a crop around the copy. */
  readonly layout: 'auto' | 'block';
  /** Known text polarity (overlay knows its colours); guessed by the model otherwise. */
  readonly polarity?: OcrPolarity;
  readonly matching?: TextMatching;
  /** Default `strict`. */
  readonly match?: CopyMatchMode;
  /** Pass mark in `tolerant` mode. */
  readonly minScore: number;
  /** The copy's language (Tesseract code, default `eng`). */
  readonly language?: string;
  /** The image's grey levels, when the caller has decoded it already (saves decoding it again). */
  readonly pixels?: GreyImage;
  /** At most this many readings (default: the whole plan, 8). */
  readonly maxReadings?: number;
  readonly signal?: AbortSignal;
}

/** One way of reading the image. */
interface Look {
  readonly dictionary: boolean;
  /** Read the whole image at its own size (the fallback when the copy was not found). */
  readonly wholeImageAtFullSize?: boolean;
  readonly binarisation: 'local' | 'global';
  /**
   * `best`: as the reading with most words right so far saw it (the first reading's guess
   * until one reads something); `opposite`: the other way round.
   */
  readonly polarity: 'best' | 'opposite';
  /** Relative to the size the recogniser needs. */
  readonly scale: number;
}

/**
 * The readings, in order. Dictionary-free first: it reads look-alikes as drawn, and a legible
 * headline it reads exactly needs no second opinion. Then with the dictionary, the other
 * polarity (a composition may carry light or dark copy), the other binarisation and other
 * scales: an OCR slip is random across these, a typo the same in all.
 */
const plan: readonly Look[] = [
  { dictionary: false, binarisation: 'local', polarity: 'best', scale: 1 },
  { dictionary: false, binarisation: 'global', polarity: 'best', scale: 1.5 },
  { dictionary: false, binarisation: 'local', polarity: 'opposite', scale: 1 },
  { dictionary: true, binarisation: 'local', polarity: 'best', scale: 1 },
  { dictionary: true, binarisation: 'global', polarity: 'best', scale: 1 },
  { dictionary: true, binarisation: 'local', polarity: 'best', scale: 0.7 },
  { dictionary: false, binarisation: 'local', polarity: 'best', scale: 0.7 },
  { dictionary: true, binarisation: 'local', polarity: 'opposite', scale: 1.5 },
];

/** Whether the first reading of every check uses the dictionary: which OCR engine to start early. */
export const firstReadingUsesDictionary = plan[0]!.dictionary;

/** Dictionary-free readings that must have read the copy before a legible verdict is certain. */
const minimumDictionaryFree = 1;
/** Readings whose glyphs must show a look-alike (a "0" at cap height, a "1" with its flag): one box can be off. */
const lookAlikeConfirmations = 2;
/** Readings that found nothing of the copy, after which the whole image is read at full size. */
const notFoundAfter = 3;
/** Readings that read the words either side of a word but not the word, after which it is certainly missing. */
const missingAgreement = 3;

/** Line height (px) the recogniser reads display type best at; larger type is scaled down to it. */
const targetLineHeight = 72;
/**
 * Longest side a whole composition is read at before its copy is found. Smaller is not faster
 * overall: at 480 px the 60 first legible images of the bench corpus read alike, but over the
 * whole corpus six legible headlines were lost (Oswald on noise read as nothing, one line of a
 * two-line headline missed so its crop lacked it) against three at 640 px.
 */
const wholeImageSide = 640;

/**
 * Reads an image several ways and decides, per piece of copy, whether it is legible.
 *
 * Strict (default): a word passes when some reading reads it exactly, no dictionary-free
 * reading shows a look-alike substitution in it, no misreading of it is read alike by two
 * dictionary-free readings more often than the word, and its glyphs show no look-alike in two
 * readings (`drawnLetters`); a piece passes when every word does, some reading has every word
 * and nothing else on its lines, and no stray word shows in two readings. Readings stop as soon
 * as the verdict is certain — a dictionary-free reading that reads everything exactly with its
 * glyphs as the copy's (so a legible image costs one reading), or a look-alike, an agreeing
 * misreading, a missing or a repeated stray word (a typo). Once the copy has been found, later
 * readings read only its region, scaled to the size the recogniser needs: reaching a line
 * further for words the reading lost at either end, made again when a reading finds more of the
 * copy, and read the way round the copy's own lines are drawn (turned over once if a crop
 * reading then finds nothing).
 *
 * Tolerant: the best 1 - character error rate over the readings must reach `minScore`.
 *
 * @example
 * const reading = await readCopy(ocr, png, [{ role: 'headline', copy: 'Spring into colour' }], { layout: 'auto', minScore: 0.9 });
 * reading.passed; // true when legible
 */
export async function readCopy(
  ocr: OcrModelV1,
  image: Uint8Array,
  pieces: ReadonlyArray<{ readonly role: CopyRole; readonly copy: string }>,
  options: ReadCopyOptions,
): Promise<CopyReading> {
  const language = options.language ?? 'eng';
  const matching = matchingFor(options.matching ?? defaultTextMatching, language);
  const mode = options.match ?? 'strict';
  // Decoded once: every reading and the glyph checks start from these grey levels.
  const grey = options.pixels ?? (await greyPixels(image));
  const { width, height } = grey;
  const tally = pieces.map((piece) => new PieceTally(piece.role, piece.copy, matching));
  const readings: ReadingRecord[] = [];
  const results: Array<{ read: OcrCallResult; exactWords: number }> = [];
  let region: OcrBox | undefined;
  let lineHeight = 0;
  /** Copy words read (exactly or not) by the reading the crop was made from. */
  let regionWordsRead = 0;
  /** Which way round the copy is in the crop, and whether a crop reading has tried it yet. */
  let regionPolarity: OcrPolarity | undefined;
  let regionPolarityTried = false;
  let firstPolarity = options.polarity;
  const maxReadings = options.maxReadings ?? plan.length;

  const copyWords = tally.reduce((sum, piece) => sum + piece.expected.length, 0);
  const looks = plan.filter((look) => look.polarity !== 'opposite' || !options.polarity); // known polarity
  while (looks.length > 0 && readings.length < maxReadings) {
    const look = looks.shift()!;
    const best = results.reduce<(typeof results)[number] | undefined>(
      (most, result) => (!most || result.exactWords > most.exactWords ? result : most),
      undefined,
    );
    // Once a reading has read most of the copy, its polarity is the copy's: read the other way
    // round, the recogniser fills in letters from its language model instead ("SüBe" as "Süße").
    if (look.polarity === 'opposite' && best && best.exactWords * 2 >= copyWords) continue;
    // In the crop, the copy's own lines say which way round it is: the whole image's guess can
    // be wrong for lettering on a scrim (light copy on a dark panel over a light photo).
    const seen =
      options.polarity ??
      regionPolarity ??
      (best && best.exactWords > 0 ? best.read.polarity : firstPolarity);
    const polarity = look.polarity === 'opposite' && seen ? opposite(seen) : seen;
    const baseScale = region
      ? Math.min(1, targetLineHeight / Math.max(1, lineHeight))
      : Math.min(1, wholeImageSide / Math.max(width, height, 1));
    const scale = look.wholeImageAtFullSize ? 1 : round(Math.min(2, baseScale * look.scale));
    const layout = region || options.layout === 'block' ? 'block' : 'auto';
    const started = performance.now();
    const read = await ocr.doRecognize({
      image,
      pixels: grey,
      layout,
      polarity,
      dictionary: look.dictionary,
      binarisation: look.binarisation,
      scale,
      region,
      language,
      abortSignal: options.signal,
    });
    readings.push({
      layout,
      polarity: read.polarity ?? polarity,
      dictionary: look.dictionary,
      binarisation: look.binarisation,
      scale,
      ...(region ? { region } : {}),
      text: read.text,
      ms: Math.round(performance.now() - started),
    });
    firstPolarity ??= read.polarity;
    const segments = splitAtGaps(read.lines);
    let exactWords = 0;
    for (const piece of tally) exactWords += piece.add(segments, !look.dictionary, { grey });
    results.push({ read, exactWords });
    if (region && look.polarity === 'best' && !regionPolarityTried && regionPolarity) {
      regionPolarityTried = true;
      // The copy was read in this very place a moment ago: a crop reading that finds none of it
      // was looking the wrong way round. (A scrim's rim inside the crop can turn the ink's own
      // polarity into a frame the recogniser cannot read through.)
      if (tally.every((piece) => piece.wordsRead() === 0)) regionPolarity = opposite(regionPolarity);
    }
    if (results.length === 1 && exactWords === 0) {
      // Nothing of the copy read at all: most likely the other polarity; look that way next.
      const other = looks.findIndex((next) => next.polarity === 'opposite');
      if (other > 0) looks.unshift(...looks.splice(other, 1));
    }
    if (
      results.length === notFoundAfter &&
      !region &&
      options.layout === 'auto' &&
      results.every((result) => result.exactWords === 0)
    ) {
      // Still nothing after both polarities and two scales: some heavy display faces (Anton,
      // condensed) are only made out at full size.
      looks.unshift({
        dictionary: false,
        binarisation: 'local',
        polarity: 'best',
        scale: 1,
        wholeImageAtFullSize: true,
      });
    }
    // The crop comes from the reading that read most of the copy: a crop made from a reading
    // that lost some words reaches out for them, and once a reading finds them the crop is
    // made again around the whole copy (the reach takes in ground that reads as stray words).
    const wordsRead = tally.reduce((sum, piece) => sum + piece.wordsRead(), 0);
    if (options.layout === 'auto' && wordsRead > regionWordsRead) {
      const found = copyRegion(
        tally.map((piece) => piece.lastAlignment),
        segments,
        width,
        height,
      );
      if (found) {
        ({ region, lineHeight } = found);
        regionPolarity = inkPolarity(grey, found.lines);
        regionPolarityTried = false;
        regionWordsRead = wordsRead;
      }
    }
    const done =
      mode === 'tolerant'
        ? tally.every((piece) => piece.bestScore.score >= options.minScore)
        : tally.every((piece) => piece.certain() !== undefined);
    if (done) break;
  }

  const matches = tally.map((piece) => piece.verdict(mode, options.minScore));
  const kept = results.reduce((most, result) => (result.exactWords > most.exactWords ? result : most));
  return {
    read: kept.read,
    matches,
    score: Math.min(...matches.map((match) => match.score)),
    passed: matches.every((match) => match.passed),
    attempts: readings.length,
    readings,
    ...(region ? { region } : {}),
  };
}

/** What the readings so far say about one piece of copy. */
class PieceTally {
  readonly expected: readonly string[];
  bestScore: CopyMatch;
  /** The copy's words as written (case kept), for their glyphs; undefined when they do not line up. */
  private readonly asWritten: readonly string[] | undefined;
  private readonly exactCount: number[];
  private readonly exactDictionaryFree: number[];
  /** Per word: what dictionary-free readings read instead of it, and how often. */
  private readonly otherwise: Array<Map<string, number>>;
  /** Per word: readings that read the words either side of it but not the word. */
  private readonly missing: number[];
  private readonly lookAlike: Array<string | undefined>;
  /** Per word: readings whose glyphs showed a look-alike drawn for a letter, and those that showed none. */
  private readonly drawn: Array<{ seen: number; cleared: number; form?: string }>;
  /** Per word: it has a letter whose look-alike the recogniser reads as it ("o" and "0", "l" and "1"). */
  private readonly hasLookAlike: boolean[];
  private readonly readAs: Array<Set<string>>;
  private readonly extraSeen = new Map<string, number>();
  private cleanSeen = false;
  /** A reading showed a copy word seemingly doubled (`WordAlignment.nearDoubled`): a second must look. */
  private nearDoubledSeen = false;
  /** Readings that found the copy. */
  private found = 0;
  private dictionaryFreeCovered = 0;
  lastAlignment: WordAlignment | undefined;

  constructor(
    readonly role: CopyRole,
    readonly copy: string,
    private readonly matching: TextMatching,
  ) {
    this.bestScore = scoreCopy(copy, [], matching);
    this.expected = matchWords(copy, [], matching).expected;
    const written = words(normaliseText(copy, { ...matching, caseSensitive: true }));
    this.asWritten =
      written.length === this.expected.length &&
      written.every((word, index) => word.toLowerCase() === this.expected[index])
        ? written
        : undefined;
    this.exactCount = this.expected.map(() => 0);
    this.exactDictionaryFree = this.expected.map(() => 0);
    this.otherwise = this.expected.map(() => new Map());
    this.missing = this.expected.map(() => 0);
    this.lookAlike = this.expected.map(() => undefined);
    this.drawn = this.expected.map(() => ({ seen: 0, cleared: 0 }));
    this.hasLookAlike = this.expected.map((_, index) => hasLookAlikeLetter(this.asWritten?.[index] ?? ''));
    this.readAs = this.expected.map(() => new Set());
  }

  /** Takes one reading's segments into account; returns how many words it read exactly. */
  add(segments: readonly Segment[], dictionaryFree: boolean, glyphs: { readonly grey: GreyImage }): number {
    const lines = segments.map((segment) => segment.text);
    const score = scoreCopy(this.copy, lines, this.matching);
    if (score.score > this.bestScore.score) this.bestScore = score;
    const alignment = matchWords(this.copy, lines, this.matching);
    this.lastAlignment = alignment;
    if (alignment.lines === null) return 0;
    this.found++;
    const readWords = this.readWords(segments.slice(alignment.lines[0], alignment.lines[1] + 1));
    let exactWords = 0;
    alignment.read.forEach((word, index) => {
      const expected = this.expected[index]!;
      if (word === expected) {
        this.exactCount[index]!++;
        if (dictionaryFree) this.exactDictionaryFree[index]!++;
        exactWords++;
        const at = alignment.readAt[index];
        const read = at === null || at === undefined ? undefined : readWords?.[at];
        if (read && this.asWritten) {
          const drawn = drawnLetters(this.asWritten[index]!, read.word, { ...glyphs, heights: read.heights });
          if (drawn.form) {
            this.drawn[index]!.seen++;
            this.drawn[index]!.form ??= drawn.form;
          } else if (drawn.measured) this.drawn[index]!.cleared++;
        }
        return;
      }
      // Missing between two words that were read: a reading that loses a line or the edge of
      // the crop loses the words at the copy's ends, not one inside it.
      if (word === null) {
        if (alignment.read[index - 1] && alignment.read[index + 1]) this.missing[index]!++;
        return;
      }
      this.readAs[index]!.add(word);
      if (!dictionaryFree) return;
      const other = this.otherwise[index]!;
      other.set(word, (other.get(word) ?? 0) + 1);
      if (isLookAlikeOf(word, expected)) this.lookAlike[index] ??= word;
    });
    for (const word of new Set(alignment.extra)) {
      // A copy word read twice is never an OCR slip (a recogniser does not invent the copy):
      // one reading is enough. Any other stray word must show in two.
      this.extraSeen.set(word, (this.extraSeen.get(word) ?? 0) + (this.expected.includes(word) ? 2 : 1));
    }
    // A copy word seemingly doubled by a word alike it beside the copy counts once a reading.
    for (const word of alignment.nearDoubled ?? []) {
      this.extraSeen.set(word, (this.extraSeen.get(word) ?? 0) + 1);
      this.nearDoubledSeen = true;
    }
    if (alignment.extra.length === 0 && alignment.read.every((word) => word !== null)) this.cleanSeen = true;
    if (dictionaryFree) this.dictionaryFreeCovered++;
    return exactWords;
  }

  /** Copy words the last reading read at all (exactly or not), when it found the copy. */
  wordsRead(): number {
    const alignment = this.lastAlignment;
    if (!alignment?.lines || !alignment.read.some((word, index) => word === alignment.expected[index]))
      return 0;
    return alignment.read.filter((word) => word !== null).length;
  }

  /**
   * The OCR word behind each word the alignment counted on these segments, with its line's
   * glyph heights; undefined when the two do not line up one to one (a word the normalisation split).
   */
  private readWords(segments: readonly Segment[]) {
    const found: Array<{ word: OcrWord; heights: LineHeights | undefined }> = [];
    // The copy's lines are set in one size: a line with too few lowercase letters of its own
    // ("Sale 40% 0ff") is measured against all of them.
    const allLines = lineHeights(segments.flatMap((segment) => segment.words));
    for (const segment of segments) {
      const heights = lineHeights(segment.words) ?? allLines;
      for (const word of segment.words) {
        const count = words(normaliseText(word.text, this.matching)).length;
        if (count > 1) return undefined;
        if (count === 1) found.push({ word, heights });
      }
    }
    return found;
  }

  private repeatedExtra(): string[] {
    return [...this.extraSeen].filter(([, count]) => count >= 2).map(([word]) => word);
  }

  /**
   * What dictionary-free readings read instead of word `index` when that is a typo rather than
   * a slip: a recogniser's slips vary between readings, a typo reads the same in each. The same
   * other reading seen twice without the dictionary, more often than the word itself, is taken
   * as drawn — a reading with the dictionary that "corrects" it ("Frree" to "Free") does not
   * outvote it.
   */
  private consistentMisreading(index: number): string | undefined {
    const [form, count] = [...this.otherwise[index]!].reduce<[string, number]>(
      (most, entry) => (entry[1] > most[1] ? entry : most),
      ['', 0],
    );
    return count >= 2 && count > this.exactDictionaryFree[index]! ? form : undefined;
  }

  private wordPasses(index: number): boolean {
    return (
      this.exactCount[index]! > 0 &&
      this.lookAlike[index] === undefined &&
      this.drawn[index]!.seen < lookAlikeConfirmations &&
      this.consistentMisreading(index) === undefined
    );
  }

  /**
   * Whether the glyphs have said enough about word `index`: a look-alike once seen in them needs
   * a second reading either way (one glyph can be cut wrong); a word with look-alike letters
   * ("o" and "0", "l" and "1", "ó" and "ö") is measured once when a second reading can (noise on
   * the ground can spoil a reading's glyphs).
   */
  private glyphsSettled(index: number): boolean {
    const { seen, cleared } = this.drawn[index]!;
    if (seen > 0) return seen >= lookAlikeConfirmations || cleared >= lookAlikeConfirmations;
    return cleared > 0 || !this.hasLookAlike[index] || this.found >= 2;
  }

  /** `true`/`false` once no further reading can change the strict verdict, else undefined. */
  certain(): boolean | undefined {
    if (this.lookAlike.some((word) => word !== undefined)) return false;
    if (this.drawn.some((drawn) => drawn.seen >= lookAlikeConfirmations)) return false;
    if (this.repeatedExtra().length > 0) return false;
    // The same misreading in two dictionary-free readings that never read the word, or the word
    // missing from several readings that found the rest: drawn so, not a slip.
    if (
      this.expected.some(
        (_, index) =>
          (this.exactDictionaryFree[index] === 0 && this.consistentMisreading(index) !== undefined) ||
          (this.exactCount[index] === 0 && this.missing[index]! >= missingAgreement),
      )
    )
      return false;
    // A dictionary-free reading must have looked (it reads look-alikes as drawn more often).
    // Requiring two caught no more look-alikes on the corpus and cost a reading per image.
    // A look-alike once seen in a word's glyphs needs a second look before the word passes.
    if (
      this.expected.every((_, index) => this.wordPasses(index)) &&
      this.expected.every((_, index) => this.glyphsSettled(index)) &&
      this.cleanSeen &&
      this.dictionaryFreeCovered >= minimumDictionaryFree &&
      (!this.nearDoubledSeen || this.found >= 2)
    ) {
      return true;
    }
    return undefined;
  }

  verdict(mode: CopyMatchMode, minScore: number): PieceMatch {
    const words = this.expected.map((word, index) => {
      const drawn = this.drawn[index]!.seen >= lookAlikeConfirmations ? this.drawn[index]!.form : undefined;
      const lookAlike = this.lookAlike[index] ?? drawn;
      return {
        word,
        passed: this.wordPasses(index),
        readAs: [...this.readAs[index]!],
        ...(lookAlike ? { lookAlike } : {}),
      };
    });
    const extra = this.repeatedExtra();
    const strict = words.every((word) => word.passed) && this.cleanSeen && extra.length === 0;
    return {
      role: this.role,
      ...this.bestScore,
      passed: mode === 'strict' ? strict : this.bestScore.score >= minScore,
      words,
      extra,
    };
  }
}

/** A run of words on one OCR line, split where a gap wider than the line is tall separates them. */
export interface Segment {
  readonly text: string;
  readonly box: OcrBox;
  readonly words: readonly OcrWord[];
}

/**
 * Splits each OCR line where its words are far apart: a price tag or logo that happens to sit
 * on the headline's baseline is not part of the headline's line.
 */
export function splitAtGaps(lines: readonly OcrLine[]): Segment[] {
  const segments: Segment[] = [];
  for (const line of lines) {
    let run: OcrLine['words'][number][] = [];
    const flush = () => {
      if (run.length === 0) return;
      segments.push({
        text: run.map((word) => word.text).join(' '),
        box: union(run.map((word) => word.box)),
        words: run,
      });
      run = [];
    };
    for (const word of line.words) {
      const previous = run.at(-1);
      if (previous && word.box.x - (previous.box.x + previous.box.width) > line.box.height * 1.5) flush();
      run.push(word);
    }
    flush();
  }
  return segments;
}

/**
 * Lines below or above the lines the copy was matched on that the crop takes in when copy words
 * at that end were not read at all, in line heights: a wrapped headline's next line sits about
 * one and a half line heights lower (beyond the crop's own room), and a reading that lost it
 * must not crop it away.
 */
const missingLineReach = 1.5;
/** Room around the copy's lines in the crop, in line heights. */
const cropPad = 0.6;

/**
 * The rectangle around the lines the copy was last matched on, padded, or undefined. When words
 * at the start or end of the copy were not read at all, it reaches a line further that way, and
 * as far sideways as those words would take at the size of the words read (a wrapped line may
 * start or end anywhere: left, centred or right aligned).
 */
export function copyRegion(
  alignments: ReadonlyArray<WordAlignment | undefined>,
  segments: readonly Segment[],
  width: number,
  height: number,
): { region: OcrBox; lineHeight: number; lines: OcrBox } | undefined {
  const boxes: OcrBox[] = [];
  let readText = 0;
  let missingBefore = 0;
  let missingAfter = 0;
  for (const alignment of alignments) {
    if (!alignment?.lines || !alignment.read.some((word, index) => word === alignment.expected[index]))
      continue;
    for (let index = alignment.lines[0]; index <= alignment.lines[1]; index++) {
      boxes.push(segments[index]!.box);
      readText += Array.from(segments[index]!.text).length;
    }
    const firstRead = alignment.read.findIndex((word) => word !== null);
    const lastRead = alignment.read.findLastIndex((word) => word !== null);
    const letters = (from: number, to: number) =>
      alignment.expected.slice(from, to).reduce((sum, word) => sum + Array.from(word).length + 1, 0);
    missingBefore += letters(0, firstRead);
    missingAfter += letters(lastRead + 1, alignment.expected.length);
  }
  if (boxes.length === 0) return undefined;
  const lineHeight = Math.max(...boxes.map((box) => box.height));
  const around = union(boxes);
  const letterWidth = around.width / Math.max(1, readText);
  const pad = Math.round(lineHeight * cropPad);
  const reach = Math.round(lineHeight * missingLineReach);
  // Words lost after the lines read go on at their end or on the next line; words lost before
  // come before their start or on the line above. A wrapped line no wider than the lines read
  // lies within them however it is aligned; a wider one overhangs by its extra width.
  const left = around.x;
  const right = around.x + around.width;
  const before = Math.round(missingBefore * letterWidth);
  const after = Math.round(missingAfter * letterWidth);
  const from = Math.min(left - before, missingAfter > 0 ? right - after : left);
  const to = Math.max(right + after, missingBefore > 0 ? left + before : right);
  const x = Math.max(0, from - pad);
  const y = Math.max(0, around.y - pad - (missingBefore > 0 ? reach : 0));
  return {
    region: {
      x,
      y,
      width: Math.min(width, to + pad) - x,
      height: Math.min(height, around.y + around.height + pad + (missingAfter > 0 ? reach : 0)) - y,
    },
    lineHeight,
    lines: around,
  };
}

function union(boxes: readonly OcrBox[]): OcrBox {
  const left = Math.min(...boxes.map((box) => box.x));
  const top = Math.min(...boxes.map((box) => box.y));
  const right = Math.max(...boxes.map((box) => box.x + box.width));
  const bottom = Math.max(...boxes.map((box) => box.y + box.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** The image's grey levels: what every reading and the glyph checks start from. */
async function greyPixels(image: Uint8Array): Promise<GreyImage> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function opposite(polarity: OcrPolarity): OcrPolarity {
  return polarity === 'dark-on-light' ? 'light-on-dark' : 'dark-on-light';
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
