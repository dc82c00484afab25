/**
 * Redirect policy, split out of aiohttp's `client.py` `_request`: which statuses redirect, how the
 * method and body change, and which headers must not follow the request to another origin.
 */
import type { CIMultiDict } from '../common/multidict.js';
import { InvalidUrlRedirectClientError, NonHttpUrlRedirectClientError } from './errors.js';

/** Statuses that carry a Location to follow. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Where a redirect response points: its Location (or the obsolete URI, as aiohttp reads it), or
 * undefined when the status is not a redirect or names no target. HTTP requests and WebSocket
 * handshakes both ask here.
 */
export function redirectLocation(status: number, headers: { get(name: string): string | undefined } | null | undefined): string | undefined {
  if (!REDIRECT_STATUSES.has(status) || headers == null) return undefined;
  return headers.get('location') ?? headers.get('uri');
}

/** Whether `hops` followed redirects reach `maxRedirects` (0: no limit). */
export function reachedMaxRedirects(hops: number, maxRedirects: number): boolean {
  return maxRedirects > 0 && hops >= maxRedirects;
}

/** Headers dropped when a redirect leaves the origin (aiohttp drops the same three). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'] as const;

/** Method and body handling of the next hop. */
export interface RedirectStep {
  readonly method: string;
  /** False when the body (and its Content-* headers) are dropped. */
  readonly keepBody: boolean;
}

/**
 * The method of the next hop. RFC 9110 §15.4.4: 303 retries as GET without a body (HEAD stays
 * HEAD); §15.4.2-3: 301/302 turn POST into GET, as browsers do, and keep every other method with
 * its body, as aiohttp does (PUT, PATCH, DELETE are sent again whole); 307/308 keep method and body.
 */
export function redirectStep(status: number, method: string): RedirectStep {
  if (status === 303) return method === 'HEAD' ? { method, keepBody: false } : { method: 'GET', keepBody: false };
  if ((status === 301 || status === 302) && method === 'POST') return { method: 'GET', keepBody: false };
  return { method, keepBody: true };
}

/** Resolves a Location value against the current URL; refuses non-http(s) and https to http. */
export function resolveLocation(location: string, current: URL, allowInsecure: boolean): URL {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch (cause) {
    throw new InvalidUrlRedirectClientError(location, 'Server attempted redirecting to a location that does not look like a URL', { cause });
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new NonHttpUrlRedirectClientError(location, 'Server attempted redirecting to a location that is not an HTTP URL');
  }
  if (current.protocol === 'https:' && next.protocol === 'http:' && !allowInsecure) {
    throw new NonHttpUrlRedirectClientError(location, 'Refusing redirect from https to http (set allowInsecureRedirects to allow it)');
  }
  // RFC 9110 §10.2.2: a Location without fragment inherits the request's fragment.
  if (next.hash === '' && current.hash !== '') next.hash = current.hash;
  return next;
}

/** Whether two URLs have the same origin (scheme, host, port). */
export function isSameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}

/** Removes credentials that must not leak to another origin. */
export function stripCredentials(headers: CIMultiDict): void {
  for (const h of CREDENTIAL_HEADERS) headers.delete(h);
}

/** Removes the headers describing a body that is no longer sent. */
export function stripBodyHeaders(headers: CIMultiDict): void {
  headers.delete('content-type');
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.delete('transfer-encoding');
}
