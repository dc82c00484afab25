/**
 * The request side, as aiohttp's `client_reqrep.py`: BasicAuth, RequestInfo, ClientRequest (what
 * middlewares see and may change) and turning `data`/`json` into a body Payload.
 */
import { CIMultiDict, MultiDict, MultiDictProxy } from '../common/multidict.js';
import type { MultiDictInit } from '../common/multidict.js';
import { FormData } from '../common/form-data.js';
import { FormUrlEncodedPayload, JsonPayload, Payload, isAsyncIterable, toPayload } from '../common/payload.js';
import { encodeParams } from '../common/url.js';
import { Blob } from 'node:buffer';
import type { Params } from '../common/url.js';

/** A read-only, case-insensitive header view. */
export type CIMultiDictProxy = MultiDictProxy<string>;

/** HTTP Basic credentials, as aiohttp's `BasicAuth`. */
export class BasicAuth {
  readonly login: string;
  readonly password: string;
  readonly encoding: BufferEncoding;

  constructor(login: string, password = '', encoding: BufferEncoding = 'latin1') {
    if (typeof login !== 'string') throw new TypeError('BasicAuth: login must be a string');
    if (login.includes(':')) throw new RangeError('BasicAuth: a ":" is not allowed in login (RFC 1945 §11.1)');
    this.login = login;
    this.password = password;
    this.encoding = encoding;
  }

  /** Parses an `Authorization: Basic ...` header value. */
  static decode(authHeader: string, encoding: BufferEncoding = 'latin1'): BasicAuth {
    const trimmed = authHeader.trim();
    const sp = trimmed.indexOf(' ');
    if (sp === -1) throw new RangeError('Could not parse authorization header.');
    if (trimmed.slice(0, sp).toLowerCase() !== 'basic') throw new RangeError(`Unknown authorization method ${trimmed.slice(0, sp)}`);
    const raw = trimmed.slice(sp + 1).trim();
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) throw new RangeError('Invalid base64 encoding.');
    const decoded = Buffer.from(raw, 'base64').toString(encoding);
    const colon = decoded.indexOf(':');
    if (colon === -1) throw new RangeError('Invalid credentials.');
    return new BasicAuth(decoded.slice(0, colon), decoded.slice(colon + 1), encoding);
  }

  /** Credentials from `http://user:pass@host/`, or null when the URL has none. */
  static fromUrl(url: URL, encoding: BufferEncoding = 'latin1'): BasicAuth | null {
    if (url.username === '' && url.password === '') return null;
    return new BasicAuth(decodeURIComponent(url.username), decodeURIComponent(url.password), encoding);
  }

  /** The `Authorization` header value. */
  encode(): string {
    return 'Basic ' + Buffer.from(`${this.login}:${this.password}`, this.encoding).toString('base64');
  }

  toString(): string {
    return `BasicAuth(login='${this.login}', password='***')`;
  }
}

/** What was sent: method, URL and headers, as aiohttp's `RequestInfo`. */
export class RequestInfo {
  readonly method: string;
  readonly url: URL;
  /** The URL before the fragment was dropped. */
  readonly realUrl: URL;
  readonly #headers: CIMultiDict;
  #proxy: CIMultiDictProxy | undefined = undefined;
  constructor(method: string, url: URL, headers: CIMultiDict, realUrl?: URL) {
    this.method = method;
    this.url = url;
    this.#headers = headers;
    this.realUrl = realUrl ?? url;
  }
  /** The request headers (read-only). */
  get headers(): CIMultiDictProxy {
    return (this.#proxy ??= new MultiDictProxy(this.#headers));
  }
}

/** Upload or download progress. */
export interface Progress {
  /** Bytes so far. */
  readonly loaded: number;
  /** Expected total, or null when unknown. */
  readonly total: number | null;
}

/** One outgoing HTTP request as middlewares see it; change it before calling the handler. */
export class ClientRequest {
  method: string;
  url: URL;
  headers: CIMultiDict;
  body: Payload | null;
  /** Basic credentials; turned into `Authorization` when sent. */
  auth: BasicAuth | null;
  /** @internal Path and query exactly as sent (kept verbatim for `encoded: true`). */
  _path: string;
  /** @internal The URL `_path` was computed for; a middleware changing `url` invalidates it. */
  _pathFor: URL;
  /** @internal */
  _href: string;

  constructor(method: string, url: URL, headers: CIMultiDict, body: Payload | null, auth: BasicAuth | null, path: string, href: string) {
    this.method = method;
    this.url = url;
    this.headers = headers;
    this.body = body;
    this.auth = auth;
    this._path = path;
    this._pathFor = url;
    this._href = href;
  }

  /** True when the body can be sent again (bytes, strings, files, forms made of those). */
  get replayable(): boolean {
    return this.body === null || this.body.replayable;
  }

  /** Request info for errors and responses. */
  get requestInfo(): RequestInfo {
    return new RequestInfo(this.method, this.url, this.headers);
  }
}

/** A value `data` accepts. */
export type RequestData =
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | FormData
  | Payload
  | URLSearchParams
  | AsyncIterable<unknown>
  | MultiDict<unknown>
  | Iterable<readonly [string, unknown]>
  | Readonly<Record<string, unknown>>;

function hasStreamValue(obj: Readonly<Record<string, unknown>> | Iterable<readonly [string, unknown]>): boolean {
  const values = Symbol.iterator in obj ? [...(obj as Iterable<readonly [string, unknown]>)].map((e) => e[1]) : Object.values(obj);
  return values.some((v) => v instanceof Uint8Array || v instanceof Payload || v instanceof Blob || isAsyncIterable(v));
}

/**
 * Turns `data` or `json` into a Payload, as aiohttp's `update_body_from_data`: objects and pairs
 * are urlencoded, unless a value is a file/stream/bytes, which makes a multipart form.
 */
export function buildBody(data: RequestData | undefined, json: unknown, jsonSerialize: (value: unknown) => string): Payload | null {
  if (data !== undefined && json !== undefined) {
    throw new TypeError('data and json parameters can not be used at the same time');
  }
  if (json !== undefined) return new JsonPayload(jsonSerialize(json));
  if (data === undefined || data === null) return null;
  if (data instanceof FormData) return data.toPayload();
  if (data instanceof URLSearchParams) return new FormUrlEncodedPayload(data.toString());
  const p = toPayload(data);
  if (p !== null) return p;
  if (typeof data === 'object') {
    const pairs = data as Readonly<Record<string, unknown>> | Iterable<readonly [string, unknown]>;
    if (hasStreamValue(pairs)) return new FormData(pairs as Record<string, never>).toPayload();
    return new FormUrlEncodedPayload(encodeParams(pairs as Params));
  }
  throw new TypeError(`data: unsupported body type ${typeof data}`);
}

/** Builds a CIMultiDict from user headers (object, pairs or multidict). */
export function toHeaders(init: MultiDictInit<string> | undefined): CIMultiDict {
  const h = new CIMultiDict<string>();
  if (init !== undefined) mergeHeaders(h, init);
  return h;
}

/** Overwrites each header of `init` in `into` (per-request headers replace session defaults). */
export function mergeHeaders(into: CIMultiDict, init: MultiDictInit<string>): void {
  const entries = init instanceof MultiDict || Symbol.iterator in (init as object)
    ? (init as Iterable<readonly [string, string]>)
    : Object.entries(init as Record<string, string | readonly string[]>);
  const seen = new Set<string>();
  for (const [k, v] of entries) {
    const lk = k.toLowerCase();
    if (!seen.has(lk)) {
      seen.add(lk);
      into.delete(k);
    }
    if (Array.isArray(v)) for (const item of v as readonly string[]) into.add(k, String(item));
    else into.add(k, String(v));
  }
}
