import { describe, expect, it } from 'vitest';
import { parseInFlightLimits, parseRateLimits } from './fleet-rate-limit.ts';

describe('parseRateLimits', () => {
  it('reads role=max/window with ms, s and m windows', () => {
    expect(parseRateLimits('compose=60/1m,upscale=10/2s,ocr=5/500ms,stylize=3/s')).toEqual(
      new Map([
        ['compose', { max: 60, durationMs: 60_000 }],
        ['upscale', { max: 10, durationMs: 2_000 }],
        ['ocr', { max: 5, durationMs: 500 }],
        ['stylize', { max: 3, durationMs: 1_000 }],
      ]),
    );
  });

  it('says what it expected when a limit is malformed', () => {
    expect(() => parseRateLimits('compose=60')).toThrow(
      /Expected a rate limit like "compose=60\/1m".*"compose=60"/,
    );
    expect(() => parseRateLimits('compose=0/1s')).toThrow(/compose=0\/1s/);
  });
});

describe('parseInFlightLimits', () => {
  it('reads role=max and refuses anything else', () => {
    expect(parseInFlightLimits('compose=4,upscale=1')).toEqual(
      new Map([
        ['compose', 4],
        ['upscale', 1],
      ]),
    );
    expect(() => parseInFlightLimits('compose=4/1s')).toThrow(
      /Expected a limit of calls in flight.*"compose=4\/1s"/,
    );
  });
});
