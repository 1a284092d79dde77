import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { credentialOf, FakeHttpServer, type RecordedRequest, sendJson } from './fake-http-server.ts';

/** A question as the fake judge writes it (the shape `response_format.json_schema` asks for). */
export interface FakeQuestion {
  id: string;
  question: string;
  category: 'entity' | 'attribute' | 'count' | 'spatial' | 'text' | 'style';
  dependsOn: string[];
}

/** What the fake judge answers to one question about one image: its answer and P(yes). */
export interface FakeAnswer {
  answer: 'yes' | 'no';
  pYes: number;
}

/** What the fake sees of an answering call. */
export interface AnswerCall {
  /** Answering calls made so far, this one included (1-based). */
  call: number;
  /** sha256 of the image content part's decoded bytes. */
  imageSha256: string;
  /** The question id and text as listed in the user message (`id: text`). */
  id: string;
  question: string;
}

/**
 * A failure for the next completion: an HTTP status with OpenAI's error body (and headers such as
 * Retry-After), or a 200 whose message is not the JSON the `response_format` asked for.
 */
export type ChatFault =
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'malformed' };

export interface FakeChatCompletionsOptions {
  /** The key callers must send as `Authorization: Bearer`; none (a local server) when absent. */
  apiKey?: string;
  /** The model id reported back (e.g. a dated snapshot). */
  responseModel?: string;
  /** The questions written for a prompt. */
  questions: (prompt: string) => FakeQuestion[];
  /** The answer to one question about one image. */
  answer: (call: AnswerCall) => FakeAnswer;
  /** Whether `logprobs` in a request are honoured (a server that ignores them returns none). */
  logprobs?: boolean;
}

const errorBody = (message: string, type: string, code: string | null = null) => ({
  error: { message, type, param: null, code },
});

/**
 * OpenAI's Chat Completions API (`POST /v1/chat/completions`) as a vision-language judge, for
 * `@ai-sdk/openai` (`.chat()`) and `@ai-sdk/openai-compatible`: user messages with `text` and
 * `image_url` (data URL) content parts, `response_format: { type: 'json_schema' }` answered with
 * JSON in `choices[0].message.content`, and, when `logprobs: true`, `choices[0].logprobs.content`
 * with a `{ token, logprob, bytes, top_logprobs }` entry per token of that content. A request
 * with an image is answering questions; one without is writing them from the prompt.
 */
export class FakeChatCompletions {
  readonly completions: RecordedRequest[] = [];
  /** Requests answered 200 with a well-formed completion. */
  answered = 0;
  answeringCalls = 0;
  private readonly faults: ChatFault[] = [];

  private constructor(
    private readonly server: FakeHttpServer,
    private readonly options: FakeChatCompletionsOptions,
  ) {}

  static async start(options: FakeChatCompletionsOptions): Promise<FakeChatCompletions> {
    let fake: FakeChatCompletions | undefined;
    const server = await FakeHttpServer.start((request, response) => fake!.handle(request, response));
    fake = new FakeChatCompletions(server, options);
    return fake;
  }

  get baseURL(): string {
    return `${this.server.origin}/v1`;
  }

  /** Every request body sent to /chat/completions, in order. */
  get bodies(): any[] {
    return this.completions.map((request) => request.json);
  }

  failNext(...faults: ChatFault[]): void {
    this.faults.push(...faults);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(request: RecordedRequest, response: ServerResponse): undefined {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      sendJson(response, 404, errorBody(`Unknown route ${request.path}`, 'invalid_request_error'));
      return;
    }
    if (this.options.apiKey !== undefined && credentialOf(request.headers) !== this.options.apiKey) {
      sendJson(
        response,
        401,
        errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
      );
      return;
    }
    this.completions.push(request);
    const body = request.json;
    if (!Array.isArray(body?.messages) || typeof body?.model !== 'string') {
      sendJson(response, 400, errorBody("Missing required parameter: 'messages'.", 'invalid_request_error'));
      return;
    }
    if (
      body.response_format?.type !== 'json_schema' ||
      typeof body.response_format.json_schema?.schema !== 'object'
    ) {
      sendJson(response, 400, errorBody('expected response_format json_schema', 'invalid_request_error'));
      return;
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'status') {
      const type = fault.status === 429 ? 'rate_limit_exceeded' : 'server_error';
      sendJson(response, fault.status, errorBody(`fake status ${fault.status}`, type), fault.headers);
      return;
    }
    const parts = body.messages.flatMap((message: any) =>
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content,
    );
    const text = parts
      .filter((part: any) => part.type === 'text')
      .map((part: any) => part.text)
      .join('\n');
    const image = parts.find((part: any) => part.type === 'image_url');
    let content: string;
    const answerTokens = new Map<number, number>();
    if (fault?.kind === 'malformed') {
      content = 'Sure! The answers are: yes, yes, no.';
    } else if (image) {
      const url = String(image.image_url?.url ?? '');
      const match = /^data:image\/[a-z]+;base64,(.+)$/.exec(url);
      if (!match) {
        sendJson(response, 400, errorBody('expected a base64 data URL image', 'invalid_request_error'));
        return;
      }
      const imageSha256 = createHash('sha256').update(Buffer.from(match[1]!, 'base64')).digest('hex');
      const call = ++this.answeringCalls;
      const answers = listedQuestions(text).map((item) => ({
        ...item,
        ...this.options.answer({ call, imageSha256, ...item }),
      }));
      content = JSON.stringify({ answers: answers.map(({ id, answer }) => ({ id, answer })) });
      for (const [index, answer] of answers.entries()) answerTokens.set(index, answer.pYes);
    } else {
      content = JSON.stringify({ questions: this.options.questions(promptOf(text)) });
    }
    const tokens = tokenize(content);
    const promptTokens = Math.ceil(text.length / 4) + (image ? imageTokens(String(image.image_url.url)) : 0);
    if (!fault) this.answered++;
    const wantLogprobs = body.logprobs === true && this.options.logprobs !== false;
    sendJson(
      response,
      200,
      {
        id: `chatcmpl-${this.completions.length}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: this.options.responseModel ?? body.model,
        system_fingerprint: 'fp_fake',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null },
            logprobs: wantLogprobs
              ? {
                  content: tokenLogprobs(tokens, answerTokens, Number(body.top_logprobs ?? 0)),
                  refusal: null,
                }
              : null,
            finish_reason: 'stop',
          },
        ],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: tokens.length,
          total_tokens: promptTokens + tokens.length,
        },
      },
      { 'x-request-id': `req_chat_${this.completions.length}` },
    );
  }
}

/** The questions an answering call lists, one `id: text` line each. */
export function listedQuestions(text: string): Array<{ id: string; question: string }> {
  return [...text.matchAll(/^([A-Za-z0-9_-]+): (.+)$/gm)].map((line) => ({
    id: line[1]!,
    question: line[2]!,
  }));
}

/** The prompt a question-writing call quotes (`Prompt: "..."`), else the whole text. */
export function promptOf(text: string): string {
  const quoted = /Prompt: (".*")/.exec(text)?.[1];
  return quoted ? JSON.parse(quoted) : text;
}

/**
 * What OpenAI documents an image costs in high detail: scaled to fit 2048 x 2048, then its
 * shorter side to 768, then 170 tokens per 512-pixel tile plus 85. Sizes come from the PNG header.
 */
function imageTokens(dataUrl: string): number {
  const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  let [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  const fit = Math.min(1, 2048 / Math.max(width, height));
  [width, height] = [width * fit, height * fit];
  const shorter = Math.min(1, 768 / Math.min(width, height));
  [width, height] = [width * shorter, height * shorter];
  return 85 + 170 * Math.ceil(width / 512) * Math.ceil(height / 512);
}

/** A crude BPE stand-in: words, quotes and punctuation each a token; `"yes"` is `"`, `yes`, `"`. */
export function tokenize(text: string): string[] {
  return text.match(/[A-Za-z0-9_]+|\s+|[^A-Za-z0-9_\s]/g) ?? [];
}

const bytesOf = (token: string) => [...Buffer.from(token, 'utf8')];

/**
 * Per-token log-probabilities: each answer value (`yes`/`no` after `"answer":"`) carries both
 * words among its alternatives with the configured P(yes); every other token is certain.
 */
function tokenLogprobs(tokens: string[], pYesByAnswer: Map<number, number>, top: number) {
  let answerIndex = 0;
  let text = '';
  return tokens.map((token) => {
    const isAnswer = /"answer":"$/.test(text) && (token === 'yes' || token === 'no');
    text += token;
    if (!isAnswer) {
      return {
        token,
        logprob: 0,
        bytes: bytesOf(token),
        top_logprobs: top > 0 ? [{ token, logprob: 0, bytes: bytesOf(token) }] : [],
      };
    }
    const pYes = pYesByAnswer.get(answerIndex++) ?? (token === 'yes' ? 1 : 0);
    // -9999 is OpenAI's "outside the top 20" value.
    const logprobOf = (p: number) => (p > 0 ? Math.log(p) : -9999);
    const alternatives = [
      { token: 'yes', logprob: logprobOf(pYes), bytes: bytesOf('yes') },
      { token: 'no', logprob: logprobOf(1 - pYes), bytes: bytesOf('no') },
    ].sort((a, b) => b.logprob - a.logprob);
    return {
      token,
      logprob: token === 'yes' ? logprobOf(pYes) : logprobOf(1 - pYes),
      bytes: bytesOf(token),
      top_logprobs: alternatives.slice(0, Math.max(top, 0)),
    };
  });
}
