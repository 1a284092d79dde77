import { AtelierError } from '../../errors.ts';
import { sha256 } from '../../util/canonical-json.ts';
import { FileRefusedError, readRegularFileSync } from '../../util/read-regular-file.ts';
import type { ModelCapabilities } from '../provider-capabilities.ts';

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
}

const placeholderPattern = /\{\{\s*([a-zA-Z_]+)\s*\}\}/g;
const wholePlaceholderPattern = /^\{\{\s*([a-zA-Z_]+)\s*\}\}$/;
/** Loader inputs that name a model file. */
const modelFileInputs = new Set([
  'ckpt_name',
  'unet_name',
  'lora_name',
  'vae_name',
  'clip_name',
  'clip_name1',
  'clip_name2',
  'clip_name3',
  'control_net_name',
  'style_model_name',
  'upscale_model_name',
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
  const checkpoints = new Set<string>();
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
      if (modelFileInputs.has(input) && !value.includes('{{')) checkpoints.add(value);
    }
  }
  return { path, sha256: sha256(bytes), graph, placeholders, checkpoints: [...checkpoints].sort() };
}

export type PlaceholderValues = Partial<Record<WorkflowPlaceholder, string | number>>;

/**
 * A copy of the graph with every placeholder filled. A whole-value placeholder takes the typed
 * value (numbers stay numbers); one inside text is interpolated.
 */
export function fillWorkflow(workflow: ComfyuiWorkflow, values: PlaceholderValues): WorkflowGraph {
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
  return filled;
}

/** What a workflow honours follows from the placeholders it has. */
export function comfyuiCapabilities(workflow: ComfyuiWorkflow, label: string): ModelCapabilities {
  const has = (name: WorkflowPlaceholder) => workflow.placeholders.has(name);
  return {
    label,
    provider: 'comfyui',
    shape: has('width') && has('height') ? { kind: 'free-size' } : { kind: 'fixed' },
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
