/**
 * What each provider's models honour of an image call: how they take the image's shape,
 * whether a seed reproduces an image, whether they take an input image (edits,
 * image-to-image), and where a negative prompt goes. Checked against a stage's settings
 * before any call (config validation) and applied to every call (size mapping, warnings).
 *
 * The entries follow each provider's published input schema for the seed models; a model
 * not in the table is marked unknown and passed through as the AI SDK would.
 */

/** How a model takes the shape of the image. */
export type ShapeSupport =
  /** Only these exact sizes (OpenAI). */
  | { kind: 'sizes'; sizes: readonly string[] }
  /**
   * Any `WIDTHxHEIGHT`. `aspectPresets` are the ratios the provider maps itself (fal drops the
   * rest silently, so others become explicit sizes). `viaOptions` sends width and height as
   * provider options (Replicate SDXL) instead of the AI SDK's `size`.
   */
  | { kind: 'free-size'; aspectPresets?: readonly string[]; viaOptions?: { width: string; height: string } }
  /** Only these aspect ratios; `option` names the provider option that carries it, if not `aspectRatio`. */
  | { kind: 'aspect-ratios'; ratios: readonly string[]; option?: string }
  /**
   * The model decides the size itself; requested sizes are ignored. `setBy` says what decides
   * it, for messages: a ComfyUI workflow's own latent size, or an upscaler's input and scale.
   */
  | { kind: 'fixed'; setBy: string }
  /** Not known: both size and aspect ratio are sent as given. */
  | { kind: 'unknown' };

export interface ModelCapabilities {
  /** `provider:modelId`, used in messages. */
  readonly label: string;
  readonly provider: string;
  readonly shape: ShapeSupport;
  /** A seed is sent and the same seed gives the same image. */
  readonly seed: boolean;
  /** Takes an input image (edits, image-to-image): what a stylize stage needs. */
  readonly imageInput: boolean;
  /** The provider option a negative prompt goes into; `native` when the model reads it itself. */
  readonly negativePrompt: false | 'native' | { option: string };
  /** False when the model is not in the table and its settings were guessed. */
  readonly known: boolean;
  /**
   * The provider option that lets the provider rewrite the prompt (Ideogram's MagicPrompt), and
   * the value that turns it off: Atelier sends that value unless the config sets the option.
   */
  readonly promptExpansion?: { readonly option: string; readonly off: string | boolean };
  /**
   * The only provider-option keys the AI SDK package passes on for this model (the rest are
   * dropped silently); absent when it passes everything.
   */
  readonly providerOptionKeys?: readonly string[];
}

const openaiSizes = {
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
  'dall-e-2': ['256x256', '512x512', '1024x1024'],
  'gpt-image': ['1024x1024', '1536x1024', '1024x1536'],
} as const;

const imagenRatios = ['1:1', '3:4', '4:3', '9:16', '16:9'];
const geminiRatios = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
const ideogramRatios = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '16:10', '10:16', '3:1', '1:3'];
const stabilityRatios = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'];
/** The aspect ratios @ai-sdk/fal turns into fal's `image_size` presets; it drops any other. */
export const falAspectPresets = ['1:1', '16:9', '9:16', '4:3', '3:4', '16:10', '10:16', '21:9', '9:21'];

/** fal endpoints that take an image: edits, image-to-image, and upscalers (the upscale stage sends one). */
const falImageInputPattern =
  /image-to-image|img2img|\/edit\b|\/edit\/|redux|inpaint|kontext|remix|upscale|esrgan|aura-sr|clarity/;
const negativePromptOption = { option: 'negative_prompt' } as const;

/**
 * Hosted upscalers (fal's ESRGAN, clarity and AuraSR; Replicate's real-esrgan): they take the
 * image to enlarge, decide its size from their scale option, and are deterministic for one input
 * (so a seed, which they do not take, has nothing to reproduce).
 */
const upscalerCapabilities = {
  shape: { kind: 'fixed', setBy: 'the input image and scale' },
  seed: true,
  imageInput: true,
  negativePrompt: false,
} as const;

interface TableEntry {
  pattern: RegExp;
  capabilities: Omit<ModelCapabilities, 'label' | 'provider' | 'known'>;
}

/** @ai-sdk/google sends Imagen only these of `providerOptions.google`. */
const imagenOptionKeys = ['personGeneration', 'aspectRatio'];

const table: Record<string, TableEntry[]> = {
  openai: [
    {
      pattern: /^dall-e-3$/,
      capabilities: {
        shape: { kind: 'sizes', sizes: openaiSizes['dall-e-3'] },
        seed: false,
        imageInput: false,
        negativePrompt: false,
      },
    },
    {
      pattern: /^dall-e-2$/,
      capabilities: {
        shape: { kind: 'sizes', sizes: openaiSizes['dall-e-2'] },
        seed: false,
        imageInput: true,
        negativePrompt: false,
      },
    },
    {
      pattern: /^(gpt-image|chatgpt-image)/,
      capabilities: {
        shape: { kind: 'sizes', sizes: openaiSizes['gpt-image'] },
        seed: false,
        imageInput: true,
        negativePrompt: false,
      },
    },
  ],
  google: [
    {
      pattern: /^imagen-/,
      capabilities: {
        shape: { kind: 'aspect-ratios', ratios: imagenRatios },
        seed: false,
        imageInput: false,
        negativePrompt: false,
        providerOptionKeys: imagenOptionKeys,
      },
    },
    {
      pattern: /^gemini-/,
      capabilities: {
        shape: { kind: 'aspect-ratios', ratios: geminiRatios },
        seed: false,
        imageInput: true,
        negativePrompt: false,
      },
    },
  ],
  fal: [
    { pattern: /esrgan|clarity-upscaler|aura-sr|\/upscal/, capabilities: upscalerCapabilities },
    {
      pattern: /ideogram/,
      capabilities: {
        shape: { kind: 'aspect-ratios', ratios: ideogramRatios, option: 'aspect_ratio' },
        seed: true,
        imageInput: false,
        negativePrompt: negativePromptOption,
        // fal's Ideogram endpoints expand prompts unless told not to (expand_prompt, default true).
        promptExpansion: { option: 'expand_prompt', off: false },
      },
    },
    {
      pattern: /flux/,
      capabilities: {
        shape: { kind: 'free-size', aspectPresets: falAspectPresets },
        seed: true,
        imageInput: false,
        negativePrompt: false,
      },
    },
    {
      pattern: /stable-diffusion|sdxl|sd3|sd-/,
      capabilities: {
        shape: { kind: 'free-size', aspectPresets: falAspectPresets },
        seed: true,
        imageInput: false,
        negativePrompt: negativePromptOption,
      },
    },
  ],
  replicate: [
    { pattern: /real-esrgan|esrgan|clarity-upscaler|swinir/, capabilities: upscalerCapabilities },
    {
      pattern: /stable-diffusion-3/,
      capabilities: {
        shape: { kind: 'aspect-ratios', ratios: stabilityRatios },
        seed: true,
        imageInput: true,
        negativePrompt: negativePromptOption,
      },
    },
    {
      pattern: /sdxl/,
      capabilities: {
        shape: { kind: 'free-size', viaOptions: { width: 'width', height: 'height' } },
        seed: true,
        imageInput: true,
        negativePrompt: negativePromptOption,
      },
    },
    {
      pattern: /ideogram/,
      capabilities: {
        shape: { kind: 'aspect-ratios', ratios: ideogramRatios },
        seed: true,
        imageInput: false,
        negativePrompt: negativePromptOption,
        // Replicate's Ideogram models take magic_prompt_option Auto (the default), On or Off.
        promptExpansion: { option: 'magic_prompt_option', off: 'Off' },
      },
    },
    {
      pattern: /flux/,
      capabilities: {
        shape: { kind: 'aspect-ratios', ratios: stabilityRatios },
        seed: true,
        imageInput: false,
        negativePrompt: false,
      },
    },
  ],
};

/** What we assume of a model that is not in the table: the provider's usual way, flagged unknown. */
const fallbacks: Record<string, Omit<ModelCapabilities, 'label' | 'provider' | 'known'>> = {
  openai: { shape: { kind: 'unknown' }, seed: false, imageInput: true, negativePrompt: false },
  google: {
    shape: { kind: 'aspect-ratios', ratios: imagenRatios },
    seed: false,
    imageInput: false,
    negativePrompt: false,
  },
  fal: {
    shape: { kind: 'free-size', aspectPresets: falAspectPresets },
    seed: true,
    imageInput: false,
    negativePrompt: false,
  },
  replicate: { shape: { kind: 'unknown' }, seed: true, imageInput: true, negativePrompt: false },
};

/**
 * What a remote AI SDK model honours. fal endpoints that take an image (image-to-image, edit,
 * remix...) are recognised by their path.
 *
 * @example capabilitiesOf('google', 'imagen-4.0-generate-001').seed // false
 */
export function capabilitiesOf(provider: string, modelId: string): ModelCapabilities {
  const label = `${provider}:${modelId}`;
  const entry = table[provider]?.find((candidate) => candidate.pattern.test(modelId));
  const base = entry?.capabilities ?? fallbacks[provider];
  if (!base) {
    return {
      label,
      provider,
      shape: { kind: 'unknown' },
      seed: true,
      imageInput: true,
      negativePrompt: false,
      known: false,
    };
  }
  const imageInput =
    provider === 'fal' ? base.imageInput || falImageInputPattern.test(modelId) : base.imageInput;
  return { label, provider, ...base, imageInput, known: entry !== undefined };
}

/**
 * One line on what a model honours, for `atelier models` and `atelier doctor`.
 *
 * @example describeCapabilities(capabilitiesOf('fal', 'fal-ai/fast-sdxl')) // 'seed yes · size any WxH · input image no · negative prompt yes'
 */
export function describeCapabilities(capabilities: ModelCapabilities): string {
  const { shape } = capabilities;
  const size =
    shape.kind === 'sizes'
      ? `size ${shape.sizes.join('/')}`
      : shape.kind === 'free-size'
        ? 'size any WxH'
        : shape.kind === 'aspect-ratios'
          ? `aspect ${shape.ratios.join('/')}`
          : shape.kind === 'fixed'
            ? `size set by ${shape.setBy}`
            : 'size as given';
  const yes = (value: unknown) => (value ? 'yes' : 'no');
  return [
    `seed ${yes(capabilities.seed)}`,
    size,
    `input image ${yes(capabilities.imageInput)}`,
    `negative prompt ${yes(capabilities.negativePrompt)}`,
    ...(capabilities.known ? [] : ['(not in the capability table)']),
  ].join(' · ');
}
