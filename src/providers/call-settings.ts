import type { ImageModelV3CallOptions, JSONObject, JSONValue, SharedV3Warning } from '@ai-sdk/provider';
import { AtelierError } from '../errors.ts';
import {
  type Dimensions,
  nearestAspectRatio,
  nearestSize,
  normaliseAspectRatio,
  parseSize,
  ratioOf,
  sizeForAspectRatio,
} from './aspect-ratio.ts';
import type { ModelCapabilities } from './provider-capabilities.ts';

export interface ShapeRequest {
  size?: Dimensions;
  aspectRatio?: string;
}

/** How a requested shape is actually sent to a model. */
export interface ShapePlan {
  size?: `${number}x${number}`;
  aspectRatio?: `${number}:${number}`;
  /** Goes under `providerOptions[provider]`. */
  providerOptions?: Record<string, JSONValue>;
  /** One sentence when the request is not sent as written. */
  note?: string;
}

const defaultLongEdge = 1024;

function sizeText(size: Dimensions): `${number}x${number}` {
  return `${size.width}x${size.height}`;
}

/**
 * Maps a requested size or aspect ratio onto what the model takes: the nearest supported size
 * (OpenAI), the nearest supported aspect ratio (Imagen, SD3.5 and Ideogram take ratios, not
 * sizes), or an explicit size where the provider would silently drop an unknown ratio (fal).
 */
export function planImageShape(capabilities: ModelCapabilities, request: ShapeRequest): ShapePlan {
  const { label, shape } = capabilities;
  const { size, aspectRatio } = request;
  if (!size && !aspectRatio) return {};
  const asked = size ? sizeText(size) : aspectRatio!;
  switch (shape.kind) {
    case 'unknown':
      return size ? { size: sizeText(size) } : { aspectRatio: aspectRatio as `${number}:${number}` };
    case 'fixed':
      return { note: `${label} renders at the size set by ${shape.setBy}: ${asked} is not applied` };
    case 'sizes': {
      const chosen = size
        ? nearestSize(size, shape.sizes)
        : nearestSize(sizeForAspectRatio(aspectRatio!, defaultLongEdge), shape.sizes);
      if (size && chosen === asked) return { size: chosen as `${number}x${number}` };
      const why = size
        ? `${label} renders only ${shape.sizes.join(', ')}`
        : `${label} takes sizes, not aspect ratios`;
      return { size: chosen as `${number}x${number}`, note: `${why}: ${asked} sent as ${chosen}` };
    }
    case 'free-size': {
      if (size) {
        return shape.viaOptions
          ? {
              providerOptions: {
                [shape.viaOptions.width]: size.width,
                [shape.viaOptions.height]: size.height,
              },
            }
          : { size: sizeText(size) };
      }
      const ratio = normaliseAspectRatio(aspectRatio!);
      if (!shape.viaOptions && shape.aspectPresets?.includes(ratio)) {
        return { aspectRatio: ratio as `${number}:${number}` };
      }
      const explicit = sizeForAspectRatio(ratio, defaultLongEdge);
      if (shape.viaOptions) {
        return {
          providerOptions: {
            [shape.viaOptions.width]: explicit.width,
            [shape.viaOptions.height]: explicit.height,
          },
          note: `${label} takes width and height: ${asked} sent as ${sizeText(explicit)}`,
        };
      }
      return {
        size: sizeText(explicit),
        note: `${label} has no preset for ${asked} (it would be dropped): sent as ${sizeText(explicit)}`,
      };
    }
    case 'aspect-ratios': {
      const wanted = size ? size.width / size.height : ratioOf(aspectRatio!);
      const chosen = nearestAspectRatio(wanted, shape.ratios);
      const placed: ShapePlan = shape.option
        ? { providerOptions: { [shape.option]: chosen } }
        : { aspectRatio: chosen as `${number}:${number}` };
      if (size) {
        return {
          ...placed,
          note: `${label} takes aspect ratios, not sizes: ${asked} sent as ${chosen} (the provider picks the pixel size)`,
        };
      }
      if (normaliseAspectRatio(aspectRatio!) === chosen) return placed;
      return {
        ...placed,
        note: `${label} supports only ${shape.ratios.join(', ')}: ${asked} sent as ${chosen}`,
      };
    }
  }
}

/** The shot's negative prompt, which stages pass as `providerOptions.atelier.negativePrompt`. */
export function negativePromptOf(
  options: Pick<ImageModelV3CallOptions, 'providerOptions'>,
): string | undefined {
  const value = (options.providerOptions?.atelier as JSONObject | undefined)?.negativePrompt;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function seedIgnoredMessage(label: string): string {
  return `${label} ignores seed: outputs will not be reproducible`;
}

/**
 * Applies a model's capabilities to one call: the shape is mapped, a seed the model ignores is
 * dropped with a warning (instead of the provider's terser one), a negative prompt goes where
 * the provider reads it, prompt expansion is turned off unless asked for (and said so in
 * `provenance`). An input image the model cannot take is refused before any request.
 * Options the stage set explicitly for the provider win over the mapping.
 */
export function adaptCallOptions(
  capabilities: ModelCapabilities,
  options: ImageModelV3CallOptions,
): { options: ImageModelV3CallOptions; warnings: SharedV3Warning[]; provenance: Record<string, JSONValue> } {
  const { label, provider } = capabilities;
  const warnings: SharedV3Warning[] = [];
  if (options.files && options.files.length > 0 && !capabilities.imageInput) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `${label} cannot take an input image (edits or image-to-image); bind a model that can`,
    );
  }
  const plan = planImageShape(capabilities, {
    size: options.size ? parseSize(options.size) : undefined,
    aspectRatio: options.aspectRatio,
  });
  if (plan.note) warnings.push({ type: 'other', message: plan.note });
  let seed = options.seed;
  if (seed !== undefined && !capabilities.seed) {
    warnings.push({ type: 'other', message: seedIgnoredMessage(label) });
    seed = undefined;
  }
  const mapped: Record<string, JSONValue> = { ...plan.providerOptions };
  const negativePrompt = negativePromptOf(options);
  if (negativePrompt !== undefined) {
    if (typeof capabilities.negativePrompt === 'object')
      mapped[capabilities.negativePrompt.option] = negativePrompt;
    else if (capabilities.negativePrompt === false) {
      warnings.push({ type: 'other', message: `${label} ignores negative prompts` });
    }
  }
  const explicit = (options.providerOptions?.[provider] ?? {}) as JSONObject;
  const provenance: Record<string, JSONValue> = {};
  const expansion = capabilities.promptExpansion;
  if (expansion) {
    // Prompt expansion rewrites prompt and headline differently from one call to the next.
    const asked = explicit[expansion.option];
    if (asked === undefined) mapped[expansion.option] = expansion.off;
    provenance.promptExpansion =
      asked === undefined
        ? `off (${expansion.option}: ${JSON.stringify(expansion.off)}, Atelier's default for reproducible prompts)`
        : `${expansion.option}: ${JSON.stringify(asked)} as the config asks`;
  }
  return {
    options: {
      ...options,
      size: plan.size,
      aspectRatio: plan.aspectRatio,
      seed,
      providerOptions: { ...options.providerOptions, [provider]: { ...mapped, ...explicit } },
    },
    warnings,
    provenance,
  };
}
