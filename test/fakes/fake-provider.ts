import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { letterText } from '../doubles/lettering-image-model.ts';
import {
  credentialOf,
  FakeHttpServer,
  type Fault,
  FileShelf,
  type RecordedRequest,
  sendJson,
} from './fake-http-server.ts';

export interface FakeProviderOptions {
  /** The key the fake accepts; any other gets the provider's 401. */
  readonly apiKey: string;
  /**
   * Quote the credential the request carried in error bodies, as a misbehaving proxy might:
   * for tests proving keys never reach logs, manifests or error output.
   */
  readonly echoCredentials?: boolean;
  /** Time each answer takes, so concurrency and rate limits can be observed. */
  readonly latencyMs?: number;
  /**
   * Letter the text quoted in a prompt onto the image, as typography-capable models do (DALL·E 3,
   * Ideogram, Imagen), so the headline can be read back.
   */
  readonly lettersQuotedText?: boolean;
}

/**
 * What every provider fake shares: a recorded HTTP server on 127.0.0.1, a queue of faults for
 * the paid endpoint, a count of paid calls (generation requests answered with an image), and
 * a shelf of generated files for providers that answer with URLs.
 */
export abstract class FakeProvider {
  readonly faults: Fault[] = [];
  /** Requests to the paid generation endpoint, faulty or not. */
  readonly generationRequests: RecordedRequest[] = [];
  /** Generation requests answered with an image: what the provider would bill. */
  paidCalls = 0;
  /** Most requests the fake was answering at the same time. */
  maxInFlight = 0;
  /** When each request arrived (ms, performance clock). */
  readonly arrivals: number[] = [];
  private inFlight = 0;
  protected readonly files = new FileShelf();
  protected http!: FakeHttpServer;

  protected constructor(readonly options: FakeProviderOptions) {}

  protected static async listen<T extends FakeProvider>(fake: T): Promise<T> {
    fake.http = await FakeHttpServer.start(async (request, response) => {
      fake.arrivals.push(performance.now());
      fake.inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
      const settle = () => {
        fake.inFlight--;
      };
      response.once('close', settle);
      if (fake.options.latencyMs) await sleep(fake.options.latencyMs);
      await fake.handle(request, response);
    });
    return fake;
  }

  /** Scheme, host and port of the fake. */
  get origin(): string {
    return this.http.origin;
  }

  /** What to set as the provider's `baseURL` in the config. */
  abstract get baseURL(): string;

  get requests(): readonly RecordedRequest[] {
    return this.http.requests;
  }

  /** Faults for the next paid requests, in order. */
  inject(...faults: Fault[]): this {
    this.faults.push(...faults);
    return this;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The image with the prompt's quoted text lettered on it, when the fake was asked to letter. */
  protected async lettered(bytes: Uint8Array, prompt: unknown): Promise<Uint8Array> {
    const quoted = typeof prompt === 'string' ? /"([^"]+)"/.exec(prompt)?.[1] : undefined;
    return this.options.lettersQuotedText && quoted ? letterText(bytes, quoted) : bytes;
  }

  protected abstract handle(request: RecordedRequest, response: ServerResponse): Promise<void> | void;

  /** Checks the credential; answers the provider's 401 and returns false when it is wrong. */
  protected authorise(
    request: RecordedRequest,
    response: ServerResponse,
    body: (message: string) => unknown,
    header = 'authorization',
  ): boolean {
    const credential = credentialOf(request.headers, header);
    if (credential === this.options.apiKey) return true;
    const shown = this.options.echoCredentials
      ? String(request.headers[header])
      : `${String(credential).slice(0, 4)}***`;
    sendJson(response, 401, body(`Incorrect API key provided: ${shown}`));
    return false;
  }

  /** The next injected fault, quoting the credential in its body when asked to. */
  protected takeFault(request: RecordedRequest): Fault | undefined {
    const fault = this.faults.shift();
    if (fault?.kind === 'status' && this.options.echoCredentials && fault.body === undefined) {
      return {
        ...fault,
        body: {
          error: {
            message: `upstream failed for ${String(request.headers.authorization ?? request.headers['x-goog-api-key'])}`,
          },
        },
      };
    }
    return fault;
  }
}
