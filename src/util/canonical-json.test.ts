import { describe, expect, it } from 'vitest';
import { canonicalJson, hashOf } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4, e: undefined }] })).toBe(
      '{"a":[2,{"c":4,"d":3}],"b":1}',
    );
  });

  it('hashes structurally equal values equally and different values differently', () => {
    expect(hashOf({ x: 1, y: { z: [1, 2] } })).toBe(hashOf({ y: { z: [1, 2] }, x: 1 }));
    expect(hashOf({ x: 1 })).not.toBe(hashOf({ x: 2 }));
    expect(hashOf([1, 2])).not.toBe(hashOf([2, 1]));
  });

  it('refuses non-finite numbers instead of writing null', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/finite number/);
  });
});
