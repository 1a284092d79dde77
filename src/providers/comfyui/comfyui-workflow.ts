import { AtelierError } from '../../errors.ts';
import { sha256 } from '../../util/canonical-json.ts';
import { FileRefusedError, readRegularFileSync } from '../../util/read-regular-file.ts';
import type { ModelCapabilities } from '../provider-capabilities.ts';
import {
  type InferredInput,
  type InputSlot,
  inferBindings,
  type WorkflowBindings,
} from './comfyui-bindings.ts';

/**
 * The placeholders a workflow template may use, as whole string values (`"{{seed}}"`, replaced
 * by the typed value) or inside text (`"photo of {{prompt}}"`).
 */
export const workflowPlaceholders = [
  'prompt',
  'negative_prompt',
  'seed',
  'width',
  'height',
  'steps',
  'cfg',
  'sampler',
  'scheduler',
  'denoise',
  'image',
] as const;
export type WorkflowPlaceholder = (typeof workflowPlaceholders)[number];

/** One node of an API-format workflow (what ComfyUI's "Save (API Format)" writes). */
export interface WorkflowNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}
export type WorkflowGraph = Record<string, WorkflowNode>;

export interface ComfyuiWorkflow {
  /** The file it came from, for messages. */
  readonly path: string;
  /** sha256 of the file's bytes: what the lock pins. */
  readonly sha256: string;
  readonly graph: WorkflowGraph;
  readonly placeholders: ReadonlySet<WorkflowPlaceholder>;
  /** Model files the workflow loads (checkpoints, LoRAs, VAEs...), sorted. */
  readonly checkpoints: readonly string[];
  /** The same files with the server folder each is loaded from, sorted by folder and name. */
  readonly modelFiles: readonly ModelFile[];
  /** Where the shot's values go when the workflow has no placeholder for them. */
  readonly bindings: WorkflowBindings;
}

/** A model file a loader node names, and the ComfyUI model folder it lives in. */
export interface ModelFile {
  readonly folder: string;
  readonly name: string;
  readonly node: string;
}

const placeholderPattern = /\{\{\s*([a-zA-Z_]+)\s*\}\}/g;
const wholePlaceholderPattern = /^\{\{\s*([a-zA-Z_]+)\s*\}\}$/;
/** Loader inputs that name a model file, and the ComfyUI model folder (`/models/<folder>`) it is in. */
const modelFileInputs = new Map([
  ['ckpt_name', 'checkpoints'],
  ['unet_name', 'diffusion_models'],
  ['lora_name', 'loras'],
  ['vae_name', 'vae'],
  ['clip_name', 'text_encoders'],
  ['clip_name1', 'text_encoders'],
  ['clip_name2', 'text_encoders'],
  ['clip_name3', 'text_encoders'],
  ['clip_name4', 'text_encoders'],
  ['control_net_name', 'controlnet'],
  ['style_model_name', 'style_models'],
  ['upscale_model_name', 'upscale_models'],
]);

/** The largest workflow template read: API-format workflows are a few dozen KiB. */
const maximumWorkflowBytes = 16 * 1024 * 1024;

export function readWorkflowFile(path: string): ComfyuiWorkflow {
  let bytes: Buffer;
  try {
    // Read while the config is validated: a FIFO or a device named here must not hang it.
    bytes = readRegularFileSync(path, maximumWorkflowBytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      error instanceof FileRefusedError ? error.detail : code === 'ENOENT' ? 'no such file' : String(code);
    throw new AtelierError('MODEL_UNAVAILABLE', `Cannot read ComfyUI workflow ${path}: ${reason}`);
  }
  return parseWorkflow(bytes, path);
}

/** Parses and checks an API-format workflow template. */
export function parseWorkflow(bytes: Uint8Array, path: string): ComfyuiWorkflow {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `ComfyUI workflow ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new AtelierError('MODEL_UNAVAILABLE', `ComfyUI workflow ${path}: expected a JSON object of nodes`);
  }
  if ('nodes' in data && 'links' in data) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `ComfyUI workflow ${path} is in the editor (UI) format: export it with "Save (API Format)"`,
    );
  }
  const graph = data as WorkflowGraph;
  const placeholders = new Set<WorkflowPlaceholder>();
  const files = new Map<string, ModelFile>();
  for (const [id, node] of Object.entries(graph)) {
    if (typeof node?.class_type !== 'string' || typeof node.inputs !== 'object' || node.inputs === null) {
      throw new AtelierError(
        'MODEL_UNAVAILABLE',
        `ComfyUI workflow ${path}: node "${id}" has no class_type and inputs (is this an API-format workflow?)`,
      );
    }
    for (const [input, value] of Object.entries(node.inputs)) {
      if (typeof value !== 'string') continue;
      for (const match of value.matchAll(placeholderPattern)) {
        const name = match[1] as WorkflowPlaceholder;
        if (!workflowPlaceholders.includes(name)) {
          throw new AtelierError(
            'MODEL_UNAVAILABLE',
            `ComfyUI workflow ${path}: node "${id}" input "${input}" uses unknown placeholder {{${match[1]}}}: expected one of ${workflowPlaceholders.map((known) => `{{${known}}}`).join(', ')}`,
          );
        }
        placeholders.add(name);
      }
      const folder = modelFileInputs.get(input);
      if (folder && !value.includes('{{')) files.set(`${folder}/${value}`, { folder, name: value, node: id });
    }
  }
  const modelFiles = [...files.keys()].sort().map((key) => files.get(key)!);
  return {
    path,
    sha256: sha256(bytes),
    graph,
    placeholders,
    checkpoints: [...new Set(modelFiles.map((file) => file.name))].sort(),
    modelFiles,
    bindings: inferBindings(graph, placeholders, path),
  };
}

export type PlaceholderValues = Partial<Record<WorkflowPlaceholder, string | number>>;

/** Values for the inputs found by following the graph; an undefined value keeps the workflow's own. */
export type InferredValues = Partial<Record<InferredInput, string | number>>;

/**
 * A copy of the graph with every placeholder filled, then the inferred inputs set. A
 * whole-value placeholder takes the typed value (numbers stay numbers); one inside text is
 * interpolated.
 */
export function fillWorkflow(
  workflow: ComfyuiWorkflow,
  values: PlaceholderValues,
  inferred: InferredValues = {},
): WorkflowGraph {
  if (workflow.bindings.problems.length > 0) {
    throw new AtelierError('INVALID_ARGUMENT', workflow.bindings.problems.join('; '));
  }
  const missing = [...workflow.placeholders].filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `ComfyUI workflow ${workflow.path} needs ${missing.map((name) => `{{${name}}}`).join(', ')} but no value was given`,
    );
  }
  const filled: WorkflowGraph = {};
  for (const [id, node] of Object.entries(workflow.graph)) {
    const inputs: Record<string, unknown> = {};
    for (const [input, value] of Object.entries(node.inputs)) {
      if (typeof value !== 'string') {
        inputs[input] = structuredClone(value);
        continue;
      }
      const whole = wholePlaceholderPattern.exec(value);
      inputs[input] = whole
        ? values[whole[1] as WorkflowPlaceholder]
        : value.replace(placeholderPattern, (_, name: WorkflowPlaceholder) => String(values[name]));
    }
    filled[id] = { ...node, inputs };
  }
  for (const [name, slots] of Object.entries(workflow.bindings.slots) as Array<
    [InferredInput, readonly InputSlot[]]
  >) {
    const value = inferred[name];
    if (value === undefined) continue;
    for (const slot of slots) filled[slot.node]!.inputs[slot.input] = value;
  }
  return filled;
}

/** What a workflow honours follows from the placeholders it has. */
export function comfyuiCapabilities(workflow: ComfyuiWorkflow, label: string): ModelCapabilities {
  const has = (name: WorkflowPlaceholder) =>
    workflow.placeholders.has(name) ||
    (name in workflow.bindings.slots && workflow.bindings.slots[name as InferredInput] !== undefined);
  return {
    label,
    provider: 'comfyui',
    shape: has('width') && has('height') ? { kind: 'free-size' } : { kind: 'fixed', setBy: 'its workflow' },
    seed: has('seed'),
    imageInput: has('image'),
    negativePrompt: has('negative_prompt') ? 'native' : false,
    known: true,
  };
}

/** A node's readable name for messages: `4 (KSampler "Main sampler")`. */
export function describeNode(graph: WorkflowGraph | undefined, id: string, classType?: string): string {
  const node = graph?.[id];
  const type = classType ?? node?.class_type;
  const title = node?._meta?.title;
  return `node ${id}${type ? ` (${type}${title && title !== type ? ` "${title}"` : ''})` : ''}`;
}
