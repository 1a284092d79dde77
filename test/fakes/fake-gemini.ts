import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  type FakeChatCompletionsOptions,
  listedQuestions,
  promptOf,
  tokenize,
} from './fake-chat-completions.ts';
import { FakeHttpServer, type RecordedRequest, sendJson } from './fake-http-server.ts';

/** The judge's questions and answers, as for the Chat Completions fake; the key is required. */
export type FakeGeminiOptions = Omit<FakeChatCompletionsOptions, 'apiKey' | 'logprobs'> & {
  /** The key callers must send as `x-goog-api-key`. */
  apiKey: string;
};

/**
 * A failure for the next call: an HTTP status (a 429 may say how long to wait, as a quota error
 * does, in a `google.rpc.RetryInfo` detail such as `"27s"`), or a 200 whose text is not the JSON
 * the `responseSchema` asked for.
 */
export type GeminiFault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; retryDelay?: string }
  | { kind: 'malformed' };

/** google.rpc.Status, the body of every Gemini API error. */
const errorBody = (code: number, status: string, message: string, details?: unknown[]) => ({
  error: { code, message, status, ...(details ? { details } : {}) },
});

const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/**
 * The Gemini API's `POST /v1beta/models/{model}:generateContent` as a vision-language judge, for
 * `@ai-sdk/google`: the key in `x-goog-api-key`; `contents[].parts` with `text` and `inlineData`
 * (`{ mimeType, data }` base64) parts and `systemInstruction`; `generationConfig` with
 * `responseMimeType: application/json` and an OpenAPI `responseSchema`, answered with JSON in
 * `candidates[0].content.parts[].text`; `usageMetadata` with prompt tokens split by modality
 * (an image is 258 tokens, or 258 per 768-pixel tile when a side exceeds 384). When
 * `generationConfig.responseLogprobs` is true the candidate carries `avgLogprobs` and
 * `logprobsResult` (`chosenCandidates` per decoding step and, when `generationConfig.logprobs`
 * asks for alternatives, `topCandidates`), each `{ token, tokenId, logProbability }`. A request
 * with an image is answering questions; one without is writing them from the prompt.
 */
export class FakeGemini {
  readonly calls: RecordedRequest[] = [];
  /** Requests answered 200 with a well-formed answer. */
  answered = 0;
  answeringCalls = 0;
  private readonly faults: GeminiFault[] = [];

  private constructor(
    private readonly server: FakeHttpServer,
    private readonly options: FakeGeminiOptions,
  ) {}

  static async start(options: FakeGeminiOptions): Promise<FakeGemini> {
    let fake: FakeGemini | undefined;
    const server = await FakeHttpServer.start((request, response) => fake!.handle(request, response));
    fake = new FakeGemini(server, options);
    return fake;
  }

  get baseURL(): string {
    return `${this.server.origin}/v1beta`;
  }

  /** Every generateContent request body, in order. */
  get bodies(): any[] {
    return this.calls.map((request) => request.json);
  }

  failNext(...faults: GeminiFault[]): void {
    this.faults.push(...faults);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(request: RecordedRequest, response: ServerResponse): void {
    const match = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(request.path);
    if (request.method !== 'POST' || !match) {
      sendJson(response, 404, errorBody(404, 'NOT_FOUND', `Unknown route ${request.path}`));
      return;
    }
    if (request.headers['x-goog-api-key'] !== this.options.apiKey) {
      sendJson(
        response,
        400,
        errorBody(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.'),
      );
      return;
    }
    this.calls.push(request);
    const invalid = (message: string) => sendJson(response, 400, errorBody(400, 'INVALID_ARGUMENT', message));
    const body = request.json;
    const config = body?.generationConfig ?? {};
    if (!Array.isArray(body?.contents) || body.contents.length === 0) {
      invalid('* GenerateContentRequest.contents: contents is not specified');
      return;
    }
    if (config.responseMimeType !== 'application/json' || typeof config.responseSchema !== 'object') {
      invalid('expected responseMimeType application/json with a responseSchema');
      return;
    }
    if (config.logprobs !== undefined && config.responseLogprobs !== true) {
      invalid('logprobs is only valid when responseLogprobs is true');
      return;
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'status') {
      const status = statusNames[fault.status] ?? 'UNKNOWN';
      // The API's own words for a rate limit; other statuses say what they are.
      const message =
        fault.status === 429
          ? 'Resource has been exhausted (e.g. check quota).'
          : `fake status ${fault.status}`;
      const details = fault.retryDelay
        ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: fault.retryDelay }]
        : undefined;
      sendJson(response, fault.status, errorBody(fault.status, status, message, details), fault.headers);
      return;
    }
    const parts: any[] = body.contents.flatMap((content: any) => content.parts ?? []);
    const text = parts
      .filter((part) => typeof part.text === 'string')
      .map((part) => part.text)
      .join('\n');
    const image = parts.find((part) => part.inlineData)?.inlineData;
    const pYesByAnswer: number[] = [];
    let content: string;
    if (fault?.kind === 'malformed') {
      content = 'Sure! The answers are: yes, yes, no.';
    } else if (image) {
      if (!/^image\//.test(String(image.mimeType)) || typeof image.data !== 'string') {
        invalid('inlineData needs an image mimeType and base64 data');
        return;
      }
      const imageSha256 = createHash('sha256').update(Buffer.from(image.data, 'base64')).digest('hex');
      const call = ++this.answeringCalls;
      const answers = listedQuestions(text).map((item) => ({
        ...item,
        ...this.options.answer({ call, imageSha256, ...item }),
      }));
      content = JSON.stringify({ answers: answers.map(({ id, answer }) => ({ id, answer })) });
      pYesByAnswer.push(...answers.map((answer) => answer.pYes));
    } else {
      content = JSON.stringify({ questions: this.options.questions(promptOf(text)) });
    }
    const tokens = tokenize(content);
    const systemText = (body.systemInstruction?.parts ?? []).map((part: any) => part.text ?? '').join('');
    const textTokens = Math.ceil((text.length + systemText.length) / 4);
    const imageTokenCount = image ? imageTokens(Buffer.from(image.data, 'base64')) : 0;
    if (!fault) this.answered++;
    const logprobs =
      config.responseLogprobs === true
        ? logprobsResult(tokens, pYesByAnswer, Number(config.logprobs ?? 0))
        : {};
    sendJson(response, 200, {
      candidates: [
        {
          content: { parts: [{ text: content }], role: 'model' },
          finishReason: 'STOP',
          index: 0,
          ...logprobs,
        },
      ],
      usageMetadata: {
        promptTokenCount: textTokens + imageTokenCount,
        candidatesTokenCount: tokens.length,
        totalTokenCount: textTokens + imageTokenCount + tokens.length,
        promptTokensDetails: [
          { modality: 'TEXT', tokenCount: textTokens },
          ...(image ? [{ modality: 'IMAGE', tokenCount: imageTokenCount }] : []),
        ],
      },
      modelVersion: this.options.responseModel ?? match[1],
      responseId: `fake-gemini-${this.calls.length}`,
    });
  }
}

/** Gemini's image accounting: 258 tokens when both sides fit 384 pixels, else 258 per 768-pixel tile. */
function imageTokens(png: Buffer): number {
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  if (width <= 384 && height <= 384) return 258;
  return 258 * Math.ceil(width / 768) * Math.ceil(height / 768);
}

const tokenIdOf = (token: string) => createHash('sha256').update(token).digest().readUInt32BE(0) % 256_000;

/**
 * `avgLogprobs` and `logprobsResult` for the answer's tokens: each answer value (`yes`/`no` after
 * `"answer":"`) has both words among its top candidates with the configured P(yes); every other
 * token is certain.
 */
function logprobsResult(tokens: string[], pYesByAnswer: number[], top: number) {
  const candidate = (token: string, logProbability: number) => ({
    token,
    tokenId: tokenIdOf(token),
    logProbability,
  });
  const logOf = (p: number) => (p > 0 ? Math.log(p) : -1e4);
  let text = '';
  let answerIndex = 0;
  const steps = tokens.map((token) => {
    const isAnswer = /"answer":"$/.test(text) && (token === 'yes' || token === 'no');
    text += token;
    if (!isAnswer) return { chosen: candidate(token, 0), top: [candidate(token, 0)] };
    const pYes = pYesByAnswer[answerIndex++] ?? (token === 'yes' ? 1 : 0);
    const alternatives = [candidate('yes', logOf(pYes)), candidate('no', logOf(1 - pYes))].sort(
      (a, b) => b.logProbability - a.logProbability,
    );
    return { chosen: candidate(token, logOf(token === 'yes' ? pYes : 1 - pYes)), top: alternatives };
  });
  const sum = steps.reduce((total, step) => total + step.chosen.logProbability, 0);
  return {
    avgLogprobs: steps.length > 0 ? sum / steps.length : 0,
    logprobsResult: {
      ...(top > 0 ? { topCandidates: steps.map((step) => ({ candidates: step.top.slice(0, top) })) } : {}),
      chosenCandidates: steps.map((step) => step.chosen),
      logProbabilitySum: sum,
    },
  };
}
