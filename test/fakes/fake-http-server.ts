import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake received, with its body read and parsed where it is JSON or multipart. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly json: any;
  /** Multipart fields: text as strings, files as `{ filename, type, bytes }`. */
  readonly form: Record<string, string | FormFile | Array<string | FormFile>> | undefined;
}

export interface FormFile {
  filename: string;
  type: string;
  bytes: Uint8Array;
}

/**
 * A failure to inject into the next paid request. `status` answers with that status, headers
 * and (provider-shaped, unless given) body; `hang` never answers; `garbage` and `truncated`
 * answer "successfully" with bytes that are not a whole image; `refusal` is the provider's own
 * content-policy answer.
 */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'hang' }
  | { kind: 'garbage' }
  | { kind: 'truncated' }
  | { kind: 'refusal' };

export type Handler = (request: RecordedRequest, response: ServerResponse) => Promise<void> | void;

/**
 * A local HTTP server on 127.0.0.1 with an ephemeral port that records every request. Provider
 * fakes build on it; hanging responses are cut when it closes.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private constructor(
    readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(handler: Handler): Promise<FakeHttpServer> {
    let fake: FakeHttpServer | undefined;
    const server = createServer((incoming, response) => {
      void receive(incoming).then(async (request) => {
        fake!.requests.push(request);
        try {
          await handler(request, response);
        } catch (error) {
          if (!response.headersSent) sendJson(response, 500, { error: { message: String(error) } });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeHttpServer(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function receive(incoming: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
  const type = incoming.headers['content-type'] ?? '';
  let json: unknown;
  let form: RecordedRequest['form'];
  if (type.includes('json') && body.length > 0) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = undefined;
    }
  } else if (type.includes('multipart/form-data')) {
    form = await parseMultipart(body, type);
  }
  return {
    method: incoming.method ?? 'GET',
    path: url.pathname,
    url,
    headers: incoming.headers,
    body,
    json,
    form,
  };
}

async function parseMultipart(body: Buffer, contentType: string): Promise<RecordedRequest['form']> {
  const data = await new Request('http://127.0.0.1/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  }).formData();
  const form: NonNullable<RecordedRequest['form']> = {};
  for (const [key, value] of data.entries()) {
    const entry: string | FormFile =
      typeof value === 'string'
        ? value
        : { filename: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) };
    const existing = form[key];
    form[key] =
      existing === undefined ? entry : Array.isArray(existing) ? [...existing, entry] : [existing, entry];
  }
  return form;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function sendBytes(response: ServerResponse, bytes: Uint8Array, type = 'image/png'): void {
  response.writeHead(200, { 'content-type': type, 'content-length': bytes.byteLength });
  response.end(bytes);
}

/** Answers a `status` fault: the given body, or the provider-shaped one. */
export function sendFault(
  response: ServerResponse,
  fault: Extract<Fault, { kind: 'status' }>,
  providerBody: (status: number) => unknown,
): void {
  sendJson(response, fault.status, fault.body ?? providerBody(fault.status), fault.headers);
}

/** Serves generated files at `/files/<id>` (fal and Replicate hand out URLs, not bytes). */
export class FileShelf {
  private readonly files = new Map<string, Uint8Array>();
  private next = 0;
  downloads = 0;

  put(bytes: Uint8Array, origin: string): string {
    const id = `${++this.next}-${Math.random().toString(36).slice(2, 8)}.png`;
    this.files.set(id, bytes);
    return `${origin}/files/${id}`;
  }

  /** Serves the request if it is a file download; false otherwise. */
  serve(request: RecordedRequest, response: ServerResponse): boolean {
    if (request.method !== 'GET' || !request.path.startsWith('/files/')) return false;
    const bytes = this.files.get(request.path.slice('/files/'.length));
    if (!bytes) sendJson(response, 404, { detail: 'not found' });
    else {
      this.downloads++;
      sendBytes(response, bytes);
    }
    return true;
  }
}

/** The bearer-style credential a request carried, whatever the scheme. */
export function credentialOf(headers: IncomingHttpHeaders, header = 'authorization'): string | undefined {
  const value = headers[header];
  if (typeof value !== 'string') return undefined;
  return value.replace(/^(Bearer|Key)\s+/i, '');
}
