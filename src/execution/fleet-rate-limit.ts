import type { ImageModelV3 } from '@ai-sdk/provider';
import type { Redis } from 'ioredis';
import { AtelierError } from '../errors.ts';

/** At most `max` calls may start within any `durationMs` window, across every worker of the fleet. */
export interface RateLimit {
  max: number;
  durationMs: number;
}

/**
 * A sliding-window log in one Redis sorted set, updated atomically by a script that reads the
 * server's clock (so workers' clocks need not agree). Returns 0 when a slot was taken, otherwise
 * how many milliseconds to wait before the oldest call leaves the window.
 */
const acquireScript = `
local key = KEYS[1]
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < max then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

let sequence = 0;

/** Waits for a fleet-wide slot named `name` (e.g. the role), then returns. */
export async function acquireFleetSlot(redis: Redis, name: string, limit: RateLimit): Promise<void> {
  const member = `${process.pid}-${Date.now()}-${sequence++}-${Math.random()}`;
  for (;;) {
    const wait = Number(
      await redis.eval(acquireScript, 1, `atelier:rate:${name}`, limit.max, limit.durationMs, member),
    );
    if (wait === 0) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Wraps an image model so each call first takes a fleet-wide slot. */
export function fleetRateLimited(
  model: ImageModelV3,
  redis: Redis,
  name: string,
  limit: RateLimit,
): ImageModelV3 {
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    maxImagesPerCall: model.maxImagesPerCall,
    doGenerate: async (options) => {
      await acquireFleetSlot(redis, name, limit);
      return model.doGenerate(options);
    },
  };
}

/** Parses `compose=60/1m,upscale=10/2s` (units ms, s, m) into per-role limits. */
export function parseRateLimits(text: string): Map<string, RateLimit> {
  const limits = new Map<string, RateLimit>();
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
  for (const part of text.split(',').filter(Boolean)) {
    const match = /^([a-z]+)=(\d+)\/(\d*)(ms|s|m)$/.exec(part.trim());
    if (!match || Number(match[2]) < 1) {
      throw new AtelierError(
        'INVALID_ARGUMENT',
        `Expected a rate limit like "compose=60/1m" (role=max/window, window in ms, s or m) but received "${part}"`,
      );
    }
    const durationMs = Number(match[3] || 1) * units[match[4]!]!;
    limits.set(match[1]!, { max: Number(match[2]), durationMs });
  }
  return limits;
}
