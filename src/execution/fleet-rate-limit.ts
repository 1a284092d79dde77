import type { ImageModelV3Middleware } from '@ai-sdk/provider';
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

/**
 * Leases for calls in flight, in one sorted set scored by lease expiry: a worker that dies
 * holding a lease frees it when the lease runs out instead of blocking the fleet forever.
 */
const leaseScript = `
local key = KEYS[1]
local max = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local member = ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) < max then
  redis.call('ZADD', key, now + lease, member)
  return 0
end
local soonest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, math.min(50, tonumber(soonest[2]) - now))
`;

/** Waits until fewer than `max` calls named `name` are in flight fleet-wide; returns the release. */
export async function acquireFleetLease(
  redis: Redis,
  name: string,
  max: number,
  leaseMs = 10 * 60_000,
): Promise<() => Promise<void>> {
  const key = `atelier:inflight:${name}`;
  const member = `${process.pid}-${Date.now()}-${sequence++}-${Math.random()}`;
  for (;;) {
    const wait = Number(await redis.eval(leaseScript, 1, key, max, leaseMs, member));
    if (wait === 0) break;
    // Released leases are not announced: poll, at most every 50 ms.
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return async () => {
    await redis.zrem(key, member);
  };
}

export interface FleetLimits {
  rate?: RateLimit;
  /** Calls in flight at once across the fleet. */
  inFlight?: number;
}

/**
 * Image-model middleware: each call first takes fleet-wide slots named `name` (an in-flight
 * lease, then a rate slot) and gives the lease back when it ends.
 *
 * @example
 * const limited = withMiddleware(model, fleetLimitMiddleware(redis, 'compose', { inFlight: 4 }));
 */
export function fleetLimitMiddleware(
  redis: Redis,
  name: string,
  limits: FleetLimits,
): ImageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate }) => {
      const release = limits.inFlight ? await acquireFleetLease(redis, name, limits.inFlight) : undefined;
      try {
        if (limits.rate) await acquireFleetSlot(redis, name, limits.rate);
        return await doGenerate();
      } finally {
        await release?.();
      }
    },
  };
}

/** Parses `compose=4,upscale=1` into per-role limits of calls in flight. */
export function parseInFlightLimits(text: string): Map<string, number> {
  const limits = new Map<string, number>();
  for (const part of text.split(',').filter(Boolean)) {
    const match = /^([a-z]+)=(\d+)$/.exec(part.trim());
    if (!match || Number(match[2]) < 1) {
      throw new AtelierError(
        'INVALID_ARGUMENT',
        `Expected a limit of calls in flight like "compose=4" (role=max) but received "${part}"`,
      );
    }
    limits.set(match[1]!, Number(match[2]));
  }
  return limits;
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
