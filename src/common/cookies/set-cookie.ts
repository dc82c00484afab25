/**
 * Cookie request-header parsing and Set-Cookie serialization (RFC 6265 §4.1, §5.2; aiohttp
 * `_cookie_helpers.py`). Hand-written: it is a few dozen lines on the request path, and the `cookie`
 * package would be a dependency for the same few lines.
 */
import { TOKEN } from '../http-syntax.js';

/** Attributes for a Set-Cookie header, as aiohttp's `set_cookie` keywords in camelCase. */
export interface CookieOptions {
  expires?: Date | string;
  domain?: string;
  /** Seconds. */
  maxAge?: number | string;
  /** Defaults to `/`, as in aiohttp. */
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None' | 'strict' | 'lax' | 'none';
  partitioned?: boolean;
}

// RFC 6265 cookie-octet: printable ASCII minus space, DQUOTE, comma, semicolon and backslash.
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
// What may never appear in a value, quoted or not: it would end or split the header.
const FORBIDDEN_IN_VALUE = /[\x00-\x08\x0A-\x1F\x7F;]/;
// Attribute values may not carry ';' or control characters either.
const FORBIDDEN_IN_ATTR = /[\x00-\x1F\x7F;]/;

/** Parses a Cookie request header into a record; the first occurrence of a name wins. */
export function parseCookieHeader(header: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header) return out;
  let i = 0;
  const n = header.length;
  while (i < n) {
    let end = header.indexOf(';', i);
    if (end === -1) end = n;
    const eq = header.indexOf('=', i);
    if (eq !== -1 && eq < end) {
      const name = header.slice(i, eq).trim();
      let value = header.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) {
        value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      }
      if (name && !(name in out)) out[name] = value;
    }
    i = end + 1;
  }
  return out;
}

function checkAttr(label: string, value: string): string {
  if (FORBIDDEN_IN_ATTR.test(value)) {
    throw new TypeError(`cookie ${label} contains a forbidden character (CR, LF, ';' or a control character)`);
  }
  return value;
}

/** Quotes a value outside the cookie-octet set, as Python's SimpleCookie does. */
function encodeValue(name: string, value: string): string {
  if (COOKIE_OCTETS.test(value)) return value;
  if (FORBIDDEN_IN_VALUE.test(value)) {
    throw new TypeError(`cookie value for ${JSON.stringify(name)} contains a forbidden character (CR, LF, ';' or a control character)`);
  }
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** Serializes one Set-Cookie header value; throws a TypeError for a name or value that would break the header. */
export function serializeSetCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new TypeError(`invalid cookie name ${JSON.stringify(name)}: it must be an RFC 9110 token`);
  }
  let out = `${name}=${encodeValue(name, String(value))}`;
  const { expires, domain, maxAge, secure, httpOnly, sameSite, partitioned } = options;
  const path = options.path ?? '/';
  if (expires !== undefined) {
    const text = expires instanceof Date ? expires.toUTCString() : checkAttr('expires', expires);
    out += `; Expires=${text}`;
  }
  if (domain !== undefined) out += `; Domain=${checkAttr('domain', domain)}`;
  if (maxAge !== undefined) {
    const text = checkAttr('maxAge', String(maxAge));
    if (!/^-?\d+$/.test(text)) throw new TypeError(`cookie maxAge must be an integer number of seconds, got ${text}`);
    out += `; Max-Age=${text}`;
  }
  if (path) out += `; Path=${checkAttr('path', path)}`;
  if (secure) out += '; Secure';
  if (httpOnly) out += '; HttpOnly';
  if (sameSite !== undefined) {
    const s = sameSite.toLowerCase();
    if (s !== 'strict' && s !== 'lax' && s !== 'none') throw new TypeError(`cookie sameSite must be Strict, Lax or None, got ${sameSite}`);
    out += `; SameSite=${s[0]!.toUpperCase()}${s.slice(1)}`;
  }
  if (partitioned) out += '; Partitioned';
  return out;
}
