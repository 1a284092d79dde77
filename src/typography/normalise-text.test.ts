import { describe, expect, it } from 'vitest';
import { defaultTextMatching, matchingFor, normaliseText, textMatchingSchema } from './normalise-text.ts';

describe('normaliseText', () => {
  it('unifies case, whitespace, quotes and dashes', () => {
    expect(normaliseText('  “Spring”\t—  into\n colour!  ')).toBe('spring into colour');
  });

  it('expands ligatures and full-width letters', () => {
    expect(normaliseText('ﬁeld ﬂowers ＳＡＬＥ')).toBe('field flowers sale');
  });

  it('drops invisible characters', () => {
    expect(normaliseText('Spr\u00ADing\u200B into')).toBe('spring into');
  });

  it('keeps case when asked', () => {
    const matching = textMatchingSchema.parse({ caseSensitive: true });
    expect(normaliseText('Spring Into', matching)).toBe('Spring Into');
  });

  it('keeps punctuation when asked, with typographic marks mapped to plain ones', () => {
    const matching = textMatchingSchema.parse({ punctuation: 'keep' });
    expect(normaliseText('It’s “new” — now…', matching)).toBe('it\'s "new" - now...');
  });

  it('separates words at dashes and slashes when punctuation is ignored', () => {
    expect(normaliseText('spring—summer/autumn')).toBe('spring summer autumn');
    expect(normaliseText("don't stop.")).toBe('dont stop');
  });

  it('folds accents by default and keeps them when asked', () => {
    expect(defaultTextMatching.diacritics).toBeUndefined();
    expect(normaliseText('Crème', defaultTextMatching)).toBe('creme');
    expect(matchingFor(defaultTextMatching, 'eng').diacritics).toBe('fold');
    expect(matchingFor(defaultTextMatching, 'fra').diacritics).toBe('keep');
    expect(matchingFor({ ...defaultTextMatching, diacritics: 'fold' }, 'fra').diacritics).toBe('fold');
    expect(normaliseText('Crème brûlée für Straße')).toBe('creme brulee fur strasse');
    const keep = textMatchingSchema.parse({ diacritics: 'keep' });
    expect(normaliseText('Crème brûlée für Straße', keep)).toBe('crème brûlée für straße');
  });

  it('compares composed and decomposed accents equal', () => {
    const keep = textMatchingSchema.parse({ diacritics: 'keep' });
    expect(normaliseText('Cafe\u0301', keep)).toBe(normaliseText('Café', keep));
  });
});
