import type { ImageModelV3 } from '@ai-sdk/provider';
import type { Sharp } from 'sharp';
import type { Brand, Shot } from '../config/campaign-schema.ts';
import type { StageRules } from '../config/validation-context.ts';
import type { CredentialAction } from '../credentials/content-credentials.ts';
import type { LockEntry } from '../models/lock-entry.ts';
import type { RoleModel } from '../models/role-model.ts';

/**
 * The contract every pipeline stage implements. The runner knows nothing about what a stage
 * does: it hands the stage its input image, its bound model and its params, and stores what
 * comes back. New stages (typography, stylize, upscale) drop in by adding a definition to
 * the stage catalog. What config validation reads (name, roles, params schema, position, gate)
 * is `StageRules`; a stage's model role arrives as `context.model`, of the kind `Model` names
 * (an image model unless the stage says otherwise, e.g. a text recogniser for `ocr`).
 */
export interface StageDefinition<Params = unknown, Model = ImageModelV3> extends StageRules<Params> {
  /**
   * The shot-specific inputs that determine this stage's output, beyond its params, input
   * image, model lock entry and seed (which the runner always includes). Goes into the
   * cache key and the embedded provenance. `brand` is there for what it implies (e.g. the
   * installed version of the font package it names).
   */
  shotInputs(shot: Shot, params: Params, brand: Brand): Record<string, unknown>;
  /**
   * How many times a rejected shot may be re-rolled with a new seed (0 when absent). `qa` is
   * the stage's `qaSection` settings, when it has them.
   */
  rerollBudget?(params: Params, qa: unknown): number;
  /**
   * What this stage's first call will ask of its models, so the runner can start them (their
   * worker threads, their engines) while earlier stages compute: given to each model's
   * `warmUp` (see `warmUpModel`). Absent: the models start with their first call.
   */
  warmUpSettings?(params: Params): Readonly<Record<string, unknown>>;
  /**
   * The C2PA action this stage contributes to an exported file's Content Credentials, given the
   * lock entries of the models bound to its roles; undefined when it leaves the pixels as they
   * were (a legibility check).
   */
  credentialAction?(
    params: Params,
    models: Readonly<Record<string, LockEntry>>,
  ): CredentialAction | undefined;
  run(context: StageContext<Params, Model>): Promise<StageResult>;
}

/** A model bound to a role, with the lock entry that pins it. */
export interface BoundModel<Model = RoleModel> {
  readonly instance: Model;
  readonly lock: LockEntry;
}

export interface StageImage {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
  readonly width: number;
  readonly height: number;
  readonly sha256: string;
}

export interface StageContext<Params = unknown, Model = ImageModelV3> {
  readonly campaign: string;
  readonly shot: Shot;
  readonly seed: number;
  readonly params: Params;
  readonly brand: Brand;
  /** The settings of the stage's `qaSection`, when the config gives them. */
  readonly qa?: unknown;
  /** The primary output of the previous stage; undefined for the first stage. */
  readonly input: StageImage | undefined;
  /** The model bound to this stage's role, with its lock entry. */
  readonly model: BoundModel<Model> | undefined;
  /** The models bound to the stage's `extraRoles`, by role (the runner always sets it). */
  readonly extraModels?: ReadonlyMap<string, BoundModel>;
  readonly signal: AbortSignal;
  /**
   * Encodes pixels with the job's provenance embedded (XMP), so every file Atelier writes
   * carries the record of what made it. Stages must encode through this. Given a file's bytes,
   * a PNG already in the stored layout (8-bit RGB or RGBA) is kept as it is, its provenance
   * added without decoding it; anything else is decoded and encoded.
   */
  encode(image: Sharp | Uint8Array, format: OutputFormat, options?: EncodeOptions): Promise<Uint8Array>;
  /** Reports progress within the job, 0..1. */
  progress(fraction: number, message?: string): void;
}

export type OutputFormat = 'png' | 'jpeg' | 'webp';

export interface EncodeOptions {
  /** Quality of the lossy formats (JPEG, WebP), 1..100; default 90. */
  readonly quality?: number;
  /**
   * CPU spent on compression, traded for size: the zlib level 0..9 of a PNG, the effort 0..6 of
   * a WebP (defaults: `defaultEncodeEffort` in util/sharp.ts). JPEG ignores it.
   */
  readonly effort?: number;
}

export interface StageOutput {
  /** Distinguishes several outputs of one job (e.g. `4x5`); empty for the single primary image. */
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly mediaType: string;
  /** The output the next stage receives. Exactly one per stage, except a final stage. */
  readonly primary: boolean;
}

export type StageResult =
  | {
      readonly status: 'ok';
      readonly outputs: StageOutput[];
      /** Stage-specific record kept in the manifest (OCR text and score, colour metrics...). */
      readonly details?: Record<string, unknown>;
      readonly warnings?: string[];
      /** Money spent on this job in USD, when the provider reports or implies it. */
      readonly costUsd?: number;
    }
  | {
      /** A quality gate said no. `reroll` asks the runner to try the shot again with a new seed. */
      readonly status: 'rejected';
      readonly reason: string;
      readonly reroll: boolean;
      readonly details?: Record<string, unknown>;
      /** Money spent on the rejected attempt: a refused image was still paid for. */
      readonly costUsd?: number;
    };
