/**
 * Cookie request-header parsing and Set-Cookie serialization (RFC 6265 §4.1, §5.2; aiohttp
 * `_cookie_helpers.py`). Hand-written: it is a few dozen lines on the request path, and the `cookie`
 * package would be a dependency for the same few lines.
 */
import { TOKEN } from '../http-syntax.js';
import { CookieError, describeInvalidChar } from '../header-errors.js';

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
// What may never appear in a value, quoted or not: it would end or split the header, or node
// cannot write it (above U+00FF).
const FORBIDDEN_IN_VALUE = /[^\t\x20-\x3A\x3C-\x7E\x80-\xFF]/;
// Attribute values may not carry ';', HTAB or control characters either.
const FORBIDDEN_IN_ATTR = /[^\x20-\x3A\x3C-\x7E\x80-\xFF]/;

/** Why `value` is refused: ';' or the character `describeInvalidChar` names. */
function why(value: string, re: RegExp): string {
  const m = re.exec(value);
  return m?.[0] === ';' ? "';'" : m?.[0] === '\t' ? 'HTAB' : describeInvalidChar(m?.[0] ?? '');
}

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

function checkAttr(name: string, label: string, value: string): string {
  if (FORBIDDEN_IN_ATTR.test(value)) {
    throw new CookieError(`cookie ${label} for ${JSON.stringify(name)} cannot be sent: ${why(value, FORBIDDEN_IN_ATTR)}`, name);
  }
  return value;
}

/** Quotes a value outside the cookie-octet set, as Python's SimpleCookie does. */
function encodeValue(name: string, value: string): string {
  if (COOKIE_OCTETS.test(value)) return value;
  if (FORBIDDEN_IN_VALUE.test(value)) {
    throw new CookieError(`cookie value for ${JSON.stringify(name)} cannot be sent: ${why(value, FORBIDDEN_IN_VALUE)}`, name);
  }
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Serializes one Set-Cookie header value; throws CookieError (a TypeError) for a name, value or
 * attribute that cannot be sent.
 */
export function serializeSetCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new CookieError(`invalid cookie name ${JSON.stringify(name)}: it must be an RFC 9110 token`, String(name));
  }
  let out = `${name}=${encodeValue(name, String(value))}`;
  const { expires, domain, maxAge, secure, httpOnly, sameSite, partitioned } = options;
  const path = options.path ?? '/';
  if (expires !== undefined) {
    const text = expires instanceof Date ? expires.toUTCString() : checkAttr(name, 'expires', expires);
    out += `; Expires=${text}`;
  }
  if (domain !== undefined) out += `; Domain=${checkAttr(name, 'domain', domain)}`;
  if (maxAge !== undefined) {
    const text = checkAttr(name, 'maxAge', String(maxAge));
    if (!/^-?\d+$/.test(text)) throw new CookieError(`cookie maxAge must be an integer number of seconds, got ${text}`, name);
    out += `; Max-Age=${text}`;
  }
  if (path) out += `; Path=${checkAttr(name, 'path', path)}`;
  if (secure) out += '; Secure';
  if (httpOnly) out += '; HttpOnly';
  if (sameSite !== undefined) {
    const s = sameSite.toLowerCase();
    if (s !== 'strict' && s !== 'lax' && s !== 'none') throw new CookieError(`cookie sameSite must be Strict, Lax or None, got ${sameSite}`, name);
    out += `; SameSite=${s[0]!.toUpperCase()}${s.slice(1)}`;
  }
  if (partitioned) out += '; Partitioned';
  return out;
}
