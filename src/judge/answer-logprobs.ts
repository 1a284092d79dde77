/** One token of an answer with its log-probability and the likeliest alternatives (OpenAI's shape). */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly top_logprobs?: ReadonlyArray<{ readonly token: string; readonly logprob: number }>;
}

/** The log-probabilities a provider returned with a call, wherever its package put them. */
export function logprobsOf(
  metadata: Record<string, Record<string, unknown>> | undefined,
): readonly TokenLogprob[] | undefined {
  for (const entry of Object.values(metadata ?? {})) {
    const logprobs = entry?.logprobs;
    if (Array.isArray(logprobs) && logprobs.every((item) => typeof item?.token === 'string')) {
      return logprobs as TokenLogprob[];
    }
  }
  return undefined;
}

const word = (token: string) => token.replace(/["'\s]/g, '').toLowerCase();

/**
 * P(yes) for each `"answer": "yes|no"` value in a JSON answer, in order, from the log-probability
 * of the token that starts the value and its alternatives: P(yes) / (P(yes) + P(no)) over the
 * alternatives (VQAScore's answer-probability score). Undefined for an answer whose token carries
 * neither yes nor no among its alternatives.
 *
 * @example
 * // tokens of {"answers":[{"id":"a","answer":"yes"}]} with "yes" at -0.1 and "no" at -2.4
 * answerProbabilities(tokens) // [0.909]
 */
export function answerProbabilities(tokens: readonly TokenLogprob[]): Array<number | undefined> {
  const text = tokens.map((token) => token.token).join('');
  const starts: number[] = [];
  let offset = 0;
  for (const token of tokens) {
    starts.push(offset);
    offset += token.token.length;
  }
  const probabilities: Array<number | undefined> = [];
  for (const match of text.matchAll(/"answer"\s*:\s*"?/g)) {
    const valueAt = match.index + match[0].length;
    // The token covering the value's first letter (it may also carry the opening quote).
    let index = starts.findLastIndex((start) => start <= valueAt);
    while (index < tokens.length - 1 && word(tokens[index]!.token) === '') index++;
    probabilities.push(index >= 0 ? yesProbability(tokens[index]!) : undefined);
  }
  return probabilities;
}

function yesProbability(token: TokenLogprob): number | undefined {
  const alternatives = [{ token: token.token, logprob: token.logprob }, ...(token.top_logprobs ?? [])];
  const mass = (answer: string) => {
    // The chosen token is usually also first among the alternatives: count each spelling once.
    const seen = new Set<string>();
    let total = 0;
    for (const alternative of alternatives) {
      if (word(alternative.token) !== answer || seen.has(alternative.token)) continue;
      seen.add(alternative.token);
      total += Math.exp(alternative.logprob);
    }
    return total;
  };
  const yes = mass('yes');
  const no = mass('no');
  return yes + no > 0 ? yes / (yes + no) : undefined;
}
