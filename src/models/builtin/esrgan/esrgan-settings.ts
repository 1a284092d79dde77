import { z } from 'zod';

/** Default largest tile edge (input pixels): 4 tiles for a 512 px image, one per core and a spare. */
export const defaultTile = 256;
/**
 * Default seam blending width on each side of a seam (input pixels) when tiles are not exact
 * (padding narrower than the network's receptive field); exact tiles are not blended (0).
 */
export const defaultOverlap = 4;
/** The smallest tile the memory preflight may fall back to. */
export const minimumTile = 32;

/**
 * The per-call settings of the built-in upscalers, read from `providerOptions.builtin`. The
 * upscale stage fills them from its params; a direct `generateImage` caller may too.
 */
export const esrganSettingsSchema = z.object({
  scale: z.union([z.literal(2), z.literal(4)]).default(2),
  tile: z.number().int().min(minimumTile).max(4096).default(defaultTile),
  /** Context pixels per tile side; defaults to the model's measured seam-free padding. */
  padding: z.number().int().min(0).max(512).optional(),
  /** Seam blending width; by default 0 for exact tiles, else `defaultOverlap`. */
  overlap: z.number().int().min(0).max(128).optional(),
  /** Peak memory allowed for the whole upscale, in bytes. */
  memoryBudget: z.number().int().positive().optional(),
});
export type EsrganSettings = z.infer<typeof esrganSettingsSchema>;

const units: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * A memory size from config: a number of bytes or text like `1.5GB`, `800MB`, `2GiB`.
 *
 * @example parseByteSize('1.5GB') === 1_500_000_000
 */
export function parseByteSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)\s*$/i.exec(value);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * units[match[2]!.toLowerCase()]!);
}

/** `1536000000` -> `1.54 GB`: for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  return `${Math.round(bytes / 1e6)} MB`;
}
