import { APICallError } from '@ai-sdk/provider';
import type WebSocket from 'ws';
import { OutOfMemoryFailure } from '../provider-failure.ts';
import { describeNode, type WorkflowGraph } from './comfyui-workflow.ts';

/** What `/system_stats` reports (the parts Atelier reads). */
export interface ComfyuiSystemStats {
  system?: { comfyui_version?: string; python_version?: string; pytorch_version?: string };
  devices?: Array<{ name?: string; type?: string; vram_total?: number; vram_free?: number }>;
}

export interface ComfyuiImageReference {
  filename: string;
  subfolder: string;
  type: string;
}

export interface ComfyuiHistoryEntry {
  outputs?: Record<string, { images?: ComfyuiImageReference[] }>;
  status?: { status_str?: string; completed?: boolean; messages?: Array<[string, Record<string, unknown>]> };
}

/** A progress report from the `/ws` feed. */
export interface ComfyuiProgress {
  promptId: string;
  node: string | null;
  value: number;
  max: number;
}

interface ComfyuiMessage {
  type: string;
  data?: Record<string, unknown>;
}

/** A failure ComfyUI reported about the workflow (validation or execution): not worth retrying. */
export class ComfyuiWorkflowError extends Error {
  override readonly name = 'ComfyuiWorkflowError';
}

/** The server ran out of GPU memory (torch's OutOfMemoryError): retrying the same size fails again. */
export class ComfyuiOutOfMemoryError extends OutOfMemoryFailure {
  override readonly name = 'ComfyuiOutOfMemoryError';
}

const outOfMemoryPattern = /OutOfMemory|out of memory|CUDA error: out of memory|Allocation on device/i;

/** An `execution_error` as the error to throw: out-of-memory gets its own class. */
export function executionFailure(data: Record<string, unknown>, graph: WorkflowGraph): Error {
  const message = describeExecutionError(data, graph);
  const text = `${String(data.exception_type ?? '')} ${String(data.exception_message ?? '')}`;
  return outOfMemoryPattern.test(text)
    ? new ComfyuiOutOfMemoryError(message)
    : new ComfyuiWorkflowError(message);
}

/**
 * ComfyUI's HTTP and websocket API: `/system_stats`, `/upload/image`, `/prompt`,
 * `/ws?clientId=`, `/history/{id}`, `/view`, `/queue`. HTTP failures become the AI SDK's
 * `APICallError` (so 5xx and network errors are retried like any provider's); workflow
 * validation and execution errors become one readable message naming the node.
 */
export class ComfyuiClient {
  constructor(
    private readonly baseURL: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
    private readonly token?: string,
  ) {}

  private url(path: string): string {
    return `${this.baseURL.replace(/\/+$/, '')}${path}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  private async request(
    path: string,
    init: RequestInit & { signal?: AbortSignal },
    body?: unknown,
  ): Promise<Response> {
    const url = this.url(path);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        ...init,
        headers: this.headers(init.headers as Record<string, string>),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') throw error;
      throw new APICallError({
        message: `Cannot connect to ComfyUI at ${this.baseURL}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`,
        url,
        requestBodyValues: body,
        cause: error,
        isRetryable: true,
      });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new APICallError({
        message: `ComfyUI ${init.method ?? 'GET'} ${path} answered HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`,
        url,
        requestBodyValues: body,
        statusCode: response.status,
        responseHeaders: Object.fromEntries(response.headers),
        responseBody: text,
      });
    }
    return response;
  }

  /**
   * The files in a model folder (`checkpoints`, `loras`...) with their sizes, from
   * `/experiment/models/{folder}`; servers without it answer `/models/{folder}` with names only.
   * Undefined when the server has no such folder.
   */
  async modelFiles(
    folder: string,
    signal?: AbortSignal,
  ): Promise<Array<{ name: string; size?: number }> | undefined> {
    const path = encodeURIComponent(folder);
    try {
      const response = await this.request(`/experiment/models/${path}`, { signal });
      return ((await response.json()) as Array<{ name: string; size?: number }>).map(({ name, size }) => ({
        name,
        ...(typeof size === 'number' ? { size } : {}),
      }));
    } catch (error) {
      if (!APICallError.isInstance(error) || error.statusCode !== 404) throw error;
    }
    try {
      const response = await this.request(`/models/${path}`, { signal });
      return ((await response.json()) as string[]).map((name) => ({ name }));
    } catch (error) {
      if (APICallError.isInstance(error) && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** A safetensors file's header `__metadata__` (`/view_metadata/{folder}`); undefined when it has none. */
  async modelMetadata(
    folder: string,
    filename: string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | undefined> {
    if (!filename.endsWith('.safetensors')) return undefined;
    try {
      const query = new URLSearchParams({ filename });
      const response = await this.request(`/view_metadata/${encodeURIComponent(folder)}?${query}`, {
        signal,
      });
      return (await response.json()) as Record<string, unknown>;
    } catch (error) {
      if (APICallError.isInstance(error) && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async systemStats(signal?: AbortSignal): Promise<ComfyuiSystemStats> {
    return (await this.request('/system_stats', { signal })).json() as Promise<ComfyuiSystemStats>;
  }

  /** Uploads an input image for `LoadImage`; returns the name to put in the workflow. */
  async uploadImage(
    bytes: Uint8Array,
    filename: string,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const form = new FormData();
    form.append('image', new Blob([bytes], { type: mediaType }), filename);
    form.append('type', 'input');
    form.append('subfolder', 'atelier');
    form.append('overwrite', 'true');
    const response = await this.request('/upload/image', { method: 'POST', body: form, signal });
    const uploaded = (await response.json()) as { name: string; subfolder?: string };
    return uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
  }

  /** Queues a filled workflow. A validation failure (HTTP 400 with `node_errors`) reads as one message. */
  async queuePrompt(graph: WorkflowGraph, clientId: string, signal?: AbortSignal): Promise<string> {
    const body = { prompt: graph, client_id: clientId };
    const url = this.url('/prompt');
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') throw error;
      throw new APICallError({
        message: `Cannot connect to ComfyUI at ${this.baseURL}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`,
        url,
        requestBodyValues: undefined,
        cause: error,
        isRetryable: true,
      });
    }
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    if (response.status === 400 && json) throw new ComfyuiWorkflowError(describeValidationError(json, graph));
    if (!response.ok || typeof json?.prompt_id !== 'string') {
      throw new APICallError({
        message: `ComfyUI POST /prompt answered HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`,
        url,
        requestBodyValues: undefined,
        statusCode: response.ok ? 502 : response.status,
        responseHeaders: Object.fromEntries(response.headers),
        responseBody: text,
      });
    }
    return json.prompt_id;
  }

  async history(promptId: string, signal?: AbortSignal): Promise<ComfyuiHistoryEntry | undefined> {
    const all = (await (
      await this.request(`/history/${encodeURIComponent(promptId)}`, { signal })
    ).json()) as Record<string, ComfyuiHistoryEntry>;
    return all[promptId];
  }

  async view(image: ComfyuiImageReference, signal?: AbortSignal): Promise<Uint8Array> {
    const query = new URLSearchParams({
      filename: image.filename,
      subfolder: image.subfolder,
      type: image.type,
    });
    const response = await this.request(`/view?${query}`, { signal });
    return new Uint8Array(await response.arrayBuffer());
  }

  /**
   * Best effort: stops a prompt we no longer wait for, so the GPU is freed. A running prompt is
   * interrupted (`POST /interrupt` naming it, only after `/queue` shows it is the one running:
   * servers before named interrupts stop whatever runs); a queued one is deleted from the queue.
   */
  async cancel(promptId: string): Promise<void> {
    const post = (path: string, body: unknown) =>
      this.fetchImpl(this.url(path), {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(2000),
      }).catch(() => undefined);
    const queue = await this.fetchImpl(this.url('/queue'), {
      headers: this.headers(),
      signal: AbortSignal.timeout(2000),
    })
      .then((response) =>
        response.ok ? (response.json() as Promise<{ queue_running?: unknown[][] }>) : undefined,
      )
      .catch(() => undefined);
    if (queue?.queue_running?.some((item) => item[1] === promptId))
      await post('/interrupt', { prompt_id: promptId });
    await post('/queue', { delete: [promptId] });
  }

  /**
   * Opens the `/ws` feed for a client id; undefined when the server does not offer one. Use a
   * fresh id per prompt: ComfyUI keeps one socket per id, and an old socket closing after a new
   * one opened under the same id unregisters the new one (its events would be lost).
   */
  async openFeed(clientId: string, timeoutMs: number): Promise<ComfyuiFeed | undefined> {
    const url = new URL(this.url('/ws'));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('clientId', clientId);
    // The ws package loads with the first feed: only ComfyUI runs need it.
    const { default: WebSocketClient } = await import('ws');
    const socket = new WebSocketClient(url, { headers: this.headers() });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve(undefined);
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(new ComfyuiFeed(socket));
      });
      socket.once('error', () => {
        clearTimeout(timer);
        socket.terminate();
        resolve(undefined);
      });
    });
  }
}

/**
 * The `/ws` feed, opened before the prompt is queued so no event is missed; messages are kept
 * until the prompt id is known.
 */
export class ComfyuiFeed {
  private readonly buffered: ComfyuiMessage[] = [];
  private listener: ((message: ComfyuiMessage) => void) | undefined;
  private closedListener: (() => void) | undefined;
  closed = false;

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      // Binary frames are live previews; only JSON events matter here.
      if (isBinary) return;
      let message: ComfyuiMessage;
      try {
        message = JSON.parse(data.toString()) as ComfyuiMessage;
      } catch {
        return;
      }
      if (this.listener) this.listener(message);
      else this.buffered.push(message);
    });
    socket.on('close', () => {
      this.closed = true;
      this.closedListener?.();
    });
    socket.on('error', () => undefined);
  }

  /**
   * Resolves when the prompt finishes, rejects with a readable message when it fails. Resolves
   * `'lost'` if the feed closes first, so the caller can fall back to polling.
   */
  waitFor(
    promptId: string,
    graph: WorkflowGraph,
    onProgress: ((progress: ComfyuiProgress) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<'done' | 'lost'> {
    return new Promise((resolve, reject) => {
      const finish = (outcome: () => void) => {
        this.listener = undefined;
        this.closedListener = undefined;
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = () => finish(() => reject(signal!.reason));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const handle = (message: ComfyuiMessage) => {
        const data = message.data ?? {};
        if (data.prompt_id !== promptId) return;
        switch (message.type) {
          case 'progress':
            onProgress?.({
              promptId,
              node: typeof data.node === 'string' ? data.node : null,
              value: Number(data.value),
              max: Number(data.max),
            });
            break;
          case 'executing':
            if (data.node === null) finish(() => resolve('done'));
            break;
          case 'execution_success':
            finish(() => resolve('done'));
            break;
          case 'execution_error':
            finish(() => reject(executionFailure(data, graph)));
            break;
          case 'execution_interrupted':
            finish(() =>
              reject(
                new ComfyuiWorkflowError(
                  `ComfyUI interrupted the prompt at ${describeNode(graph, String(data.node_id ?? '?'), data.node_type as string | undefined)}`,
                ),
              ),
            );
            break;
          default:
            break;
        }
      };
      this.listener = handle;
      this.closedListener = () => finish(() => resolve('lost'));
      for (const message of this.buffered.splice(0)) {
        if (this.listener !== handle) break;
        handle(message);
      }
      if (this.closed && this.listener === handle) finish(() => resolve('lost'));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** `400 {error, node_errors}` from `/prompt` as one line naming each failing node. */
export function describeValidationError(body: Record<string, unknown>, graph: WorkflowGraph): string {
  const error = (body.error ?? {}) as { message?: string; details?: string };
  const nodeErrors = (body.node_errors ?? {}) as Record<
    string,
    { class_type?: string; errors?: Array<{ message?: string; details?: string }> }
  >;
  const parts = Object.entries(nodeErrors).map(([id, node]) => {
    const problems = (node.errors ?? []).map((item) =>
      [item.message, item.details].filter((text) => text && text.trim() !== '').join(': '),
    );
    return `${describeNode(graph, id, node.class_type)}: ${problems.join('; ') || 'invalid'}`;
  });
  const headline = error.message ?? 'the workflow is invalid';
  const detail = parts.length > 0 ? parts.join('; ') : (error.details ?? '');
  return `ComfyUI rejected the workflow (${headline})${detail ? `: ${detail}` : ''}`;
}

/** An `execution_error` event (or history message) as one line naming the node. */
export function describeExecutionError(data: Record<string, unknown>, graph: WorkflowGraph): string {
  const node = describeNode(graph, String(data.node_id ?? '?'), data.node_type as string | undefined);
  const type = typeof data.exception_type === 'string' ? `${data.exception_type}: ` : '';
  const message = String(data.exception_message ?? 'unknown error').trim();
  return `ComfyUI failed at ${node}: ${type}${message}`;
}
