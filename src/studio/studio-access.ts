import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AtelierError } from '../errors.ts';

/**
 * The token cookie's name for the studio at this `Host`. Browsers share cookies between ports
 * of one host, so two studios side by side (ports 4100 and 4200 on localhost) would each
 * overwrite the other's cookie under one fixed name: the port is part of the name.
 */
export function tokenCookieFor(hostHeader: string): string {
  const port = /:(\d+)$/.exec(hostHeader)?.[1];
  return port ? `atelier_studio_token_${port}` : 'atelier_studio_token';
}
export const tokenEnvironmentVariable = 'ATELIER_STUDIO_TOKEN';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return loopbackHosts.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

/** A fresh access token: 32 random bytes, URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The shortest access token accepted: shorter ones can be guessed over the network. */
export const minimumTokenLength = 16;

export interface AccessOptions {
  /** When set, every request must carry it (header, cookie, or `?token=` once). */
  token?: string;
  /**
   * Host names the `Host` header may carry. Set when bound to loopback without a token, so a
   * web page elsewhere cannot reach the studio by pointing its own domain at 127.0.0.1 (DNS
   * rebinding).
   */
  allowedHostNames?: readonly string[];
}

/** Refuses a token too short to keep anyone out. */
function checkToken(token: string): void {
  if (token.length < minimumTokenLength) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `The studio's access token has ${token.length} characters; it needs at least ${minimumTokenLength}: pass a longer --token (or ${tokenEnvironmentVariable}), or leave it out off loopback for a generated one`,
    );
  }
}

/**
 * Guards every request, image files included:
 * - the token, when one is set: `Authorization: Bearer <token>`, `?token=<token>` on the link
 *   printed at start, or the cookie that link sets. An explicit token (header or link) wins over
 *   the cookie, and a correct link replaces the cookie: a cookie left by an earlier studio on the
 *   same host (or before a restart) must not lock out the link just printed. The link redirects
 *   to the same page without the token, to keep it out of history and logs;
 * - the `Host` header, when bound to loopback.
 * Cross-site writes are refused by `sameSiteWrites`.
 */
export function studioAccess(options: AccessOptions): MiddlewareHandler {
  if (options.token !== undefined) checkToken(options.token);
  const expected = options.token ? digest(options.token) : undefined;
  const allowedHosts = options.allowedHostNames ? new Set(options.allowedHostNames.map(lower)) : undefined;
  return async (context, next) => {
    const url = new URL(context.req.url);
    const hostHeader = context.req.header('host') ?? url.host;
    if (allowedHosts && !allowedHosts.has(hostName(hostHeader))) {
      return context.text(`Forbidden: unexpected Host header "${hostHeader}"`, 403);
    }
    if (expected) {
      const bearer = /^Bearer\s+(.+)$/i.exec(context.req.header('authorization') ?? '')?.[1];
      const fromQuery = url.searchParams.get('token') ?? undefined;
      const cookieName = tokenCookieFor(hostHeader);
      const presented = bearer ?? fromQuery ?? getCookie(context, cookieName);
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        return context.text(
          'Unauthorized: this studio needs its access token (see the link printed at start)',
          401,
          {
            'WWW-Authenticate': 'Bearer realm="atelier-studio"',
          },
        );
      }
      if (fromQuery !== undefined && presented === fromQuery) {
        setCookie(context, cookieName, fromQuery, { httpOnly: true, sameSite: 'Strict', path: '/' });
        if (context.req.method === 'GET' && !url.pathname.startsWith('/artifacts/')) {
          url.searchParams.delete('token');
          return context.redirect(`${url.pathname}${url.search}`, 303);
        }
      }
    }
    await next();
  };
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one guard of every route that changes anything (every method but GET, HEAD and OPTIONS):
 * - an `Origin` must be the studio itself. `Origin: null` (a sandboxed iframe, a `data:` page,
 *   a redirected form) is cross-site too;
 * - a `Sec-Fetch-Site` other than `same-origin` (or `none`: typed by the user) is refused;
 * - the body must be declared JSON (`Content-Type: application/json`, 415 otherwise). A page
 *   elsewhere can only send that through a CORS preflight, which the studio never grants, so
 *   even a browser that sends no `Origin` cannot forge a write.
 */
export function sameSiteWrites(): MiddlewareHandler {
  return async (context, next) => {
    if (safeMethods.has(context.req.method)) return next();
    const hostHeader = context.req.header('host') ?? new URL(context.req.url).host;
    const origin = context.req.header('origin');
    if (origin !== undefined && safeHost(origin) !== lower(hostHeader)) {
      return context.json({ error: `Forbidden: cross-site request from origin ${origin}` }, 403);
    }
    const site = context.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return context.json({ error: `Forbidden: ${site} request` }, 403);
    }
    if (!/^application\/json\b/i.test(context.req.header('content-type') ?? '')) {
      return context.json({ error: 'Expected Content-Type: application/json' }, 415);
    }
    await next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function lower(value: string): string {
  return value.toLowerCase();
}

/** `example.com:8080` -> `example.com`; `[::1]:80` -> `[::1]`. */
function hostName(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  return trimmed.replace(/:\d+$/, '');
}

/** An origin's `host[:port]`; undefined for `null` and anything else that is no URL. */
function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
