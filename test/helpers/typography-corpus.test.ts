import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { corpusClasses, corpusPlan, misspell, typographyCorpus } from './typography-corpus.ts';

describe('typography corpus', () => {
  it('plans 40% legible controls and the rest split evenly over the typo classes', () => {
    const plan = corpusPlan(320);
    expect(plan).toHaveLength(320);
    expect(plan.filter((label) => label === 'legible')).toHaveLength(131);
    for (const label of corpusClasses.filter((label) => label !== 'legible')) {
      expect(plan.filter((other) => other === label)).toHaveLength(21);
    }
  });

  it('letters each typo class as labelled', () => {
    const random = { next: () => 0.3, pick: <T>(items: readonly T[]) => items[0]!, int: () => 1 };
    expect(misspell('Made to last', 'doubled-word', random)).toBe('Made to to last');
    expect(misspell('Made to last', 'missing-word', random)).toBe('Made to');
    expect(misspell('Only at Nordvik', 'look-alike', random)).toBe('0nly at Nordvik');
    expect(misspell('Only at Nordvik', 'transposition', random)).toBe('nOly at Nordvik');
    expect(misspell('Free', 'deletion', random)).toBe('ree');
    expect(misspell('Free', 'insertion', random)).toBe('Ffree');
    expect(misspell('Café', 'diacritic', random)).toBe('Cafe');
    expect(misspell('Free', 'diacritic', random)).toBeUndefined();
    expect(misspell('Free', 'legible', random)).toBe('Free');
  });

  it('is the same for the same seed, and every typo differs from the copy', async () => {
    const collect = async (seed: number) => {
      const items = [];
      for await (const item of typographyCorpus({ total: 20, size: 128, seed })) items.push(item);
      return items;
    };
    const [first, again, other] = [await collect(3), await collect(3), await collect(4)];
    expect(first.map((item) => item.label)).toEqual(corpusPlan(20));
    const fingerprint = (item: (typeof first)[number]) =>
      `${item.id} ${item.lettered} ${item.font} ${createHash('sha256').update(item.image).digest('hex')}`;
    expect(again.map(fingerprint)).toEqual(first.map(fingerprint));
    expect(other.map((item) => item.lettered)).not.toEqual(first.map((item) => item.lettered));
    for (const item of first) {
      const typo = item.label !== 'legible' && item.label !== 'low-contrast';
      expect(item.lettered !== item.headline).toBe(typo);
    }
  }, 60_000);
});
