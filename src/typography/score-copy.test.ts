import { describe, expect, it } from 'vitest';
import { editDistance } from './edit-distance.ts';
import { textMatchingSchema } from './normalise-text.ts';
import { scoreCopy } from './score-copy.ts';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', 'ab')).toBe(2);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('Sprnig', 'Spring')).toBe(2);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(editDistance('a😀b', 'ab')).toBe(1);
  });
});

describe('scoreCopy', () => {
  it('scores 1 for an exact read after normalisation', () => {
    const match = scoreCopy('Spring into colour', ['SPRING INTO COLOUR']);
    expect(match.score).toBe(1);
    expect(match.lines).toEqual([0, 0]);
  });

  it('is 1 - edits / copy length', () => {
    const match = scoreCopy('Spring into colour', ['Sprnig into colour']);
    expect(match.characterErrorRate).toBeCloseTo(2 / 18, 10);
    expect(match.score).toBeCloseTo(1 - 2 / 18, 10);
  });

  it('finds the headline across consecutive lines', () => {
    const match = scoreCopy('New season, new shelf', ['~~ |', 'New season,', 'new shelf', '20% off']);
    expect(match.score).toBe(1);
    expect(match.lines).toEqual([1, 2]);
  });

  it('leaves out other words at the ends of the matched lines, but forgives nothing inside', () => {
    expect(scoreCopy('Shop now', ['_ Shop now']).score).toBe(1);
    expect(scoreCopy('Spring into colour', ['Spring into HH colour']).score).toBeLessThan(0.9);
  });

  it('does not match lines that are not consecutive', () => {
    const match = scoreCopy('Spring into colour', ['Spring into', 'zz qq', 'colour']);
    expect(match.score).toBeLessThan(0.9);
  });

  it('scores 0 when nothing was read', () => {
    const match = scoreCopy('Spring', []);
    expect(match).toMatchObject({ score: 0, characterErrorRate: 1, read: '', lines: null });
  });

  it('clamps the score at 0 when the read text is much longer than the copy', () => {
    expect(scoreCopy('ab', ['xyzxyzxyz']).score).toBe(0);
  });

  it('applies the matching options', () => {
    const strict = textMatchingSchema.parse({ caseSensitive: true, punctuation: 'keep' });
    expect(scoreCopy('Spring!', ['spring']).score).toBe(1);
    expect(scoreCopy('Spring!', ['spring'], strict).score).toBeCloseTo(1 - 2 / 7, 10);
  });
});
