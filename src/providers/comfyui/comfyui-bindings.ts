/** An API-format graph as this module reads it (the workflow module's `WorkflowGraph`). */
type WorkflowGraph = Record<
  string,
  { class_type: string; inputs: Record<string, unknown>; _meta?: { title?: string } }
>;

/** What Atelier places into an unmodified exported workflow by following its links. */
export const inferredInputs = [
  'prompt',
  'negative_prompt',
  'seed',
  'width',
  'height',
  'steps',
  'cfg',
] as const;
export type InferredInput = (typeof inferredInputs)[number];

/** One input of one node that receives a value. */
export interface InputSlot {
  readonly node: string;
  readonly input: string;
}

export interface WorkflowBindings {
  /** The sampler nodes the shot goes to. */
  readonly samplers: readonly string[];
  /** Where each value goes; a name with a placeholder in the workflow is not inferred. */
  readonly slots: Readonly<Partial<Record<InferredInput, readonly InputSlot[]>>>;
  /** Why the workflow cannot take a shot as it is, each naming nodes and the way out. */
  readonly problems: readonly string[];
}

/**
 * The title marker that picks, among several candidates, the nodes that receive the shot:
 * rename the node in ComfyUI ("Title") to e.g. `Base sampler [atelier]`, then export again.
 */
export const bindingMarker = '[atelier]';

const samplerTypes = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced']);
/** Text inputs of the text-encode nodes (CLIPTextEncode, ...SDXL, ...SD3, ...Flux, HunyuanDiT). */
const textInputs = ['text', 'text_g', 'text_l', 'clip_l', 'clip_g', 't5xxl', 'bert', 'mt5xl', 'prompt'];
/** Scheduler nodes that feed `sigmas` and own the step count. */
const stepInputs = ['steps'];

type Link = [string, number];

function linkOf(value: unknown): Link | undefined {
  return Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'number'
    ? (value as Link)
    : undefined;
}

function isTextEncoder(classType: string): boolean {
  return /^CLIPTextEncode/.test(classType) || /TextEncode/.test(classType);
}

function marked(graph: WorkflowGraph, id: string): boolean {
  return graph[id]?._meta?.title?.toLowerCase().includes(bindingMarker) ?? false;
}

function describe(graph: WorkflowGraph, id: string): string {
  const node = graph[id];
  const title = node?._meta?.title;
  return `node ${id} (${node?.class_type ?? '?'}${title && title !== node?.class_type ? ` "${title}"` : ''})`;
}

/**
 * The text encoders a conditioning link comes from, walking back through conditioning nodes
 * (FluxGuidance, ControlNetApply, ConditioningSetTimestepRange, ConditioningCombine...). A
 * ConditioningZeroOut ends the walk: what it zeroes is not a prompt.
 */
function encodersOf(graph: WorkflowGraph, start: Link, seen = new Set<string>()): string[] {
  const [id, output] = start;
  if (seen.has(id)) return [];
  seen.add(id);
  const node = graph[id];
  if (!node) return [];
  if (isTextEncoder(node.class_type)) return [id];
  if (node.class_type === 'ConditioningZeroOut') return [];
  const inputs = node.inputs;
  // Nodes carrying both sides (ControlNetApplyAdvanced): output 0 is positive, 1 negative.
  if ('positive' in inputs && 'negative' in inputs) {
    const side = linkOf(output === 1 ? inputs.negative : inputs.positive);
    return side ? encodersOf(graph, side, seen) : [];
  }
  const found: string[] = [];
  for (const [name, value] of Object.entries(inputs)) {
    const link = linkOf(value);
    if (link && (name.startsWith('conditioning') || name === 'positive'))
      found.push(...encodersOf(graph, link, seen));
  }
  return found;
}

/** The Empty*Latent node a sampler's latent comes from, or `image` for an encoded input image. */
function latentSourceOf(graph: WorkflowGraph, start: Link | undefined): string | 'image' | undefined {
  let link = start;
  for (let depth = 0; link && depth < 8; depth++) {
    const node = graph[link[0]];
    if (!node) return undefined;
    if ('width' in node.inputs && 'height' in node.inputs && /Latent/.test(node.class_type)) return link[0];
    if (/VAEEncode/.test(node.class_type)) return 'image';
    if (samplerTypes.has(node.class_type)) return undefined;
    link = linkOf(node.inputs.samples ?? node.inputs.latent ?? node.inputs.latent_image);
  }
  return undefined;
}

/** A seed input, following a link to a seed node (a primitive or a "seed" custom node). */
function seedSlot(graph: WorkflowGraph, node: string, input: string): InputSlot {
  const link = linkOf(graph[node]?.inputs[input]);
  if (!link) return { node, input };
  const source = graph[link[0]];
  const name = ['seed', 'noise_seed', 'value'].find((candidate) => candidate in (source?.inputs ?? {}));
  return name ? { node: link[0], input: name } : { node, input };
}

interface SamplerParts {
  positive: string[];
  negative: string[];
  negativeZeroed: boolean;
  seed?: InputSlot;
  latent?: string | 'image';
  steps?: InputSlot;
  cfg?: InputSlot;
}

function samplerParts(graph: WorkflowGraph, id: string): SamplerParts {
  const inputs = graph[id]!.inputs;
  let positive = linkOf(inputs.positive);
  let negative = linkOf(inputs.negative);
  const parts: SamplerParts = { positive: [], negative: [], negativeZeroed: false };
  if (graph[id]!.class_type === 'SamplerCustomAdvanced') {
    const guiderLink = linkOf(inputs.guider);
    const guider = guiderLink ? graph[guiderLink[0]] : undefined;
    if (guider && guiderLink) {
      positive = linkOf(guider.inputs.positive ?? guider.inputs.conditioning);
      negative = linkOf(guider.inputs.negative);
      if (typeof guider.inputs.cfg === 'number') parts.cfg = { node: guiderLink[0], input: 'cfg' };
    }
    const noiseLink = linkOf(inputs.noise);
    if (noiseLink && graph[noiseLink[0]] && 'noise_seed' in graph[noiseLink[0]]!.inputs) {
      parts.seed = seedSlot(graph, noiseLink[0], 'noise_seed');
    }
  } else {
    const seedInput = 'noise_seed' in inputs ? 'noise_seed' : 'seed' in inputs ? 'seed' : undefined;
    if (seedInput) parts.seed = seedSlot(graph, id, seedInput);
    if ('cfg' in inputs && !linkOf(inputs.cfg)) parts.cfg = { node: id, input: 'cfg' };
  }
  if ('steps' in inputs && !linkOf(inputs.steps)) parts.steps = { node: id, input: 'steps' };
  const sigmas = linkOf(inputs.sigmas);
  if (sigmas && graph[sigmas[0]]) {
    const input = stepInputs.find((name) => name in graph[sigmas[0]]!.inputs);
    if (input) parts.steps = { node: sigmas[0], input };
  }
  if (positive) parts.positive = [...new Set(encodersOf(graph, positive))];
  if (negative) {
    parts.negative = [...new Set(encodersOf(graph, negative))];
    parts.negativeZeroed = parts.negative.length === 0;
  }
  parts.latent = latentSourceOf(graph, linkOf(inputs.latent_image));
  return parts;
}

/** Among candidates, the ones marked with `[atelier]` if any are. */
function pick(graph: WorkflowGraph, candidates: string[]): string[] {
  const chosen = candidates.filter((id) => marked(graph, id));
  return chosen.length > 0 ? chosen : candidates;
}

/**
 * Finds where the shot's prompt, negative prompt, seed, size, steps and cfg go in an
 * API-format workflow, by following the links of its sampler: the text encoders feeding its
 * positive and negative conditioning, its seed (or its RandomNoise node's), the empty latent
 * it starts from, and its scheduler's steps. Names already written as placeholders are left to
 * them. When a value cannot be placed unambiguously (several samplers, several prompt
 * encoders, none at all), `problems` says which nodes and how to mark the intended one.
 */
export function inferBindings(
  graph: WorkflowGraph,
  placeholders: ReadonlySet<string>,
  path: string,
): WorkflowBindings {
  const needed = inferredInputs.filter((name) => !placeholders.has(name));
  if (needed.length === 0) return { samplers: [], slots: {}, problems: [] };
  const problems: string[] = [];
  const howToMark = `rename the intended node's title in ComfyUI to include "${bindingMarker}" and export again, or write {{prompt}}/{{seed}} placeholders into the workflow`;
  const allSamplers = Object.keys(graph).filter((id) => samplerTypes.has(graph[id]!.class_type));
  const samplers = pick(graph, allSamplers);
  if (samplers.length === 0) {
    if (!placeholders.has('prompt')) {
      problems.push(
        `ComfyUI workflow ${path} has no sampler node (KSampler, KSamplerAdvanced, SamplerCustom, SamplerCustomAdvanced), so Atelier cannot tell where the shot's prompt goes: write a {{prompt}} placeholder into its text node`,
      );
    }
    return { samplers: [], slots: {}, problems };
  }
  if (samplers.length > 1 && !samplers.every((id) => marked(graph, id))) {
    // With the prompt and the seed placed by hand, the rest (size, steps, cfg) stays the workflow's.
    if (placeholders.has('prompt') && placeholders.has('seed'))
      return { samplers: [], slots: {}, problems: [] };
    return {
      samplers: [],
      slots: {},
      problems: [
        `ComfyUI workflow ${path} has ${samplers.length} samplers (${samplers.map((id) => describe(graph, id)).join(', ')}): Atelier cannot tell which one should receive the shot's prompt and seed: ${howToMark} (mark every sampler that should receive the shot, e.g. base and refiner)`,
      ],
    };
  }
  const slots: Partial<Record<InferredInput, InputSlot[]>> = {};
  const add = (name: InferredInput, slot: InputSlot | undefined) => {
    if (!slot || placeholders.has(name)) return;
    slots[name] ??= [];
    const list = slots[name];
    if (!list.some((known) => known.node === slot.node && known.input === slot.input)) list.push(slot);
  };
  const textSlots = (encoder: string) =>
    textInputs
      .filter((input) => typeof graph[encoder]!.inputs[input] === 'string')
      .map((input) => ({ node: encoder, input }));
  for (const sampler of samplers) {
    const parts = samplerParts(graph, sampler);
    const positive = pick(graph, parts.positive);
    if (!placeholders.has('prompt')) {
      if (positive.length === 0) {
        problems.push(
          `ComfyUI workflow ${path}: no text-encode node is reachable from the positive input of ${describe(graph, sampler)}, so the shot's prompt has nowhere to go: write a {{prompt}} placeholder into the node that holds the prompt text`,
        );
      } else if (positive.length > 1) {
        problems.push(
          `ComfyUI workflow ${path}: ${describe(graph, sampler)} takes its prompt from ${positive.length} text-encode nodes (${positive.map((id) => describe(graph, id)).join(', ')}): ${howToMark}`,
        );
      } else if (parts.negative.includes(positive[0]!)) {
        problems.push(
          `ComfyUI workflow ${path}: ${describe(graph, positive[0]!)} feeds both the positive and the negative input of ${describe(graph, sampler)}: write {{prompt}} (and {{negative_prompt}}) placeholders where they belong`,
        );
      } else {
        for (const slot of textSlots(positive[0]!)) add('prompt', slot);
      }
    }
    const negative = pick(graph, parts.negative).filter((id) => !positive.includes(id));
    if (negative.length === 1) for (const slot of textSlots(negative[0]!)) add('negative_prompt', slot);
    add('seed', parts.seed);
    add('steps', parts.steps);
    add('cfg', parts.cfg);
    if (parts.latent && parts.latent !== 'image') {
      add('width', { node: parts.latent, input: 'width' });
      add('height', { node: parts.latent, input: 'height' });
    }
  }
  if (!placeholders.has('seed') && !slots.seed && problems.length === 0) {
    problems.push(
      `ComfyUI workflow ${path}: no seed input is reachable from ${samplers.map((id) => describe(graph, id)).join(', ')} (a RandomNoise node or a sampler's seed): every seed would render the same image; write a {{seed}} placeholder into the node that holds the seed`,
    );
  }
  return { samplers, slots, problems };
}
