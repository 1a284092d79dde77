import type { ServerResponse } from 'node:http';
import { type FormFile, type RecordedRequest, sendFault, sendJson } from './fake-http-server.ts';
import { garbageBytes, renderFakePng, truncatedPng } from './fake-png.ts';
import { FakeProvider, type FakeProviderOptions } from './fake-provider.ts';

const errorBody = (message: string, code: string | null = null, type = 'invalid_request_error') => ({
  error: { message, type, param: null, code },
});

/**
 * OpenAI's Images API: `POST /v1/images/generations` (JSON) and `POST /v1/images/edits`
 * (multipart), answering `{ created, data: [{ b64_json, revised_prompt }] }` with real PNGs.
 */
export class FakeOpenai extends FakeProvider {
  static start(options: FakeProviderOptions): Promise<FakeOpenai> {
    return FakeProvider.listen(new FakeOpenai(options));
  }

  get baseURL(): string {
    return `${this.origin}/v1`;
  }

  /** The edits requests' multipart fields. */
  get editForms(): Array<NonNullable<RecordedRequest['form']>> {
    return this.generationRequests.filter((request) => request.form).map((request) => request.form!);
  }

  protected async handle(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const isGeneration = request.method === 'POST' && request.path === '/v1/images/generations';
    const isEdit = request.method === 'POST' && request.path === '/v1/images/edits';
    if (!isGeneration && !isEdit) return sendJson(response, 404, errorBody(`Unknown route ${request.path}`));
    if (!this.authorise(request, response, (message) => errorBody(message, 'invalid_api_key'))) return;
    this.generationRequests.push(request);
    const fields = isGeneration ? request.json : request.form;
    const prompt = String(fields?.prompt ?? '');
    const size = String(fields?.size ?? '1024x1024');
    const [width, height] = size.split('x').map(Number) as [number, number];
    const fault = this.takeFault(request);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'status')
      return sendFault(response, fault, (status) => errorBody(`fake status ${status}`, null, 'server_error'));
    if (fault?.kind === 'refusal') {
      return sendJson(
        response,
        400,
        errorBody(
          'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
          'content_policy_violation',
        ),
      );
    }
    if (isEdit && !(request.form?.image as FormFile | undefined)?.bytes) {
      return sendJson(response, 400, errorBody("Missing required parameter: 'image'."));
    }
    const bytes =
      fault?.kind === 'garbage'
        ? garbageBytes()
        : fault?.kind === 'truncated'
          ? await truncatedPng(width, height)
          : await this.lettered(await renderFakePng(width, height, prompt.length), prompt);
    if (!fault) this.paidCalls++;
    sendJson(
      response,
      200,
      {
        created: 1_700_000_000,
        data: [
          {
            b64_json: Buffer.from(bytes).toString('base64'),
            revised_prompt: `A detailed rendering of ${prompt}`,
          },
        ],
        size,
        quality: fields?.quality ?? 'standard',
      },
      { 'x-request-id': `req_${this.generationRequests.length}` },
    );
  }
}
