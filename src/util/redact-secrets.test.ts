import { describe, expect, it } from 'vitest';
import { redactSecrets, redactValue, registerSecret } from './redact-secrets.ts';

describe('redactSecrets', () => {
  it('masks registered secrets wherever they appear', () => {
    registerSecret('a-registered-secret-0042');
    expect(redactSecrets('proxy said: bad key a-registered-secret-0042!')).toBe(
      'proxy said: bad key [redacted]!',
    );
  });

  it('masks values of environment variables named like keys', () => {
    const env = { FAL_KEY: 'fal-env-value-123456', HOME: '/home/someone-long-path' };
    expect(redactSecrets('Key fal-env-value-123456 at /home/someone-long-path', env)).toBe(
      'Key [redacted] at /home/someone-long-path',
    );
  });

  it('masks credential shapes it was never told about', () => {
    const env = {};
    expect(redactSecrets('Authorization: Bearer abc123def456ghi789', env)).toBe(
      'Authorization: Bearer [redacted]',
    );
    expect(redactSecrets('bad key sk-proj-unknown0123456789', env)).toBe('bad key [redacted]');
    expect(redactSecrets('token r8_unknown0123456789abc', env)).toBe('token [redacted]');
    expect(redactSecrets('GET /v1/models?key=AIzaSomething123456789012345&x=1', env)).toBe(
      'GET /v1/models?key=[redacted]&x=1',
    );
    expect(redactSecrets('{"x-goog-api-key":"unknown-value-1234567"}', env)).toBe(
      '{"x-goog-api-key":"[redacted]"}',
    );
  });

  it('leaves ordinary text alone', () => {
    const text = 'Key takeaways: the Token limit was reached after 3 attempts (HTTP 429)';
    expect(redactSecrets(text, {})).toBe(text);
  });

  it('redacts every string in a JSON-like value', () => {
    registerSecret('nested-secret-value-77');
    expect(redactValue({ a: ['x nested-secret-value-77'], b: 3 })).toEqual({ a: ['x [redacted]'], b: 3 });
  });
});
