import type { Sharp } from 'sharp';
import type { Campaign, Shot } from '../config/campaign-schema.ts';
import type { CachedResult, StoredOutput } from '../ledger/ledger.ts';
import { isPlainRgbPng, withPngXmp } from '../manifest/png-xmp.ts';
import { type Provenance, provenanceXmp } from '../manifest/provenance.ts';
import { withBuiltinProgress } from '../models/builtin/builtin-progress.ts';
import type {
  BoundModel,
  EncodeOptions,
  OutputFormat,
  StageDefinition,
  StageImage,
} from '../stages/stage.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import { giveHeapRoomForPixelWork } from '../util/heap-room.ts';
import { defaultEncodeEffort, loadSharp } from '../util/sharp.ts';
import { cpuThreadBudget } from '../util/thread-budget.ts';

export interface ComputeStageJobOptions {
  campaign: Campaign;
  stageIndex: number;
  definition: StageDefinition<unknown>;
  shot: Shot;
  seed: number;
  input: StageImage | undefined;
  model: BoundModel | undefined;
  extraModels: Map<string, BoundModel>;
  provenance: Provenance;
  cacheKey: string;
  store: ArtifactStore;
  signal: AbortSignal;
  progress?: (fraction: number, message?: string) => void;
}

/**
 * Runs one stage job and puts its outputs in the artifact store: the part of a job that costs
 * something. It touches no ledger, so the embedded runner and a queue worker on another machine
 * share it; whoever holds the ledger records the returned result. Throws when the stage fails.
 */
export async function computeStageJob(options: ComputeStageJobOptions): Promise<CachedResult> {
  const { campaign, definition, provenance, cacheKey, store } = options;
  const stage = campaign.pipeline.stages[options.stageIndex]!;
  giveHeapRoomForPixelWork();
  // Any model the stage calls may report progress (built-ins, ComfyUI's sampling steps).
  const progress = (fraction: number, message?: string) => options.progress?.(fraction, message);
  const result = await withBuiltinProgress(progress, () =>
    definition.run({
      campaign: campaign.campaign,
      shot: options.shot,
      seed: options.seed,
      params: stage.params,
      brand: campaign.brand,
      qa: provenance.qa,
      input: options.input,
      // The stage declares which kind of model its role takes and checks what it is handed.
      model: options.model as BoundModel<never> | undefined,
      extraModels: options.extraModels,
      signal: options.signal,
      encode: (image, format, encodeOptions) =>
        encodeWithProvenance(image, format, encodeOptions ?? {}, { cacheKey, ...provenance }),
      progress,
    }),
  );
  if (result.status === 'rejected') {
    return {
      outputs: [],
      details: result.details,
      rejected: { reason: result.reason, reroll: result.reroll },
      costUsd: result.costUsd,
    };
  }
  const outputs: StoredOutput[] = [];
  const sharp = await loadSharp();
  for (const output of result.outputs) {
    const metadata = await sharp(output.bytes).metadata();
    outputs.push({
      name: output.name,
      sha256: await store.put(output.bytes),
      mediaType: output.mediaType,
      primary: output.primary,
      width: metadata.width ?? 0,
      height: metadata.height ?? 0,
      byteLength: output.bytes.byteLength,
    });
  }
  return { outputs, details: result.details, warnings: result.warnings, costUsd: result.costUsd };
}

async function encodeWithProvenance(
  image: Sharp | Uint8Array,
  format: OutputFormat,
  { quality = 90, effort }: EncodeOptions,
  record: { cacheKey: string } & Provenance,
): Promise<Uint8Array> {
  if (image instanceof Uint8Array && format === 'png' && isPlainRgbPng(image)) {
    // A model's PNG keeps its pixels and compression: only the record is added.
    return withPngXmp(image, provenanceXmp(record));
  }
  const sharp = await loadSharp();
  const pipeline = (image instanceof Uint8Array ? sharp(image) : image).withXmp(provenanceXmp(record));
  const encoded =
    format === 'png'
      ? pipeline.png({ compressionLevel: effort ?? defaultEncodeEffort.png })
      : format === 'jpeg'
        ? pipeline.jpeg({ quality })
        : pipeline.webp({ quality, effort: effort ?? defaultEncodeEffort.webp });
  // The whole sharp pipeline (decode, crop, resize, encode) runs here, on one budgeted thread.
  const buffer = await cpuThreadBudget().run(() => encoded.toBuffer());
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
