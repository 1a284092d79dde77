import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  defaultRetryPolicy,
  minimumRetryDelayMs,
  retryAfterMs,
  retryDelay,
  retryInfoDelayMs,
} from './retry-policy.ts';

describe('retry policy', () => {
  it('doubles the backoff per retry, caps it, and jitters the upper half', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4].map((retry) => backoffDelay(retry, policy, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect(backoffDelay(2, policy, () => 1)).toBe(400);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(300);
  });

  it('reads retry-after-ms, retry-after seconds and retry-after dates', () => {
    expect(retryAfterMs({ 'retry-after-ms': '250' })).toBe(250);
    expect(retryAfterMs({ 'Retry-After': '2' })).toBe(2000);
    expect(retryAfterMs({ 'retry-after': '0.5' })).toBe(500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
    expect(retryAfterMs({})).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('reads the retryDelay of a google.rpc.RetryInfo in a Google error body', () => {
    const body = (details: unknown) =>
      JSON.stringify({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', details } });
    const quotaFailure = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] };
    expect(
      retryInfoDelayMs(
        body([quotaFailure, { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '27s' }]),
      ),
    ).toBe(27_000);
    expect(
      retryInfoDelayMs(body([{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }])),
    ).toBe(1500);
    expect(retryInfoDelayMs(body([quotaFailure]))).toBeUndefined();
    expect(retryInfoDelayMs('RetryInfo, but not JSON')).toBeUndefined();
    expect(retryInfoDelayMs(undefined)).toBeUndefined();
  });

  it('waits the larger of Retry-After and the backoff, never less than the floor', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    // A 10 ms Retry-After does not replace a 500..1000 ms backoff.
    expect(retryDelay(0, 10, policy, () => 0)).toBe(500);
    expect(retryDelay(2, 10, policy, () => 1)).toBe(4000);
    // A longer Retry-After wins over the backoff.
    expect(retryDelay(0, 2500, policy, () => 1)).toBe(2500);
    expect(retryDelay(0, undefined, policy, () => 0)).toBe(500);
    // No backoff configured and Retry-After: 0 still leave the floor.
    expect(retryDelay(0, 0, { baseDelayMs: 0, maxDelayMs: 60_000 })).toBe(minimumRetryDelayMs);
    expect(retryDelay(3, undefined, { ...defaultRetryPolicy, baseDelayMs: 10 }, () => 0)).toBe(
      minimumRetryDelayMs,
    );
  });
});
