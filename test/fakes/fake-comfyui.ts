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

export interface FakeComfyuiOptions {
  /** Checkpoint files the server has; a workflow loading another fails validation. */
  readonly checkpoints?: readonly string[];
  /** GPU memory reported by `/system_stats`. */
  readonly vramBytes?: number;
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

const knownNodes = new Set([
  'CheckpointLoaderSimple',
  'CLIPTextEncode',
  'EmptyLatentImage',
  'KSampler',
  'VAEDecode',
  'VAEEncode',
  'SaveImage',
  'LoadImage',
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
  private readonly history = new Map<string, HistoryEntry>();
  private readonly outputs = new Map<string, Uint8Array>();
  private readonly sockets = new Map<string, WebSocket>();
  private http!: FakeHttpServer;
  private websocketServer!: WebSocketServer;

  private constructor(readonly options: FakeComfyuiOptions) {}

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
            vram_total: this.options.vramBytes ?? 12 * 1024 ** 3,
            vram_free: (this.options.vramBytes ?? 12 * 1024 ** 3) * 0.9,
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

  private validate(graph: Record<string, NodeLike>): Record<string, unknown> {
    const errors: Record<string, unknown> = {};
    const available = this.options.checkpoints ?? ['sd_xl_base_1.0.safetensors'];
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
      if (
        node.class_type === 'CheckpointLoaderSimple' &&
        !available.includes(String(node.inputs.ckpt_name))
      ) {
        problems.push({
          type: 'value_not_in_list',
          message: 'Value not in list',
          details: `ckpt_name: '${String(node.inputs.ckpt_name)}' not in ${JSON.stringify(available)}`,
          extra_info: { input_name: 'ckpt_name' },
        });
      }
      if (node.class_type === 'KSampler' && !Number.isInteger(node.inputs.seed)) {
        problems.push({
          type: 'invalid_input_type',
          message: 'Failed to convert an input value to a INT value',
          details: `seed, ${String(node.inputs.seed)}`,
          extra_info: { input_name: 'seed' },
        });
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

  private async execute(
    id: string,
    clientId: string,
    graph: Record<string, NodeLike>,
    fault: ComfyuiFault | undefined,
  ) {
    const entries = Object.entries(graph);
    const sampler = entries.find(([, node]) => node.class_type === 'KSampler');
    const latent = entries.find(([, node]) => node.class_type === 'EmptyLatentImage')?.[1];
    const loaded = entries.find(([, node]) => node.class_type === 'LoadImage')?.[1];
    const saver = entries.find(([, node]) => node.class_type === 'SaveImage');
    this.send(clientId, 'execution_start', { prompt_id: id, timestamp: Date.now() });
    this.send(clientId, 'execution_cached', { nodes: [], prompt_id: id, timestamp: Date.now() });
    // A live preview frame, which clients must ignore.
    this.sockets.get(clientId)?.send(Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]));
    for (const [nodeId] of entries) {
      await sleep(2);
      this.send(clientId, 'executing', { node: nodeId, display_node: nodeId, prompt_id: id });
      if (sampler && nodeId === sampler[0]) {
        if (fault?.kind === 'execution-error') {
          const data = {
            prompt_id: id,
            node_id: nodeId,
            node_type: 'KSampler',
            executed: [],
            exception_message: fault.message ?? 'CUDA out of memory. Tried to allocate 20.00 GiB',
            exception_type: 'torch.OutOfMemoryError',
            traceback: ['Traceback (most recent call last):', '  ...'],
            current_inputs: {},
            current_outputs: {},
          };
          this.send(clientId, 'execution_error', data);
          this.history.set(id, {
            prompt: [],
            outputs: {},
            status: { status_str: 'error', completed: false, messages: [['execution_error', data]] },
          });
          return;
        }
        const steps = Number(sampler[1].inputs.steps ?? 1);
        for (let step = 1; step <= Math.min(steps, 3); step++) {
          this.send(clientId, 'progress', { value: step, max: steps, prompt_id: id, node: nodeId });
        }
      }
    }
    let width = Number(latent?.inputs.width ?? 512);
    let height = Number(latent?.inputs.height ?? 512);
    if (loaded) {
      const metadata = await sharp(this.uploads.get(String(loaded.inputs.image))!).metadata();
      width = metadata.width ?? width;
      height = metadata.height ?? height;
    }
    const seed = Number(sampler?.[1].inputs.seed ?? 0);
    const bytes = fault?.kind === 'garbage' ? garbageBytes() : await renderFakePng(width, height, seed);
    const filename = `atelier_${String(this.prompts.length).padStart(5, '0')}_.png`;
    this.outputs.set(filename, bytes);
    const saverId = saver?.[0] ?? '9';
    const images = [{ filename, subfolder: '', type: 'output' }];
    this.history.set(id, {
      prompt: [],
      outputs: { [saverId]: { images } },
      status: {
        status_str: 'success',
        completed: true,
        messages: [['execution_success', { prompt_id: id }]],
      },
    });
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
