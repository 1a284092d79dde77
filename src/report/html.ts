import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/**
 * `html` from hono for templates with nothing asynchronous inside: every interpolated string is
 * escaped for element content and attribute values; nested `html` fragments and `raw()` are not.
 */
export function htmlFragment(strings: TemplateStringsArray, ...values: unknown[]): HtmlEscapedString {
  const fragment = html(strings, ...values);
  if (fragment instanceof Promise) throw new TypeError('Expected an HTML template without promises');
  return fragment;
}

/** A base64 `data:` URL, already safe in an attribute (base64 and a fixed media type). */
export function dataUri(bytes: Uint8Array, mediaType: 'image/jpeg' | 'image/png'): HtmlEscapedString {
  return raw(`data:${mediaType};base64,${Buffer.from(bytes).toString('base64')}`);
}

/**
 * Scalar facts from a stage's `details` for display (`score: 0.97`, `ocr.text: "..."`),
 * one level of nesting deep, at most `limit` entries.
 */
export function detailFacts(
  details: Record<string, unknown> | null | undefined,
  limit = 6,
): Array<[string, string]> {
  const facts: Array<[string, string]> = [];
  const visit = (prefix: string, value: unknown, depth: number) => {
    if (facts.length >= limit || value === null || value === undefined) return;
    if (typeof value === 'number')
      facts.push([prefix, Number.isInteger(value) ? String(value) : value.toFixed(3)]);
    else if (typeof value === 'string')
      facts.push([prefix, value.length > 60 ? `${value.slice(0, 57)}...` : value]);
    else if (typeof value === 'boolean') facts.push([prefix, value ? 'yes' : 'no']);
    else if (typeof value === 'object' && !Array.isArray(value) && depth < 1) {
      for (const [key, member] of Object.entries(value))
        visit(prefix ? `${prefix}.${key}` : key, member, depth + 1);
    }
  };
  for (const [key, value] of Object.entries(details ?? {})) visit(key, value, 0);
  return facts;
}
