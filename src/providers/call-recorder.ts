import { AsyncLocalStorage } from 'node:async_hooks';

/** One HTTP request a provider made during a call, as far as Atelier needs it. */
export interface Exchange {
  readonly method: string;
  /** The URL without its query string (which may carry a key). */
  readonly url: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The parsed body of a JSON response, read from a clone once the provider has read it. */
  readonly json: Promise<unknown>;
}

/** Everything one call to a provider model sent and received. */
export interface CallRecord {
  readonly exchanges: Exchange[];
}

const storage = new AsyncLocalStorage<CallRecord>();

/** Runs a provider call with its HTTP traffic recorded into `record`. */
export function recordCall<T>(record: CallRecord, call: () => PromiseLike<T>): Promise<T> {
  return storage.run(record, async () => call());
}

/** Response headers kept in the record: request ids for support tickets and provenance. */
const keptHeaders = [
  'x-request-id',
  'x-fal-request-id',
  'request-id',
  'openai-processing-ms',
  'content-type',
];

/**
 * A fetch for provider packages that notes each request and JSON response in the record of
 * the call it belongs to (found through AsyncLocalStorage, so concurrent calls sharing one
 * provider keep separate records). This is how Atelier learns what a package does not pass
 * on: Replicate's model version, fal's seed, Imagen's content-filter reason.
 */
export function recordingFetch(base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    const record = storage.getStore();
    if (record) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      url.search = '';
      const headers: Record<string, string> = {};
      for (const name of keptHeaders) {
        const value = response.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      const isJson = (response.headers.get('content-type') ?? '').includes('json');
      const json = isJson
        ? response
            .clone()
            .json()
            .catch(() => undefined)
        : Promise.resolve(undefined);
      record.exchanges.push({
        method: init?.method ?? (input instanceof Request ? input.method : 'GET'),
        url: url.toString(),
        status: response.status,
        headers,
        json,
      });
    }
    return response;
  };
}
