import { z } from 'zod';

const stageFigures = z.object({
  stage: z.string(),
  jobs: z.number().int().nonnegative(),
  p50Ms: z.number().nonnegative(),
  p95Ms: z.number().nonnegative(),
  meanMs: z.number().nonnegative(),
  /** Why no job of this stage finished (it failed, or an earlier stage failed): its times are not measured. */
  failed: z.string().optional(),
});

const qualityFigures = z.object({
  stage: z.string(),
  /** Share of jobs a quality gate let through. */
  passRate: z.number().min(0).max(1),
  meanScore: z.number().nullable(),
});

const interval = z.object({ mean: z.number(), low: z.number(), high: z.number() });

/** A setup's prompt adherence as the judge measured it (absent without `--judge`). */
const adherenceFigures = z.object({
  judge: z.string(),
  images: z.array(z.object({ shot: z.string(), seedIndex: z.number().int(), score: z.number() })),
  adherence: interval,
  meanPYes: z.number().optional(),
  categories: z.record(z.string(), z.object({ yes: z.number().int(), total: z.number().int() })),
  judgeCostUsd: z.number().nonnegative(),
});

export const benchResultSchema = z.object({
  schema: z.literal('atelier-bench/1'),
  campaign: z.string(),
  date: z.string(),
  machine: z.string(),
  seeds: z.array(z.number().int()),
  setups: z.array(
    z.object({
      label: z.string(),
      models: z.record(z.string(), z.string()),
      images: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      wallMs: z.number().nonnegative(),
      imagesPerMinute: z.number().nonnegative(),
      peakRssMb: z.number().nonnegative(),
      costUsd: z.number().nonnegative(),
      stages: z.array(stageFigures),
      quality: z.array(qualityFigures),
      colour: z.unknown().optional(),
      adherence: adherenceFigures.optional(),
    }),
  ),
  /** The judge bound with `--judge`, or absent: adherence not measured. */
  judge: z.string().optional(),
  /**
   * Writing the shots' questions, done once for every setup (with `--judge`) and so in no
   * setup's cost; `costUsd` is null when a call had no configured token price.
   */
  questions: z
    .object({
      writer: z.string(),
      prompts: z.number().int().nonnegative(),
      written: z.number().int().nonnegative(),
      costUsd: z.number().nonnegative().nullable(),
    })
    .optional(),
  /** Each setup against the first on the same shots and seeds (with `--judge`). */
  comparisons: z
    .array(
      z.object({ baseline: z.string(), setup: z.string(), pairs: z.number().int(), difference: interval }),
    )
    .optional(),
  sweep: z.array(
    z.object({
      setup: z.string(),
      stage: z.string(),
      /** What was swept: e.g. "512x512" or "tile 128". */
      setting: z.string(),
      ms: z.number().nonnegative(),
      peakRssMb: z.number().nonnegative(),
      /** ComfyUI setups: the highest GPU memory in use during the compose calls. */
      peakVramMb: z.number().nonnegative().optional(),
      /** Why the stage did not finish at this setting (e.g. "OOM at 1536"): `ms` is not a measurement then. */
      failed: z.string().optional(),
    }),
  ),
});
export type BenchResult = z.infer<typeof benchResultSchema>;
