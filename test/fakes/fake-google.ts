import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendFault, sendJson } from './fake-http-server.ts';
import { garbageBytes, renderFakePng, truncatedPng } from './fake-png.ts';
import { FakeProvider, type FakeProviderOptions } from './fake-provider.ts';

/** Imagen's output sizes per aspect ratio. */
export const imagenSizes: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '3:4': [896, 1280],
  '4:3': [1280, 896],
  '9:16': [768, 1408],
  '16:9': [1408, 768],
};

const errorBody = (code: number, message: string, status = 'INVALID_ARGUMENT') => ({
  error: { code, message, status },
});

/**
 * The Gemini API's Imagen endpoint: `POST /v1beta/models/{model}:predict` with the key in
 * `x-goog-api-key`, answering `{ predictions: [{ bytesBase64Encoded, mimeType }] }`; a
 * content-filtered image comes back as `{ raiFilteredReason }` instead.
 */
export class FakeGoogle extends FakeProvider {
  static start(options: FakeProviderOptions): Promise<FakeGoogle> {
    return FakeProvider.listen(new FakeGoogle(options));
  }

  get baseURL(): string {
    return `${this.origin}/v1beta`;
  }

  protected async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const match = /^\/v1beta\/models\/([^/:]+):predict$/.exec(request.path);
    if (request.method !== 'POST' || !match)
      return sendJson(response, 404, errorBody(404, 'Not found', 'NOT_FOUND'));
    if (
      !this.authorise(
        request,
        response,
        (message) => errorBody(400, `API key not valid. ${message}`),
        'x-goog-api-key',
      )
    ) {
      return;
    }
    this.generationRequests.push(request);
    const parameters = request.json?.parameters ?? {};
    const [width, height] = imagenSizes[String(parameters.aspectRatio ?? '1:1')] ?? [1024, 1024];
    const fault = this.takeFault(request);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'status')
      return sendFault(response, fault, (status) => errorBody(status, 'fake failure', 'UNAVAILABLE'));
    if (fault?.kind === 'refusal') {
      return sendJson(response, 200, {
        predictions: [
          {
            raiFilteredReason:
              "Unable to show generated images. All images were filtered out because they violated Vertex AI's usage guidelines.",
          },
        ],
      });
    }
    const count = Number(parameters.sampleCount ?? 1);
    const predictions = [];
    for (let index = 0; index < count; index++) {
      const bytes =
        fault?.kind === 'garbage'
          ? garbageBytes()
          : fault?.kind === 'truncated'
            ? await truncatedPng(width, height)
            : await this.lettered(
                await renderFakePng(width, height, index),
                request.json?.instances?.[0]?.prompt,
              );
      predictions.push({ bytesBase64Encoded: Buffer.from(bytes).toString('base64'), mimeType: 'image/png' });
    }
    if (!fault) this.paidCalls++;
    sendJson(response, 200, { predictions });
  }
}
