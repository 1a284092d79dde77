/**
 * Keeps API keys out of everything Atelier prints or stores (errors, the ledger, manifests,
 * warnings). Providers register the keys they load; on top of that, values of environment
 * variables named like keys and the usual credential shapes are masked.
 */

const registered = new Set<string>();
const mask = '[redacted]';
/** Shorter values are too likely to occur in ordinary text to be masked safely. */
const minimumSecretLength = 8;
const secretVariablePattern = /(API_?KEY|API_?TOKEN|_TOKEN|_SECRET|_KEY|PASSWORD)$/i;

/** Credential shapes: auth header values, provider key formats, key query parameters. */
const credentialPatterns: RegExp[] = [
  /\b(Bearer|Key|Token|Basic)\s+(?=[A-Za-z0-9._~+/=:-]*\d)[A-Za-z0-9._~+/=:-]{8,}/g,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\br8_[A-Za-z0-9]{8,}/g,
  /\bAIza[A-Za-z0-9_-]{20,}/g,
  /([?&](?:key|api_key|apikey|token|access_token)=)[^&\s"']+/gi,
  /("?(?:authorization|x-goog-api-key|x-api-key|api[_-]?key)"?\s*[:=]\s*"?)[^"\s,}]{8,}/gi,
];

/** Remembers a secret value so it is masked wherever it appears later. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= minimumSecretLength) registered.add(value);
}

function secretsFromEnvironment(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= minimumSecretLength && secretVariablePattern.test(name)) values.push(value);
  }
  return values;
}

/**
 * The text with every known secret and credential-shaped token replaced by `[redacted]`.
 *
 * @example redactSecrets('401: bad key sk-abc123456789') // '401: bad key [redacted]'
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let result = text;
  // Longest first, so a key that contains another is masked whole.
  const secrets = [...new Set([...registered, ...secretsFromEnvironment(env)])].sort(
    (a, b) => b.length - a.length,
  );
  for (const secret of secrets) result = result.split(secret).join(mask);
  for (const pattern of credentialPatterns) {
    result = result.replace(pattern, (match, prefix: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) && prefix !== match
        ? /^(Bearer|Key|Token|Basic)$/i.test(prefix)
          ? `${prefix} ${mask}`
          : `${prefix}${mask}`
        : mask,
    );
  }
  return result;
}

/** Deep copy of a JSON-like value with every string redacted (for manifests and ledger records). */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactValue) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, redactValue(entry)])) as T;
  }
  return value;
}
