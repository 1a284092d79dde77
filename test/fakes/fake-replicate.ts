import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { type RecordedRequest, sendFault, sendJson } from './fake-http-server.ts';
import { garbageBytes, renderFakePng, truncatedPng } from './fake-png.ts';
import { FakeProvider, type FakeProviderOptions } from './fake-provider.ts';

/** SD3.5's `aspect_ratio` input to pixel sizes (it takes no width or height). */
const stabilitySizes: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '21:9': [1536, 640],
  '3:2': [1216, 832],
  '2:3': [832, 1216],
  '4:5': [896, 1088],
  '5:4': [1088, 896],
  '3:4': [896, 1152],
  '4:3': [1152, 896],
  '9:16': [768, 1344],
  '9:21': [640, 1536],
};

/** The version the fake reports for models called without one (Replicate's "latest"). */
export const fakeLatestVersion = '5a9c0b7e1f2d3c4b5a6978877665544332211000ffeeddccbbaa998877665544';

/**
 * Replicate's predictions API: `POST /v1/models/{owner}/{name}/predictions` (latest version)
 * or `POST /v1/predictions` with `version` in the body, `Prefer: wait` for a synchronous
 * answer `{ id, version, status, output: [url], logs, metrics }`. A refused prediction comes
 * back as `status: "failed"` with the safety checker's message.
 */
export class FakeReplicate extends FakeProvider {
  static start(options: FakeProviderOptions): Promise<FakeReplicate> {
    return FakeProvider.listen(new FakeReplicate(options));
  }

  get baseURL(): string {
    return `${this.origin}/v1`;
  }

  protected async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    if (this.files.serve(request, response)) return;
    const modelInfo = /^\/v1\/models\/([^/]+)\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && modelInfo) return this.describeModel(request, response, modelInfo);
    const modelRoute = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(request.path);
    const versionRoute = request.path === '/v1/predictions';
    if (request.method !== 'POST' || (!modelRoute && !versionRoute)) {
      return sendJson(response, 404, { detail: 'Not found.' });
    }
    if (
      !this.authorise(request, response, (message) => ({
        title: 'Unauthenticated',
        detail: message,
        status: 401,
      }))
    ) {
      return;
    }
    this.generationRequests.push(request);
    const input = request.json?.input ?? {};
    const model = modelRoute ? `${modelRoute[1]}/${modelRoute[2]}` : 'stability-ai/sdxl';
    const version = versionRoute ? String(request.json?.version) : this.latestVersion;
    let [width, height] = [1024, 1024];
    if (typeof input.width === 'number' && typeof input.height === 'number')
      [width, height] = [input.width, input.height];
    else if (typeof input.aspect_ratio === 'string')
      [width, height] = stabilitySizes[input.aspect_ratio] ?? [1024, 1024];
    if (typeof input.image === 'string' && typeof input.scale === 'number') {
      // An upscaler (nightmareai/real-esrgan): the input image's size times `scale`.
      const source = await sharp(
        Buffer.from(input.image.slice(input.image.indexOf(',') + 1), 'base64'),
      ).metadata();
      [width, height] = [(source.width ?? 0) * input.scale, (source.height ?? 0) * input.scale];
    }
    const seed = typeof input.seed === 'number' ? input.seed : 4242;
    const id = `pred${this.generationRequests.length}`;
    const prediction = { id, model, version, input, urls: { get: `${this.baseURL}/predictions/${id}` } };
    const fault = this.takeFault(request);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'status')
      return sendFault(response, fault, (status) => ({ detail: `fake status ${status}` }));
    if (fault?.kind === 'refusal') {
      return sendJson(response, 201, {
        ...prediction,
        status: 'failed',
        output: null,
        error: 'NSFW content detected. Try running it again, or try a different prompt.',
        logs: `Using seed: ${seed}\n`,
      });
    }
    const bytes =
      fault?.kind === 'garbage'
        ? garbageBytes()
        : fault?.kind === 'truncated'
          ? await truncatedPng(width, height)
          : await this.lettered(await renderFakePng(width, height, seed), input.prompt);
    if (!fault) this.paidCalls++;
    sendJson(response, 201, {
      ...prediction,
      status: 'succeeded',
      output: [this.files.put(bytes, this.origin)],
      error: null,
      logs: `Using seed: ${seed}\nsampling...\n`,
      metrics: { predict_time: 1.25 },
    });
  }

  /** Models looked up (`GET /v1/models/{owner}/{name}`), e.g. by `atelier lock`. */
  readonly modelLookups: string[] = [];
  /** What the fake reports as every model's latest version (a test may move it on). */
  latestVersion = fakeLatestVersion;

  /** `GET /v1/models/{owner}/{name}`: the model with its `latest_version`, as Replicate describes it. */
  private describeModel(request: RecordedRequest, response: ServerResponse, match: RegExpExecArray): void {
    if (
      !this.authorise(request, response, (message) => ({
        title: 'Unauthenticated',
        detail: message,
        status: 401,
      }))
    ) {
      return;
    }
    const [owner, name] = [match[1]!, match[2]!];
    this.modelLookups.push(`${owner}/${name}`);
    sendJson(response, 200, {
      url: `https://replicate.com/${owner}/${name}`,
      owner,
      name,
      visibility: 'public',
      latest_version: { id: this.latestVersion, created_at: '2026-01-01T00:00:00.000Z' },
    });
  }
}
