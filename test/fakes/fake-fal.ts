import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { type RecordedRequest, sendFault, sendJson } from './fake-http-server.ts';
import { garbageBytes, renderFakePng, truncatedPng } from './fake-png.ts';
import { FakeProvider, type FakeProviderOptions } from './fake-provider.ts';

const presets: Record<string, [number, number]> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};

/** Ideogram's `aspect_ratio` input, as fal takes it, to pixel sizes. */
const ideogramSizes: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '16:9': [1312, 736],
  '9:16': [736, 1312],
  '4:3': [1152, 864],
  '3:4': [864, 1152],
  '3:2': [1248, 832],
  '2:3': [832, 1248],
  '16:10': [1280, 800],
  '10:16': [800, 1280],
  '3:1': [1536, 512],
  '1:3': [512, 1536],
};

/**
 * fal's synchronous endpoint: `POST /{model id}` with `Authorization: Key ...`, answering
 * `{ images: [{ url, width, height, content_type }], seed, timings, has_nsfw_concepts }`; the
 * image itself is downloaded from the URL. Content-policy refusals are a 422 with a
 * `content_policy_violation` detail.
 */
export class FakeFal extends FakeProvider {
  static start(options: FakeProviderOptions): Promise<FakeFal> {
    return FakeProvider.listen(new FakeFal(options));
  }

  get baseURL(): string {
    return this.origin;
  }

  /** Image downloads served. */
  get downloads(): number {
    return this.files.downloads;
  }

  protected async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    if (this.files.serve(request, response)) return;
    if (request.method !== 'POST') return sendJson(response, 404, { detail: 'Not Found' });
    if (!this.authorise(request, response, (message) => ({ detail: message }))) return;
    this.generationRequests.push(request);
    const body = request.json ?? {};
    const modelId = request.path.slice(1);
    let [width, height] = [1024, 768];
    if (typeof body.aspect_ratio === 'string' && /ideogram/.test(modelId)) {
      [width, height] = ideogramSizes[body.aspect_ratio] ?? [1024, 1024];
    } else if (typeof body.image_size === 'string') {
      [width, height] = presets[body.image_size] ?? [width, height];
    } else if (body.image_size && typeof body.image_size === 'object') {
      [width, height] = [Number(body.image_size.width), Number(body.image_size.height)];
    }
    // Upscalers (fal-ai/esrgan `scale`, fal-ai/clarity-upscaler `upscale_factor`) answer the
    // input image's size times the factor.
    if (typeof body.image_url === 'string' && /upscale|esrgan|aura-sr/.test(modelId)) {
      const factor = Number(body.scale ?? body.upscale_factor ?? body.upscaling_factor ?? 2);
      const input = await sharp(dataUriBytes(body.image_url)).metadata();
      [width, height] = [(input.width ?? 0) * factor, (input.height ?? 0) * factor];
    }
    const seed = typeof body.seed === 'number' ? body.seed : 123_456;
    const fault = this.takeFault(request);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'status')
      return sendFault(response, fault, (status) => ({ detail: `fake status ${status}` }));
    if (fault?.kind === 'refusal') {
      return sendJson(response, 422, {
        detail: [
          {
            loc: ['body', 'prompt'],
            msg: 'The prompt was flagged by the content policy checker.',
            type: 'content_policy_violation',
          },
        ],
      });
    }
    const bytes =
      fault?.kind === 'garbage'
        ? garbageBytes()
        : fault?.kind === 'truncated'
          ? await truncatedPng(width, height)
          : await this.lettered(await renderFakePng(width, height, seed), body.prompt);
    if (!fault) this.paidCalls++;
    sendJson(
      response,
      200,
      {
        images: [{ url: this.files.put(bytes, this.origin), width, height, content_type: 'image/png' }],
        seed,
        timings: { inference: 0.42 },
        has_nsfw_concepts: [false],
        prompt: body.prompt,
      },
      { 'x-fal-request-id': `fal-${this.generationRequests.length}` },
    );
  }
}

/** The bytes of a `data:...;base64,` URI (how @ai-sdk/fal sends input images). */
function dataUriBytes(uri: string): Buffer {
  return Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
}
