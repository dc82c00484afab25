/**
 * URL building for the client, in the spirit of yarl: the WHATWG parser normalises scheme, host,
 * dot segments and percent-encoding, and query parameters are encoded as yarl does (space as `+`,
 * `+ & = # %` escaped, `/ ? : @` kept). We differ from yarl in one visible way: default ports are
 * dropped (`http://h:80/` becomes `http://h/`), as every JS URL does.
 */
import { MultiDict } from './multidict.js';
import type { MultiDictLike } from './multidict.js';

/** A query parameter value; numbers are written in decimal, as yarl does with int and float. */
export type QueryValue = string | number;

/** What `params` accepts: an object, pairs (repeated keys kept in order), a MultiDict, or a string. */
export type Params =
  | string
  | URLSearchParams
  | MultiDictLike<QueryValue>
  | Iterable<readonly [string, QueryValue]>
  | Readonly<Record<string, QueryValue | readonly QueryValue[]>>;

/** Raised for an unparsable URL; the client turns it into `InvalidURL`. */
export class URLError extends TypeError {
  override name = 'URLError';
  readonly code: string = 'ERR_INVALID_URL';
  readonly url: string;
  constructor(url: string, reason: string) {
    super(`${reason}: ${url}`);
    this.url = url;
  }
}

// One lookup table, built once: which ASCII bytes stay literal in a query key or value.
const QUERY_SAFE = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*,;:@/?") {
  QUERY_SAFE[c.charCodeAt(0)] = 1;
}
const HEX = '0123456789ABCDEF';

/** Percent-encodes one query key or value as yarl does (`a b+c` becomes `a+b%2Bc`). */
export function quoteQueryPart(s: string): string {
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || QUERY_SAFE[c] !== 1) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (QUERY_SAFE[c] === 1) out += s[i];
      else if (c === 32) out += '+';
      else out += '%' + HEX[c >> 4] + HEX[c & 15];
    } else {
      let cp = c;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
    }
  }
  return out;
}

function valueString(key: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`params: value of "${key}" must be a finite number, got ${v}`);
    return String(v);
  }
  throw new TypeError(`params: value of "${key}" should be a string or a number, got ${v === null ? 'null' : typeof v}`);
}

/** Encodes `params` as a query string without the leading `?`. */
export function encodeParams(params: Params): string {
  if (typeof params === 'string') return params;
  if (params instanceof URLSearchParams) return params.toString();
  let out = '';
  const push = (k: string, v: unknown): void => {
    if (out.length > 0) out += '&';
    out += quoteQueryPart(k) + '=' + quoteQueryPart(valueString(k, v));
  };
  if (params instanceof MultiDict || Symbol.iterator in (params as object)) {
    for (const pair of params as Iterable<readonly [string, QueryValue]>) push(pair[0], pair[1]);
  } else {
    for (const [k, v] of Object.entries(params as Record<string, QueryValue | readonly QueryValue[]>)) {
      if (Array.isArray(v)) for (const item of v as readonly QueryValue[]) push(k, item);
      else push(k, v);
    }
  }
  return out;
}

/** A request target: the URL to report (`response.url`) and the exact path to send. */
export interface RequestTarget {
  /** The parsed URL (scheme, host, port) the request goes to. */
  readonly url: URL;
  /** `origin` as undici wants it: `http://host:port`. */
  readonly origin: string;
  /** Path and query sent on the request line. */
  readonly path: string;
  /** What `String(response.url)` gives. */
  readonly href: string;
}

function parse(input: string, base: string | URL | undefined): URL {
  try {
    return base === undefined ? new URL(input) : new URL(input, base);
  } catch {
    throw new URLError(input, base === undefined ? 'Invalid URL' : 'Invalid URL (relative to base)');
  }
}

/**
 * Builds the target of a request: `input` resolved against `base`, then `params` appended to its
 * query. With `encoded: true` the URL is taken verbatim (aiohttp's `URL(..., encoded=True)`): no
 * re-quoting, so `http://h/q?key+1=val` reaches the server and `response.url` unchanged.
 */
export function buildTarget(
  input: string | URL,
  base: URL | undefined,
  params: Params | undefined,
  encoded: boolean,
): RequestTarget {
  let raw = typeof input === 'string' ? input : input.href;
  if (encoded && base !== undefined && typeof input === 'string' && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(input)) {
    // A relative encoded URL joins the base as text, so its escapes are kept verbatim too.
    raw = input.startsWith('/') ? base.origin + input : base.origin + base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1) + input;
    base = undefined;
  }
  const url = parse(raw, base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new URLError(raw, `Unsupported URL scheme ${url.protocol.slice(0, -1)}`);
  }
  if (url.hostname === '') throw new URLError(raw, 'URL has no host');
  let query: string;
  let pathname: string;
  if (encoded && base === undefined && typeof input === 'string') {
    // (base is undefined here also for a relative encoded URL, joined above.)
    // Verbatim: take path and query from the string itself, not from the parser's re-quoting.
    const start = raw.indexOf('//') + 2;
    const slash = raw.slice(start).search(/[/?#]/);
    const rest = slash === -1 ? '' : raw.slice(start + slash);
    const hash = rest.indexOf('#');
    const noFrag = hash === -1 ? rest : rest.slice(0, hash);
    const q = noFrag.indexOf('?');
    pathname = q === -1 ? noFrag : noFrag.slice(0, q);
    query = q === -1 ? '' : noFrag.slice(q + 1);
    if (pathname === '') pathname = '/';
  } else {
    pathname = url.pathname;
    query = url.search.length > 1 ? url.search.slice(1) : '';
  }
  if (params !== undefined) {
    const extra = encodeParams(params);
    if (extra.length > 0) query = query.length > 0 ? `${query}&${extra}` : extra;
  }
  const path = query.length > 0 ? `${pathname}?${query}` : pathname;
  const origin = url.origin;
  let href: string;
  if (encoded && params === undefined && typeof input === 'string' && base === undefined) {
    // Verbatim, fragment included.
    href = raw;
  } else {
    href = origin + path + url.hash;
  }
  return { url, origin, path, href };
}
