import { describe, expect, it } from 'vitest';
import { isExact, isLookAlikeOf, matchWords } from './match-words.ts';
import { textMatchingSchema } from './normalise-text.ts';

describe('matchWords', () => {
  it('is exact when every word is read in order and nothing else is on the lines', () => {
    const alignment = matchWords('New season, new shelf', ['~~ |', 'NEW SEASON', 'new shelf!', '20% off']);
    expect(alignment.lines).toEqual([1, 2]);
    expect(isExact(alignment)).toBe(true);
  });

  it('fails one wrong, missing, doubled or stray word', () => {
    expect(matchWords('Free shipping', ['Frree shipping']).read).toEqual(['frree', 'shipping']);
    expect(isExact(matchWords('Free shipping', ['Frree shipping']))).toBe(false);
    const missing = matchWords('New season sale', ['New sale']);
    expect(missing.read).toEqual(['new', null, 'sale']);
    const doubled = matchWords('Made to last', ['Made Made to last']);
    expect(doubled.extra).toEqual(['made']);
    expect(isExact(doubled)).toBe(false);
    expect(isExact(matchWords('Spring into colour', ['Spring into HH colour']))).toBe(false);
    // Doubled across a line break.
    expect(matchWords('Welcome home', ['Welcome', 'Welcome home']).extra).toEqual(['welcome']);
    expect(matchWords('Made to last', ['Made to last', 'last']).extra).toEqual(['last']);
  });

  it('notes a word alike the first or last copy word right beside it, as a copy word maybe doubled', () => {
    expect(matchWords('Hello sunshine', ['ello Hello sunshine']).nearDoubled).toEqual(['hello']);
    expect(matchWords('Hello sunshine', ['Hello sunshine sunshin']).nearDoubled).toEqual(['sunshine']);
    expect(matchWords('Hello sunshine', ['a Hello sunshine']).nearDoubled).toBeUndefined();
  });

  it('ignores text on other lines and tokens that are not words', () => {
    expect(isExact(matchWords('Shop now', ['SALE 20%', '| Shop now _', 'logo']))).toBe(true);
    // Beside the copy on its line (a shape read as a letter) is not inside it.
    expect(isExact(matchWords('Free shipping', ['a Free shipping ll']))).toBe(true);
  });

  it('counts a word read as an unrelated one as missing, the read one as extra', () => {
    const alignment = matchWords('Take it outside', ['Take it xylophone']);
    expect(alignment.read).toEqual(['take', 'it', null]);
    expect(alignment.extra).toEqual(['xylophone']);
  });

  it('prefers the lines that read every copy word to those that lose one to a stray mark', () => {
    const alignment = matchWords('Made for mornings', ['Made for', 'mornings | op']);
    expect(alignment.read).toEqual(['made', 'for', 'mornings']);
    expect(isExact(alignment)).toBe(true);
  });

  it('says where each copy word was read among the words of the matched lines', () => {
    const alignment = matchWords('Take it outside', ['logo', 'x Take it', 'outside']);
    expect(alignment.lines).toEqual([1, 2]);
    expect(alignment.readAt).toEqual([1, 2, 3]);
    expect(matchWords('New season sale', ['New sale']).readAt).toEqual([0, null, 1]);
  });

  it('reads nothing as every word missing', () => {
    expect(matchWords('Spring', [])).toEqual({
      expected: ['spring'],
      read: [null],
      readAt: [null],
      extra: [],
      lines: null,
    });
  });

  it('compares diacritics when asked to keep them', () => {
    const keep = textMatchingSchema.parse({ diacritics: 'keep' });
    expect(isExact(matchWords('Crème brûlée', ['Creme brulee']))).toBe(true);
    expect(isExact(matchWords('Crème brûlée', ['Creme brulee'], keep))).toBe(false);
    expect(isExact(matchWords('Crème brûlée', ['CRÈME BRÛLÉE'], keep))).toBe(true);
  });
});

describe('isLookAlikeOf', () => {
  it('spots look-alike substitutions and nothing else', () => {
    expect(isLookAlikeOf('n0rdvik', 'nordvik')).toBe(true);
    expect(isLookAlikeOf('rnilk', 'milk')).toBe(true);
    expect(isLookAlikeOf('vvind', 'wind')).toBe(true);
    expect(isLookAlikeOf('1ight', 'light')).toBe(true);
    expect(isLookAlikeOf('5ale', 'sale')).toBe(true);
    expect(isLookAlikeOf('nordvik', 'nordvik')).toBe(false);
    expect(isLookAlikeOf('nardvik', 'nordvik')).toBe(false);
  });
});
