import { z } from 'zod';

const sizePattern = /^(\d+)x(\d+)$/;
const aspectPattern = /^(\d+):(\d+)$/;
export const minimumEdge = 16;
export const maximumEdge = 8192;

export interface Size {
  width: number;
  height: number;
}

/** `WIDTHxHEIGHT`, e.g. `1024x1024`, parsed to numbers. */
export const sizeSchema = z.string().transform((text, context): Size => {
  const match = sizePattern.exec(text.trim());
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < minimumEdge || height < minimumEdge || width > maximumEdge || height > maximumEdge) {
    context.addIssue({
      code: 'custom',
      message: `malformed size: expected WIDTHxHEIGHT with each edge ${minimumEdge}..${maximumEdge} (e.g. 1024x1024) but found "${text}"`,
    });
    return z.NEVER;
  }
  return { width, height };
});

/** `W:H`, e.g. `16:9`. */
export const aspectSchema = z.string().refine((text) => {
  const match = aspectPattern.exec(text);
  return match !== null && Number(match[1]) > 0 && Number(match[2]) > 0;
}, 'malformed aspect ratio: expected W:H with positive integers, e.g. "16:9"');

export function aspectValue(aspect: string): number {
  const [w, h] = aspect.split(':').map(Number) as [number, number];
  return w / h;
}

const hexColourSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a hex colour like "#1A2B3C"');

const seedMessage = 'expected a seed: an integer from 0 to 4294967295';
const seedSchema = z.number().int(seedMessage).min(0, seedMessage).max(0xffffffff, seedMessage);
const seedCountMessage = 'expected a seed count: an integer from 1 to 256';
/** An explicit list of seeds, or a count of seeds derived stably from (campaign, shot, index). */
export const seedsSchema = z.union([
  z.array(seedSchema).min(1, 'expected at least one seed'),
  z.number().int(seedCountMessage).min(1, seedCountMessage).max(256, seedCountMessage),
]);

/** A Tesseract language code: `eng`, `fra`, `deu`, `spa`, `chi_sim`... */
export const languageSchema = z
  .string()
  .regex(/^[a-z]{3}(_[a-z]+)?$/, 'expected a Tesseract language code such as "eng", "fra", "deu" or "spa"');

export const shotIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * What an adherence question asks about (TIFA's and Davidsonian Scene Graph's kinds of fact):
 * a thing present, a property of it, how many, where things stand, lettering, rendering style.
 */
export const questionCategories = ['entity', 'attribute', 'count', 'spatial', 'text', 'style'] as const;
export type QuestionCategory = (typeof questionCategories)[number];

/** One atomic yes/no question about an image, answered by the `judge` model. */
export const adherenceQuestionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected a question id of 1-32 letters, digits, "-" or "_"'),
  question: z.string().trim().min(1, 'expected a yes/no question'),
  category: z.enum(questionCategories),
  /** Questions this one presupposes ("is it red?" needs "is there a tulip?"): ids listed before it. */
  dependsOn: z.array(z.string()).default([]),
});
export type AdherenceQuestion = z.infer<typeof adherenceQuestionSchema>;

/** A shot's own questions: ids unique, each dependency on a question listed before it (so no cycles). */
const questionListSchema = z
  .array(adherenceQuestionSchema)
  .min(1, 'expected at least one question')
  .superRefine((questions, context) => {
    const seen = new Set<string>();
    questions.forEach((question, index) => {
      for (const [position, parent] of question.dependsOn.entries()) {
        if (!seen.has(parent)) {
          context.addIssue({
            code: 'custom',
            path: [index, 'dependsOn', position],
            message: `"${parent}" is not the id of a question listed before "${question.id}"`,
          });
        }
      }
      if (seen.has(question.id)) {
        context.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `duplicate question id "${question.id}"`,
        });
      }
      seen.add(question.id);
    });
  });

export const shotSchema = z.strictObject({
  id: z
    .string()
    .refine(
      (id) => shotIdPattern.test(id),
      'not a safe file name: use 1-64 letters, digits, "-" or "_", starting with a letter or digit',
    ),
  prompt: z.string().trim().min(1, 'expected a non-empty prompt'),
  negativePrompt: z.string().optional(),
  headline: z.string().trim().min(1).optional(),
  subline: z.string().trim().min(1).optional(),
  callToAction: z.string().trim().min(1).optional(),
  /** The copy's language (Tesseract code: eng, fra, deu, spa...); overrides the typography stage's. */
  language: languageSchema.optional(),
  seeds: seedsSchema.optional(),
  /** Focal point for crops, as fractions of width and height. */
  focus: z.strictObject({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) }).optional(),
  /** Subset of the export stage's crop aspects for this shot. */
  crops: z.array(aspectSchema).min(1).optional(),
  /**
   * The yes/no questions the `judge` asks of this shot's images; when absent the judge writes
   * them from the prompt (once per prompt and judge lock, kept in the ledger).
   */
  questions: questionListSchema.optional(),
});
export type Shot = z.infer<typeof shotSchema>;

export const brandSchema = z.strictObject({
  name: z.string().optional(),
  palette: z.array(hexColourSchema).min(2, 'expected at least two palette colours'),
  fonts: z
    .strictObject({
      headline: z.string().min(1).optional(),
      body: z.string().min(1).optional(),
    })
    .optional(),
});
export type Brand = z.infer<typeof brandSchema>;

/** A quality gate's re-roll budget: the same rule for every gate. */
const gateRerollsSchema = z
  .number()
  .int()
  .min(0, 'expected a re-roll count from 0 to 16')
  .max(16, 'expected a re-roll count from 0 to 16')
  .default(0);

/** The colour gate: checked by the stylize stage on every image it produces. */
export const colourQaSchema = z.strictObject({
  /** Fail an image whose dominant palette is further than this (CIEDE2000) from the brand palette. */
  maxDeltaE: z
    .number()
    .min(0, 'expected a colour difference (CIEDE2000) from 0 to 100')
    .max(100, 'expected a colour difference (CIEDE2000) from 0 to 100'),
  /** New seeds to try for a failed image before the shot fails (default 0). */
  rerolls: gateRerollsSchema,
});
export type ColourQa = z.infer<typeof colourQaSchema>;

/** The adherence gate: checked right after compose by the `judge` model. */
export const adherenceQaSchema = z.strictObject({
  /** Fail an image whose adherence (share of questions answered yes) is below this, 0..1. */
  min: z.number().min(0, 'expected an adherence from 0 to 1').max(1, 'expected an adherence from 0 to 1'),
  /** New seeds to try for a failed image before the shot fails (default 0). */
  rerolls: gateRerollsSchema,
});
export type AdherenceQa = z.infer<typeof adherenceQaSchema>;

/** Quality gates, each enforced by the stage that declares it (`StageDefinition.qaSection`). */
export const qaSchema = z.strictObject({
  colour: colourQaSchema.optional(),
  adherence: adherenceQaSchema.optional(),
});
export type Qa = z.infer<typeof qaSchema>;

/**
 * Keys read under another name: the product spells it colour, but the American spelling is
 * an easy slip. The loader renames them before validation and warns.
 */
export const fieldAliases: ReadonlyArray<{ parent: readonly string[]; written: string; readAs: string }> = [
  { parent: ['qa'], written: 'color', readAs: 'colour' },
];

const environmentVariableSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name like OPENAI_API_KEY');

const httpUrlSchema = z.string().refine((text) => /^https?:\/\/[^\s/]+/.test(text) && URL.canParse(text), {
  message: 'expected an http(s) URL like "https://proxy.example.com/v1"',
});

/**
 * Settings every remote provider takes. Keys never live in the config: only the name of the
 * environment variable that holds one.
 */
const providerSettingsShape = {
  /** Overrides the provider's API base URL (proxies, gateways, local fakes). */
  baseURL: httpUrlSchema.optional(),
  /** Reads the key from this environment variable instead of the provider's documented one. */
  apiKeyEnv: environmentVariableSchema.optional(),
  /** Calls in flight at once to this provider, across all its models. */
  concurrency: z.number().int().min(1).max(64).optional(),
  /** Calls started per minute, spread evenly. */
  requestsPerMinute: z.number().positive().max(100_000).optional(),
  /** Longest a single call may take before it is abandoned and retried. */
  timeoutSeconds: z.number().positive().max(3600).optional(),
  /** Extra attempts after a retryable failure (429, 5xx, timeout, undecodable image). */
  retries: z.number().int().min(0).max(10).optional(),
  /** First backoff; doubles on each retry, with jitter. */
  retryBaseSeconds: z.number().min(0).max(600).optional(),
  /** Longest wait before a retry, Retry-After included; a provider asking for more fails the call. */
  maxRetryWaitSeconds: z.number().min(0).max(3600).optional(),
  /** USD per generated image, keyed by model id (e.g. `dall-e-3: 0.04`); summed per run. */
  prices: z.record(z.string(), z.number().min(0)).optional(),
  /**
   * USD per million tokens of a language model (the `judge`), keyed by model id, e.g.
   * `gpt-4.1-mini: { inputPerMillion: 0.4, outputPerMillion: 1.6 }`; each call is priced from its usage.
   */
  tokenPrices: z
    .record(
      z.string(),
      z.strictObject({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }),
    )
    .optional(),
};

export const providerSettingsSchema = z.strictObject(providerSettingsShape);
export type ProviderSettings = z.infer<typeof providerSettingsSchema>;

export const comfyuiSettingsSchema = z.strictObject({
  ...providerSettingsShape,
  /** API-format workflow templates by name: `comfyui:<name>` renders with that file. */
  workflows: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), z.string().min(1)).optional(),
  /** Values for the workflow's sampling placeholders unless a stage overrides them. */
  defaults: z
    .strictObject({
      steps: z.number().int().min(1).max(1000).optional(),
      cfg: z.number().min(0).max(100).optional(),
      sampler: z.string().min(1).optional(),
      scheduler: z.string().min(1).optional(),
      denoise: z.number().min(0).max(1).optional(),
    })
    .optional(),
  /**
   * sha256 of the model files the workflows load, by file name or `folder/name` (e.g. from
   * `sha256sum` on the server): what the lock pins when the file's header reports none.
   */
  /** How often GPU memory is sampled during a call, to record its peak (default 250). */
  vramSampleMilliseconds: z.number().int().min(1).max(60_000).optional(),
  modelHashes: z
    .record(z.string().min(1), z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected a 64-digit hex sha256'))
    .optional(),
});
export type ComfyuiSettings = z.infer<typeof comfyuiSettingsSchema>;

/**
 * The `providers` section: one entry per remote provider, each with the settings schema its
 * provider declares (the provider table decides which providers exist).
 */
export interface ProvidersConfig {
  readonly [provider: string]: ProviderSettings | ComfyuiSettings | undefined;
  readonly comfyui?: ComfyuiSettings;
}

export const aliasNamePattern = /^[a-z0-9][a-z0-9._-]*$/;

/** `alias: provider:modelId[@version]`, adding aliases or re-routing the built-in ones. */
export const aliasesSchema = z.record(
  z.string().regex(aliasNamePattern, 'expected an alias name of lower-case letters, digits, ".", "-" or "_"'),
  z.string(),
);

/**
 * Where the Content Credentials signer comes from: files relative to the project (or absolute).
 * Keys themselves never live in the config.
 */
export const credentialsSchema = z.strictObject({
  /** PEM certificate chain, signer first, then its issuers. */
  certificate: z.string().min(1, 'expected the path of a PEM certificate chain'),
  /** PEM (PKCS#8) ES256 private key of the signer. */
  key: z.string().min(1, 'expected the path of a PEM private key'),
  /** PEM certificates `atelier verify` trusts besides none (e.g. the studio's own CA). */
  trustAnchors: z.string().min(1).optional(),
});
export type CredentialsConfig = z.infer<typeof credentialsSchema>;

/** A stage entry before its params are checked against the stage's own schema. */
const stageEntrySchema = z.looseObject({ stage: z.string() });

/** What the campaign schema is built from: the roles the stages use, the providers that exist. */
export interface CampaignSchemaParts {
  /** Every role a model can be bound to under `models`. */
  readonly roles: readonly string[];
  /** Each remote provider's settings schema, by name, for the `providers` section. */
  readonly providerSettings: ReadonlyMap<string, z.ZodType>;
}

/**
 * The campaign schema for a set of roles and providers. Built from the stage catalog and the
 * provider table (through the validation context) so neither list is kept here by hand.
 */
export function campaignSchemaFor(parts: CampaignSchemaParts) {
  return z.strictObject({
    campaign: z.string().trim().min(1, 'expected a campaign name'),
    models: z.strictObject(Object.fromEntries(parts.roles.map((role) => [role, z.string().optional()]))),
    /** Model aliases (`sdxl: fal:fal-ai/fast-sdxl`) usable wherever a model reference is. */
    aliases: aliasesSchema.optional(),
    /** Content Credentials: the signing certificate chain and key for exported images. */
    credentials: credentialsSchema.optional(),
    /** Per-provider base URLs, key variables, limits, retries and prices. */
    providers: z
      .strictObject(
        Object.fromEntries([...parts.providerSettings].map(([name, schema]) => [name, schema.optional()])),
      )
      .optional(),
    brand: brandSchema,
    /** Optional quality gates (e.g. `colour: { maxDeltaE: 12 }`). */
    qa: qaSchema.optional(),
    pipeline: z.strictObject({
      seeds: seedsSchema.default(1),
      concurrency: z.number().int().min(1).max(64).optional(),
      stages: z.array(stageEntrySchema).min(1, 'expected at least one stage'),
    }),
    shots: z.array(shotSchema).min(1, 'expected at least one shot'),
  });
}

/** A campaign as written, once the schema accepts it (stage params not yet checked). */
export interface CampaignInput {
  campaign: string;
  /** Role -> model reference. */
  models: Readonly<Record<string, string | undefined>>;
  aliases?: Record<string, string>;
  credentials?: CredentialsConfig;
  providers?: ProvidersConfig;
  brand: Brand;
  qa?: Qa;
  pipeline: {
    seeds: number | number[];
    concurrency?: number | undefined;
    stages: Array<{ stage: string; [key: string]: unknown }>;
  };
  shots: Shot[];
}

export interface PipelineStage {
  readonly name: string;
  readonly params: unknown;
}

/** A validated campaign: the parsed config with each stage's params checked by its stage. */
export interface Campaign extends Omit<CampaignInput, 'pipeline'> {
  readonly pipeline: {
    readonly seeds: number | number[];
    readonly concurrency: number | undefined;
    readonly stages: readonly PipelineStage[];
  };
}
