import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { WebSocket, WebSocketServer } from 'ws';
import {
  FakeHttpServer,
  type FormFile,
  type RecordedRequest,
  sendBytes,
  sendJson,
} from './fake-http-server.ts';
import { garbageBytes, renderFakePng } from './fake-png.ts';

/** A model file on the fake server: listed by `/models/<folder>`, `/experiment/models/<folder>`. */
export interface FakeModelFile {
  readonly folder: string;
  readonly name: string;
  readonly size: number;
  /** The safetensors header's `__metadata__`, served by `/view_metadata/<folder>`. */
  readonly metadata?: Record<string, string>;
}

/** sha256 of the published sd_xl_base_1.0.safetensors (stabilityai/stable-diffusion-xl-base-1.0). */
export const sdxlBaseSha256 = '31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b';

/** The model files a default fake server has: what the fixtures under test/fixtures/comfyui load. */
export const defaultModelFiles: readonly FakeModelFile[] = [
  {
    folder: 'checkpoints',
    name: 'sd_xl_base_1.0.safetensors',
    size: 6_938_078_334,
    metadata: {
      'modelspec.architecture': 'stable-diffusion-xl-v1-base',
      'modelspec.hash_sha256': `0x${sdxlBaseSha256}`,
    },
  },
  { folder: 'checkpoints', name: 'sd_xl_refiner_1.0.safetensors', size: 6_075_981_930 },
  { folder: 'checkpoints', name: 'sd3.5_large_turbo.safetensors', size: 16_460_379_262 },
  { folder: 'loras', name: 'brand-style.safetensors', size: 228_463_068 },
  { folder: 'loras', name: 'film-grain.safetensors', size: 45_613_420 },
  { folder: 'text_encoders', name: 'clip_g.safetensors', size: 1_389_382_176 },
  { folder: 'text_encoders', name: 'clip_l.safetensors', size: 246_144_152 },
  { folder: 'text_encoders', name: 't5xxl_fp16.safetensors', size: 9_787_841_024 },
  { folder: 'diffusion_models', name: 'flux1-dev.safetensors', size: 23_802_932_552 },
  { folder: 'vae', name: 'ae.safetensors', size: 335_304_388 },
];

export interface FakeComfyuiOptions {
  /** Checkpoint files the server has; a workflow loading another fails validation. */
  readonly checkpoints?: readonly string[];
  /** Every model file the server has (default `defaultModelFiles`; `checkpoints` replaces its checkpoints). */
  readonly models?: readonly FakeModelFile[];
  /** Answer 404 to `/experiment/models/<folder>`, as servers before it existed do. */
  readonly noExperimentalModels?: boolean;
  /** GPU memory reported by `/system_stats`. */
  readonly vramBytes?: number;
  /**
   * GPU memory a prompt's activations take per output pixel while its sampler runs (default
   * 2500 bytes, about what SDXL takes in fp16); the model files it loads take their size. Above
   * the GPU's memory the sampler fails with a CUDA out-of-memory error, as a real server does.
   */
  readonly vramBytesPerPixel?: number;
  /** How long the sampler holds its memory (default 20 ms): long enough to be sampled. */
  readonly samplerMs?: number;
  /** Refuse websocket connections, so clients must poll `/history`. */
  readonly noWebsocket?: boolean;
  /** Accept websocket connections but never send an event (lost frames, a broken proxy). */
  readonly muteWebsocket?: boolean;
  readonly version?: string;
}

/**
 * A fault for the next queued prompt: `execution-error` fails at the KSampler (out of memory);
 * `status` answers `/prompt` with that HTTP status; `hang` accepts the prompt and never runs
 * it; `garbage` saves bytes that are not an image.
 */
export type ComfyuiFault =
  | { kind: 'execution-error'; message?: string }
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'garbage' };

interface NodeLike {
  class_type: string;
  inputs: Record<string, unknown>;
}

interface HistoryEntry {
  prompt: unknown[];
  outputs: Record<string, { images: Array<{ filename: string; subfolder: string; type: string }> }>;
  status: { status_str: string; completed: boolean; messages: Array<[string, Record<string, unknown>]> };
}

/** The node classes the fake knows (core ComfyUI nodes the fixtures use). */
const knownNodes = new Set([
  'CheckpointLoaderSimple',
  'UNETLoader',
  'DualCLIPLoader',
  'TripleCLIPLoader',
  'VAELoader',
  'LoraLoader',
  'CLIPTextEncode',
  'CLIPTextEncodeSD3',
  'CLIPTextEncodeSDXL',
  'CLIPTextEncodeFlux',
  'ConditioningZeroOut',
  'FluxGuidance',
  'ModelSamplingSD3',
  'ModelSamplingFlux',
  'EmptyLatentImage',
  'EmptySD3LatentImage',
  'KSampler',
  'KSamplerAdvanced',
  'SamplerCustomAdvanced',
  'KSamplerSelect',
  'BasicScheduler',
  'BasicGuider',
  'CFGGuider',
  'RandomNoise',
  'VAEDecode',
  'VAEEncode',
  'SaveImage',
  'PreviewImage',
  'LoadImage',
]);
const samplerNodes = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustomAdvanced']);
/** Loader inputs and the model folder ComfyUI resolves them in (`folder_paths`). */
const loaderInputs: Record<string, string> = {
  ckpt_name: 'checkpoints',
  unet_name: 'diffusion_models',
  lora_name: 'loras',
  vae_name: 'vae',
  clip_name: 'text_encoders',
  clip_name1: 'text_encoders',
  clip_name2: 'text_encoders',
  clip_name3: 'text_encoders',
};
const gib = 1024 ** 3;
/** The model folders a ComfyUI server knows (`folder_paths.folder_names_and_paths`, in part). */
const modelFolders = new Set([
  'checkpoints',
  'loras',
  'vae',
  'text_encoders',
  'diffusion_models',
  'controlnet',
  'style_models',
  'upscale_models',
  'embeddings',
  'clip_vision',
]);

/**
 * A ComfyUI server speaking its real HTTP and websocket protocol: `/system_stats`,
 * `/upload/image`, `/prompt` (with `node_errors` validation), `/ws?clientId=` events
 * (`execution_start`, `executing`, `progress`, `executed`, `execution_success`,
 * `execution_error`), `/history/{id}`, `/view`, `/queue`. It "renders" a real PNG at the
 * workflow's latent size.
 */
export class FakeComfyui {
  readonly faults: ComfyuiFault[] = [];
  /** Workflows accepted by `/prompt`, as queued. */
  readonly prompts: Array<{ id: string; clientId: string; graph: Record<string, NodeLike> }> = [];
  /** Prompts that ran to an image: what the GPU spent time on. */
  executed = 0;
  readonly uploads = new Map<string, Uint8Array>();
  readonly cancelled: string[] = [];
  /** Prompts stopped by `POST /interrupt` while they ran. */
  readonly interrupted: string[] = [];
  /** GPU memory in use now, as `/system_stats` reports it (total minus free). */
  vramUsed: number;
  /** The prompt executing now, if any. */
  running: string | undefined;
  private readonly loadedModels = new Set<string>();
  private readonly history = new Map<string, HistoryEntry>();
  private readonly outputs = new Map<string, Uint8Array>();
  private readonly sockets = new Map<string, WebSocket>();
  private http!: FakeHttpServer;
  private websocketServer!: WebSocketServer;

  private constructor(readonly options: FakeComfyuiOptions) {
    this.vramUsed = Math.round(this.vramTotal * 0.1);
    const models = options.models ?? defaultModelFiles;
    this.models = options.checkpoints
      ? [
          ...models.filter((file) => file.folder !== 'checkpoints'),
          ...options.checkpoints.map((name) => ({ folder: 'checkpoints', name, size: 2 * gib })),
        ]
      : [...models];
  }

  get vramTotal(): number {
    return this.options.vramBytes ?? 12 * gib;
  }

  /** The model files on the server; a test may swap one to play a changed file. */
  models: FakeModelFile[] = [];

  static async start(options: FakeComfyuiOptions = {}): Promise<FakeComfyui> {
    const fake = new FakeComfyui(options);
    fake.http = await FakeHttpServer.start((request, response) => fake.handle(request, response));
    fake.websocketServer = new WebSocketServer({ noServer: true });
    fake.http.server.on('upgrade', (request, socket, head) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (options.noWebsocket || url.pathname !== '/ws') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      fake.websocketServer.handleUpgrade(request, socket, head, (client) => {
        const clientId = url.searchParams.get('clientId') ?? randomUUID();
        fake.sockets.set(clientId, client);
        client.send(
          JSON.stringify({
            type: 'status',
            data: { status: { exec_info: { queue_remaining: 0 } }, sid: clientId },
          }),
        );
        client.on('close', () => fake.sockets.delete(clientId));
      });
    });
    return fake;
  }

  get baseURL(): string {
    return this.http.origin;
  }

  get requests(): readonly RecordedRequest[] {
    return this.http.requests;
  }

  inject(...faults: ComfyuiFault[]): this {
    this.faults.push(...faults);
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets.values()) socket.terminate();
    this.websocketServer.close();
    await this.http.close();
  }

  private async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const { method, path } = request;
    if (method === 'GET' && path === '/system_stats') {
      return sendJson(response, 200, {
        system: {
          os: 'posix',
          comfyui_version: this.options.version ?? '0.3.40',
          python_version: '3.12.3',
          pytorch_version: '2.6.0',
          embedded_python: false,
        },
        devices: [
          {
            name: 'cuda:0 NVIDIA GeForce RTX 4070 : cudaMallocAsync',
            type: 'cuda',
            index: 0,
            vram_total: this.vramTotal,
            vram_free: this.vramTotal - this.vramUsed,
            torch_vram_total: this.vramUsed,
            torch_vram_free: 0,
          },
        ],
      });
    }
    if (method === 'POST' && path === '/upload/image') {
      const file = request.form?.image as FormFile | undefined;
      if (!file) return sendJson(response, 400, { error: 'no image' });
      const subfolder = String(request.form?.subfolder ?? '');
      const name = subfolder ? `${subfolder}/${file.filename}` : file.filename;
      this.uploads.set(name, file.bytes);
      return sendJson(response, 200, { name: file.filename, subfolder, type: 'input' });
    }
    if (method === 'POST' && path === '/prompt') return this.queue(request, response);
    if (method === 'POST' && path === '/queue') {
      this.cancelled.push(...((request.json?.delete as string[] | undefined) ?? []));
      return sendJson(response, 200, {});
    }
    if (method === 'GET' && path === '/queue') {
      const running = this.running ? [[0, this.running, {}, {}, []]] : [];
      return sendJson(response, 200, { queue_running: running, queue_pending: [] });
    }
    if (method === 'POST' && path === '/interrupt') {
      // Newer servers interrupt only the named prompt; without a name, whatever runs.
      const target = request.json?.prompt_id as string | undefined;
      if (this.running && (target === undefined || target === this.running)) this.interruptRequested = true;
      return sendJson(response, 200, {});
    }
    const folderMatch = /^\/(experiment\/)?models\/([^/]+)$/.exec(path);
    if (method === 'GET' && folderMatch) {
      const folder = decodeURIComponent(folderMatch[2]!);
      const files = this.models.filter((file) => file.folder === folder);
      // Like ComfyUI: 404 for a folder it does not know, an empty list for a known empty one.
      if (!modelFolders.has(folder)) return sendJson(response, 404, {});
      if (folderMatch[1]) {
        if (this.options.noExperimentalModels) return sendJson(response, 404, {});
        return sendJson(
          response,
          200,
          files.map((file) => ({
            name: file.name,
            pathIndex: 0,
            modified: 1717000000,
            created: 1717000000,
            size: file.size,
          })),
        );
      }
      return sendJson(
        response,
        200,
        files.map((file) => file.name),
      );
    }
    const metadataMatch = /^\/view_metadata\/([^/]+)$/.exec(path);
    if (method === 'GET' && metadataMatch) {
      const filename = request.url.searchParams.get('filename') ?? '';
      const file = this.models.find(
        (candidate) => candidate.folder === metadataMatch[1] && candidate.name === filename,
      );
      if (!filename.endsWith('.safetensors') || !file?.metadata) return sendJson(response, 404, {});
      return sendJson(response, 200, file.metadata);
    }
    const historyMatch = /^\/history\/(.+)$/.exec(path);
    if (method === 'GET' && historyMatch) {
      const id = decodeURIComponent(historyMatch[1]!);
      const entry = this.history.get(id);
      return sendJson(response, 200, entry ? { [id]: entry } : {});
    }
    if (method === 'GET' && path === '/view') {
      const bytes = this.outputs.get(String(request.url.searchParams.get('filename')));
      if (!bytes) return sendJson(response, 404, {});
      return sendBytes(response, bytes);
    }
    sendJson(response, 404, {});
  }

  private async queue(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const graph = (request.json?.prompt ?? {}) as Record<string, NodeLike>;
    const clientId = String(request.json?.client_id ?? '');
    const nodeErrors = this.validate(graph);
    if (Object.keys(nodeErrors).length > 0) {
      return sendJson(response, 400, {
        error: {
          type: 'prompt_outputs_failed_validation',
          message: 'Prompt outputs failed validation',
          details: '',
          extra_info: {},
        },
        node_errors: nodeErrors,
      });
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'status') return sendJson(response, fault.status, { error: 'fake failure' });
    const id = randomUUID();
    this.prompts.push({ id, clientId, graph });
    sendJson(response, 200, { prompt_id: id, number: this.prompts.length, node_errors: {} });
    if (fault?.kind === 'hang') return;
    void this.execute(id, clientId, graph, fault);
  }

  private interruptRequested = false;

  private validate(graph: Record<string, NodeLike>): Record<string, unknown> {
    const errors: Record<string, unknown> = {};
    for (const [id, node] of Object.entries(graph)) {
      const problems: Array<{
        type: string;
        message: string;
        details: string;
        extra_info: Record<string, unknown>;
      }> = [];
      if (!knownNodes.has(node.class_type)) {
        problems.push({
          type: 'invalid_node',
          message: `Node type not found: ${node.class_type}`,
          details: '',
          extra_info: {},
        });
      }
      for (const [input, folder] of Object.entries(loaderInputs)) {
        if (!(input in node.inputs)) continue;
        const available = this.models.filter((file) => file.folder === folder).map((file) => file.name);
        if (!available.includes(String(node.inputs[input]))) {
          problems.push({
            type: 'value_not_in_list',
            message: 'Value not in list',
            details: `${input}: '${String(node.inputs[input])}' not in ${JSON.stringify(available)}`,
            extra_info: { input_name: input },
          });
        }
      }
      for (const input of ['seed', 'noise_seed', 'steps', 'width', 'height']) {
        if (
          input in node.inputs &&
          !Number.isInteger(node.inputs[input]) &&
          !Array.isArray(node.inputs[input])
        ) {
          problems.push({
            type: 'invalid_input_type',
            message: 'Failed to convert an input value to a INT value',
            details: `${input}, ${String(node.inputs[input])}`,
            extra_info: { input_name: input },
          });
        }
      }
      if (node.class_type === 'LoadImage' && !this.uploads.has(String(node.inputs.image))) {
        problems.push({
          type: 'custom_validation_failed',
          message: 'Invalid image file',
          details: `image - ${String(node.inputs.image)}`,
          extra_info: {},
        });
      }
      if (problems.length > 0)
        errors[id] = { errors: problems, dependent_outputs: [], class_type: node.class_type };
    }
    return errors;
  }

  private send(clientId: string, type: string, data: Record<string, unknown>): void {
    if (this.options.muteWebsocket) return;
    const socket = this.sockets.get(clientId);
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type, data }));
  }

  /** What a prompt's graph asks of the GPU: its model files, its latent size, its seed. */
  private plan(graph: Record<string, NodeLike>) {
    const entries = Object.entries(graph);
    const sampler = entries.find(([, node]) => samplerNodes.has(node.class_type));
    const latent = entries.find(([, node]) => /^Empty.*Latent/.test(node.class_type))?.[1];
    const noise = entries.find(([, node]) => node.class_type === 'RandomNoise')?.[1];
    const seed = Number(
      sampler?.[1].inputs.seed ?? sampler?.[1].inputs.noise_seed ?? noise?.inputs.noise_seed ?? 0,
    );
    const files = new Set<FakeModelFile>();
    for (const [, node] of entries) {
      for (const [input, folder] of Object.entries(loaderInputs)) {
        const file = this.models.find(
          (candidate) => candidate.folder === folder && candidate.name === node.inputs[input],
        );
        if (file) files.add(file);
      }
    }
    return { entries, sampler, latent, seed, files: [...files] };
  }

  private async execute(
    id: string,
    clientId: string,
    graph: Record<string, NodeLike>,
    fault: ComfyuiFault | undefined,
  ) {
    const { entries, sampler, latent, seed, files } = this.plan(graph);
    const loaded = entries.find(([, node]) => node.class_type === 'LoadImage')?.[1];
    const saver = entries.find(
      ([, node]) => node.class_type === 'SaveImage' || node.class_type === 'PreviewImage',
    );
    const outputType = saver?.[1].class_type === 'PreviewImage' ? 'temp' : 'output';
    let width = Number(latent?.inputs.width ?? 512);
    let height = Number(latent?.inputs.height ?? 512);
    if (loaded) {
      const metadata = await sharp(this.uploads.get(String(loaded.inputs.image))!).metadata();
      width = metadata.width ?? width;
      height = metadata.height ?? height;
    }
    this.running = id;
    this.interruptRequested = false;
    const fail = (type: 'execution_error' | 'execution_interrupted', data: Record<string, unknown>) => {
      this.send(clientId, type, data);
      this.history.set(id, {
        prompt: [],
        outputs: {},
        status: { status_str: 'error', completed: false, messages: [[type, data]] },
      });
      this.running = undefined;
    };
    this.send(clientId, 'execution_start', { prompt_id: id, timestamp: Date.now() });
    this.send(clientId, 'execution_cached', { nodes: [], prompt_id: id, timestamp: Date.now() });
    // A live preview frame, which clients must ignore.
    this.sockets.get(clientId)?.send(Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]));
    for (const [nodeId, node] of entries) {
      await sleep(2);
      this.send(clientId, 'executing', { node: nodeId, display_node: nodeId, prompt_id: id });
      if (!sampler || nodeId !== sampler[0]) continue;
      // Loading the models when the sampler first needs them, kept loaded after. Like ComfyUI,
      // weights that do not fit are loaded partially (the rest stays in system memory), up to
      // about 70% of the GPU; only the sampler's activations can run out of memory.
      for (const file of files) {
        if (!this.loadedModels.has(`${file.folder}/${file.name}`)) {
          this.loadedModels.add(`${file.folder}/${file.name}`);
          this.vramUsed = Math.min(this.vramUsed + file.size, Math.max(this.vramUsed, this.vramTotal * 0.7));
        }
      }
      const activations = width * height * (this.options.vramBytesPerPixel ?? 2500);
      const free = this.vramTotal - this.vramUsed;
      if (fault?.kind === 'execution-error' || activations > free) {
        // What ComfyUI does on an OOM: unload every model, then report the error.
        this.loadedModels.clear();
        this.vramUsed = Math.round(this.vramTotal * 0.1);
        return fail('execution_error', {
          prompt_id: id,
          node_id: nodeId,
          node_type: node.class_type,
          executed: [],
          exception_message:
            fault?.kind === 'execution-error'
              ? (fault.message ?? 'CUDA out of memory. Tried to allocate 20.00 GiB')
              : `CUDA out of memory. Tried to allocate ${(activations / gib).toFixed(2)} GiB. GPU 0 has a total capacity of ${(this.vramTotal / gib).toFixed(2)} GiB of which ${(Math.max(free, 0) / gib).toFixed(2)} GiB is free.`,
          exception_type:
            fault?.kind === 'execution-error' && fault.message ? 'RuntimeError' : 'torch.OutOfMemoryError',
          traceback: ['Traceback (most recent call last):', '  ...'],
          current_inputs: {},
          current_outputs: {},
        });
      }
      this.vramUsed += activations;
      const steps = Number(sampler[1].inputs.steps ?? 20);
      const shown = Math.min(steps, 3);
      for (let step = 1; step <= shown; step++) {
        // The sampler checks for an interrupt between steps, as ComfyUI's does.
        const until = Date.now() + (this.options.samplerMs ?? 20) / shown;
        while (Date.now() < until && !this.interruptRequested) await sleep(Math.min(10, until - Date.now()));
        if (this.interruptRequested) {
          this.vramUsed -= activations;
          this.interrupted.push(id);
          return fail('execution_interrupted', {
            prompt_id: id,
            node_id: nodeId,
            node_type: node.class_type,
            executed: [],
          });
        }
        this.send(clientId, 'progress', { value: step, max: steps, prompt_id: id, node: nodeId });
      }
      this.vramUsed -= activations;
    }
    const bytes = fault?.kind === 'garbage' ? garbageBytes() : await renderFakePng(width, height, seed);
    const filename = `atelier_${String(this.prompts.length).padStart(5, '0')}_.png`;
    this.outputs.set(filename, bytes);
    const saverId = saver?.[0] ?? '9';
    const images = [{ filename, subfolder: '', type: outputType }];
    this.history.set(id, {
      prompt: [],
      outputs: { [saverId]: { images } },
      status: {
        status_str: 'success',
        completed: true,
        messages: [['execution_success', { prompt_id: id }]],
      },
    });
    this.running = undefined;
    if (fault?.kind !== 'garbage') this.executed++;
    this.send(clientId, 'executed', {
      node: saverId,
      display_node: saverId,
      output: { images },
      prompt_id: id,
    });
    this.send(clientId, 'execution_success', { prompt_id: id, timestamp: Date.now() });
    this.send(clientId, 'executing', { node: null, prompt_id: id });
  }
}

/** An API-format SDXL text-to-image workflow template with every placeholder. */
export function textToImageWorkflow(
  checkpoint = 'sd_xl_base_1.0.safetensors',
): Record<string, NodeLike & { _meta?: { title: string } }> {
  return {
    '4': {
      class_type: 'CheckpointLoaderSimple',
      inputs: { ckpt_name: checkpoint },
      _meta: { title: 'Load Checkpoint' },
    },
    '5': {
      class_type: 'EmptyLatentImage',
      inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1 },
    },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: '{{negative_prompt}}', clip: ['4', 1] } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: '{{seed}}',
        steps: '{{steps}}',
        cfg: '{{cfg}}',
        sampler_name: '{{sampler}}',
        scheduler: '{{scheduler}}',
        denoise: '{{denoise}}',
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
      _meta: { title: 'Main sampler' },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'atelier', images: ['8', 0] } },
  };
}

/** An API-format image-to-image workflow: the input image is uploaded and loaded by `LoadImage`. */
export function imageToImageWorkflow(checkpoint = 'sd_xl_base_1.0.safetensors'): Record<string, NodeLike> {
  const graph = textToImageWorkflow(checkpoint);
  delete graph['5'];
  return {
    ...graph,
    '10': { class_type: 'LoadImage', inputs: { image: '{{image}}' } },
    '11': { class_type: 'VAEEncode', inputs: { pixels: ['10', 0], vae: ['4', 2] } },
    '3': { ...graph['3']!, inputs: { ...graph['3']!.inputs, latent_image: ['11', 0] } },
  };
}
