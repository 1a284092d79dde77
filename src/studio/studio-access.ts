import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const tokenCookie = 'atelier_studio_token';
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

/**
 * Guards every request, image files included:
 * - the token, when one is set: `Authorization: Bearer <token>`, the cookie the studio sets,
 *   or `?token=<token>` on the link printed at start (which sets the cookie and redirects to
 *   the same page without the token, to keep it out of history and logs);
 * - the `Host` header, when bound to loopback;
 * - the `Origin` of state-changing requests, which must be the studio itself.
 */
export function studioAccess(options: AccessOptions): MiddlewareHandler {
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
      const fromQuery = url.searchParams.get('token');
      const presented = bearer ?? getCookie(context, tokenCookie) ?? fromQuery ?? undefined;
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        return context.text(
          'Unauthorized: this studio needs its access token (see the link printed at start)',
          401,
          {
            'WWW-Authenticate': 'Bearer realm="atelier-studio"',
          },
        );
      }
      if (fromQuery !== null && presented === fromQuery) {
        setCookie(context, tokenCookie, fromQuery, { httpOnly: true, sameSite: 'Strict', path: '/' });
        if (context.req.method === 'GET' && !url.pathname.startsWith('/artifacts/')) {
          url.searchParams.delete('token');
          return context.redirect(`${url.pathname}${url.search}`, 303);
        }
      }
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(context.req.method)) {
      const origin = context.req.header('origin');
      if (origin !== undefined && origin !== 'null' && safeHost(origin) !== lower(hostHeader)) {
        return context.text(`Forbidden: cross-origin request from ${origin}`, 403);
      }
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

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
