/**
 * The server request (aiohttp `web_request.py`). It wraps node's IncomingMessage without patching
 * it; every derived view (URL, query, headers, cookies, body) is built on first access and cached.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { CIMultiDict, MultiDict, MultiDictProxy, type MultiDictInit } from '../common/multidict.js';
import { parseContentType, type ParsedContentType } from '../common/content-type.js';
import { parseCookieHeader } from '../common/cookies/set-cookie.js';
import type { AppKey, RequestKey } from '../common/keys.js';
import type { Application } from './application.js';
import { FileField } from '../common/multipart/file-field.js';
import { MultipartError } from '../common/multipart/errors.js';
import { MultipartReader, readMultipartForm, type MultipartLimits, type ReadMultipartFormOptions } from '../common/multipart/reader.js';
import { ContentEncodingError, decodeBody, DecompressionLimitError, isDecodable } from './compression.js';
import { HTTPBadRequest, HTTPException, HTTPRequestEntityTooLarge, HTTPUnsupportedMediaType } from './exceptions.js';
import type { MatchResult, ResourceRoute } from './router/resources.js';
import { decodePath, decodePathSafe } from './router/url-dispatcher.js';
import { isValidHost } from './authority.js';

/** The raw socket and first bytes of an HTTP Upgrade request, for a response that takes the connection over. */
export interface UpgradeInfo {
  readonly socket: Socket;
  readonly head: Buffer;
}

const EMPTY_BUFFER = Buffer.alloc(0);
const FORM_METHODS = new Set(['POST', 'PUT', 'PATCH', 'TRACE', 'DELETE']);

/** Decodes bytes with a charset label; an unknown label falls back to UTF-8. */
function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  if (!charset || /^utf-?8$/i.test(charset)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder().decode(bytes);
  }
}

/**
 * Decodes a JSON body strictly (RFC 8259 §8.1: JSON is UTF-8): bytes that are not valid in the
 * charset (UTF-8 when none or an unknown one is declared) throw instead of becoming U+FFFD.
 */
function decodeJsonText(bytes: Uint8Array, charset: string | undefined): string {
  if (!charset || /^utf-?8$/i.test(charset)) {
    if (!isUtf8(bytes)) throw new HTTPBadRequest({ text: 'Invalid JSON in request body: not valid UTF-8' });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    return decodeJsonText(bytes, undefined);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new HTTPBadRequest({ text: `Invalid JSON in request body: not valid ${charset}` });
  }
}

/** Options of `request.clone()`. */
export interface RequestCloneOptions {
  method?: string;
  relUrl?: string | URL;
  headers?: MultiDictInit<string>;
  /** The scheme the client used (behind a TLS-terminating proxy). */
  scheme?: 'http' | 'https';
  /** The Host the client asked for. */
  host?: string;
  /** The client's address. */
  remote?: string;
}

interface CloneOverride {
  method: string | undefined;
  headers: CIMultiDict<string> | undefined;
  scheme: 'http' | 'https' | undefined;
  host: string | undefined;
  remote: string | undefined;
}

/**
 * @internal The HTTP exception a failure while reading a request body stands for, undefined when
 * it is not a body error: the one mapping for `read()`, `post()`, `multipart()` and a handler's
 * streaming read of `request.content` that reaches the server. `max` is the limit in force, when known.
 */
export function bodyException(err: unknown, max = 0, size = 0): HTTPException | undefined {
  if (err instanceof HTTPException) return err;
  // The multipart reader wraps errors of its source (a capped decoder) as its own.
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof DecompressionLimitError) {
      const limit = max || e.limit;
      return new HTTPRequestEntityTooLarge(limit, size, { text: `Maximum request body size ${limit} exceeded after decompression` });
    }
    if (e instanceof ContentEncodingError) return new HTTPBadRequest({ text: e.message });
  }
  if (err instanceof MultipartError) {
    if (err.status === 413) return new HTTPRequestEntityTooLarge(max || ((err as { limitValue?: number }).limitValue ?? 0), size, { text: err.message });
    if (err.status === 415) return new HTTPUnsupportedMediaType({ text: err.message });
    return new HTTPBadRequest({ text: err.message });
  }
  return undefined;
}

function bodyError(err: unknown, max: number, size: number): unknown {
  return bodyException(err, max, size) ?? err;
}

/**
 * The whole identity body of `msg` from its 'data' events, failing with a 413 past `max` bytes (0:
 * no limit) without destroying the message, so the 413 still reaches the client. A body that came
 * in one chunk is returned as is; several are copied once into one buffer.
 */
function collectBody(msg: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      msg.removeListener('data', onData);
      msg.removeListener('end', onEnd);
      msg.removeListener('error', onError);
      msg.removeListener('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (max > 0 && size > max) {
        cleanup();
        msg.pause();
        reject(new HTTPRequestEntityTooLarge(max, size));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    // Destroyed without an error (and without 'end'): the body is incomplete.
    const onClose = (): void => {
      cleanup();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    msg.on('data', onData);
    msg.on('end', onEnd);
    msg.on('error', onError);
    msg.on('close', onClose);
  });
}

/**
 * An incoming HTTP request; `matchInfo` is typed by the route path.
 * @example
 * app.router.addGet('/users/{id}', async (request) => web.jsonResponse({ id: request.matchInfo.id }));
 */
export class Request<Params = Record<string, string>> {
  readonly #message: IncomingMessage;
  #res: ServerResponse | (() => ServerResponse);
  #app: Application;
  /** Outer applications, outermost first, when a sub-application handles the request. */
  #outer: Application[] | undefined;
  /** @internal The raw path (no query), as sent. */
  readonly _rawPath: string;
  /** @internal The query string without `?`. */
  readonly _queryString: string;
  /** @internal The validated authority: an absolute-form target's, else Host's; undefined for neither. */
  readonly _authority: string | undefined;
  /** @internal The resolved route and params, set by the application before the handler runs. */
  _match: MatchResult | undefined;
  /** @internal Set for an HTTP Upgrade request: the socket a WebSocketResponse can take over. */
  readonly _upgrade: UpgradeInfo | undefined;
  /** @internal The path the current application routes on (the sub-application's, prefix cut off). */
  _routePath: string;
  /** @internal Request start, from performance.now(), when an access log is on. */
  _startTime: number;
  /** @internal Set by a response that took the socket over (WebSocketResponse); the protocol then writes nothing. */
  _hijacked: boolean;
  #path: string | undefined;
  #url: URL | undefined;
  #query: MultiDictProxy<string> | undefined;
  #headers: MultiDictProxy<string> | undefined;
  #cookies: Readonly<Record<string, string>> | undefined;
  #contentType: ParsedContentType | undefined;
  #body: Promise<Buffer> | undefined;
  #post: Promise<MultiDictProxy<string | FileField>> | undefined;
  #content: Readable | undefined;
  #abort: AbortController | undefined;
  #state: Map<RequestKey<unknown>, unknown> | undefined;
  /** What `clone()` replaced; undefined on requests from the wire. */
  #override: CloneOverride | undefined;

  /** @internal Built by the server protocol; users get requests, they do not make them. */
  constructor(
    message: IncomingMessage,
    res: ServerResponse | (() => ServerResponse),
    app: Application,
    rawPath: string,
    queryString: string,
    upgrade: UpgradeInfo | undefined,
    authority: string | undefined,
  ) {
    this.#message = message;
    this.#res = res;
    this.#app = app;
    this.#outer = undefined;
    this._rawPath = rawPath;
    this._queryString = queryString;
    this._authority = authority;
    this._match = undefined;
    this._upgrade = upgrade;
    this._routePath = '';
    this._startTime = 0;
    this._hijacked = false;
    this.#path = undefined;
    this.#url = undefined;
    this.#query = undefined;
    this.#headers = undefined;
    this.#cookies = undefined;
    this.#contentType = undefined;
    this.#body = undefined;
    this.#post = undefined;
    this.#content = undefined;
    this.#abort = undefined;
    this.#state = undefined;
    this.#override = undefined;
  }

  /** The application handling this request: the sub-application once routing entered one. */
  get app(): Application {
    return this.#app;
  }

  /** @internal Routing entered a sub-application. */
  _enterApp(app: Application): void {
    (this.#outer ??= []).push(this.#app);
    this.#app = app;
  }

  /** @internal The application the server runs (outermost). */
  get _rootApp(): Application {
    return this.#outer?.[0] ?? this.#app;
  }

  /**
   * State lookup through the application and the applications it is mounted in, innermost first
   * (aiohttp's `request.config_dict`).
   */
  get configDict(): { get<T>(key: AppKey<T>): T; has(key: AppKey<unknown>): boolean } {
    const apps = [this.#app, ...(this.#outer ?? []).slice().reverse()];
    return {
      get<T>(key: AppKey<T>): T {
        for (const a of apps) if (a.has(key)) return a.get(key);
        throw new RangeError(`no application state has key ${key.name}`);
      },
      has(key: AppKey<unknown>): boolean {
        return apps.some((a) => a.has(key));
      },
    };
  }

  /** A header from the override of a clone, or node's parsed headers. */
  #header(name: string): string | undefined {
    const o = this.#override?.headers;
    if (o !== undefined) return o.get(name);
    const v = this.#message.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  /** @internal One header by lower-case name, without building the `headers` multidict (hot path). */
  _header(name: string): string | undefined {
    return this.#header(name);
  }

  /**
   * A copy with another method, URL (path and query) or headers, sharing body, app and state, as
   * aiohttp's `clone` (middlewares use it to rewrite a path before routing continues).
   */
  clone(options: RequestCloneOptions = {}): Request<Params> {
    let rawPath = this._rawPath;
    let qs = this._queryString;
    if (options.relUrl !== undefined) {
      const u = options.relUrl instanceof URL ? options.relUrl : new URL(options.relUrl, 'http://localhost');
      rawPath = u.pathname;
      qs = u.search.slice(1);
    }
    const copy = new Request<Params>(this.#message, this.#res, this.#app, rawPath, qs, this._upgrade, this._authority);
    copy.#outer = this.#outer;
    copy._match = this._match;
    copy._startTime = this._startTime;
    copy._routePath = this._routePath;
    copy.#body = this.#body;
    copy.#state = this.#state;
    const o = this.#override;
    const method = options.method?.toUpperCase() ?? o?.method;
    const headers = options.headers !== undefined ? new CIMultiDict<string>(options.headers) : o?.headers;
    const scheme = options.scheme ?? o?.scheme;
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') throw new TypeError(`scheme must be 'http' or 'https', got ${JSON.stringify(scheme)}`);
    const host = options.host ?? o?.host;
    if (host !== undefined && !isValidHost(host)) throw new TypeError(`invalid host ${JSON.stringify(host)}`);
    const remote = options.remote ?? o?.remote;
    if (method !== undefined || headers !== undefined || scheme !== undefined || host !== undefined || remote !== undefined) {
      copy.#override = { method, headers, scheme, host, remote };
    }
    return copy;
  }

  /** @internal The node response this request answers through (created on demand for upgrades). */
  get _res(): ServerResponse {
    const res = this.#res;
    if (typeof res === 'function') return (this.#res = res());
    return res;
  }

  /** @internal Whether a node response exists yet (an upgrade request may never need one). */
  get _hasRes(): boolean {
    return typeof this.#res !== 'function';
  }

  /** The node IncomingMessage, for interop; do not read its body if you use `read()`. */
  get message(): IncomingMessage {
    return this.#message;
  }

  /** The connection's socket (aiohttp's `transport`). */
  get transport(): Socket {
    return this.#message.socket;
  }

  get method(): string {
    return this.#override?.method ?? this.#message.method ?? 'GET';
  }

  /** HTTP version as `{ major, minor }`. */
  get version(): { major: number; minor: number } {
    return { major: this.#message.httpVersionMajor, minor: this.#message.httpVersionMinor };
  }

  /** @internal The path for routing: decoded except `%2F` and `%25`. */
  get _pathSafe(): string {
    return decodePathSafe(this._rawPath);
  }

  /** The path, percent-decoded. */
  get path(): string {
    return (this.#path ??= decodePath(this._rawPath));
  }

  /** The path as sent, still percent-encoded. */
  get rawPath(): string {
    return this._rawPath;
  }

  /** The query string without `?`, as sent. */
  get queryString(): string {
    return this._queryString;
  }

  /** Path and query as sent (aiohttp's `path_qs`). */
  get pathQs(): string {
    return this._queryString ? `${this._rawPath}?${this._queryString}` : this._rawPath;
  }

  /**
   * The full URL: scheme, `host`, then the path and query. The path is appended after the
   * authority, not resolved against it, so a path such as `//evil.example` or `/\evil.example`
   * stays a path (WHATWG URL rules would read it as a host).
   */
  get url(): URL {
    if (this.#url === undefined) {
      const pathQs = this.pathQs;
      this.#url = new URL(`${this.scheme}://${this.host}${pathQs.charCodeAt(0) === 47 /* '/' */ ? pathQs : `/${pathQs}`}`);
    }
    return this.#url;
  }

  /** Decoded query pairs in order. */
  get query(): MultiDictProxy<string> {
    return (this.#query ??= new MultiDictProxy(new MultiDict<string>(new URLSearchParams(this._queryString))));
  }

  /** Route parameters, percent-decoded. */
  get matchInfo(): Readonly<Params> {
    return (this._match?.matchInfo ?? {}) as Readonly<Params>;
  }

  /** The route that matched, if any. */
  get route(): ResourceRoute | undefined {
    return this._match?.route ?? undefined;
  }

  /** Request headers, case-insensitive, repeated names kept. */
  get headers(): MultiDictProxy<string> {
    if (this.#headers === undefined && this.#override?.headers !== undefined) this.#headers = new MultiDictProxy(this.#override.headers);
    if (this.#headers === undefined) {
      const raw = this.#message.rawHeaders;
      const md = new CIMultiDict<string>();
      for (let i = 0; i < raw.length; i += 2) md.add(raw[i]!, raw[i + 1]!);
      this.#headers = new MultiDictProxy(md);
    }
    return this.#headers;
  }

  /** Cookies from the Cookie header. */
  get cookies(): Readonly<Record<string, string>> {
    return (this.#cookies ??= Object.freeze(parseCookieHeader(this.#header('cookie'))));
  }

  /**
   * The authority the client asked for, validated: an absolute-form target's (RFC 9112 §3.2.2),
   * else the Host header; `localhost` when neither (HTTP/1.0 without Host, or an empty Host); what
   * a trusted proxy said once `clone({ host })` set it.
   */
  get host(): string {
    return this.#override?.host ?? this._authority ?? 'localhost';
  }

  /** `https` on a TLS connection, else `http` (or what a trusted proxy said, via `clone({ scheme })`). */
  get scheme(): 'http' | 'https' {
    return this.#override?.scheme ?? ((this.#message.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http');
  }

  get secure(): boolean {
    return this.scheme === 'https';
  }

  /** The peer address (undefined once the socket is gone), or the client a trusted proxy named. */
  get remote(): string | undefined {
    return this.#override?.remote ?? this.#message.socket?.remoteAddress;
  }

  #ct(): ParsedContentType {
    return (this.#contentType ??= parseContentType(this.#header('content-type')));
  }

  /** The media type, lower-cased, `application/octet-stream` when absent (as aiohttp). */
  get contentType(): string {
    return this.#ct().mimetype || 'application/octet-stream';
  }

  /** The charset parameter of Content-Type, if any. */
  get charset(): string | undefined {
    return this.#ct().params['charset'];
  }

  /** The Content-Length header as a number, if present. */
  get contentLength(): number | undefined {
    const v = this.#header('content-length');
    return v === undefined ? undefined : Number(v);
  }

  /** Whether the request may carry a body. */
  get canReadBody(): boolean {
    const h = this.#message.headers;
    return h['content-length'] !== undefined ? h['content-length'] !== '0' : h['transfer-encoding'] !== undefined;
  }

  /** Whether the request has a body; false once it was read. */
  get bodyExists(): boolean {
    return this.canReadBody;
  }

  /**
   * The body as a stream, for streaming reads, decoded when it has a Content-Encoding;
   * `clientMaxSize` does not apply to it.
   */
  get content(): Readable {
    return (this.#content ??= this.#decoded(0));
  }

  /** The body stream, decoded per Content-Encoding with a cap of `limit` decoded bytes (0: none). */
  #decoded(limit: number): Readable {
    const ce = this.#header('content-encoding');
    if (ce === undefined || /^\s*identity\s*$/i.test(ce) || ce.trim() === '') return this.#message;
    if (!isDecodable(ce)) throw new HTTPUnsupportedMediaType({ text: `Unsupported Content-Encoding ${JSON.stringify(ce)}: use gzip, deflate or br` });
    return decodeBody(this.#message, ce, limit);
  }

  /** Aborts when the client goes away before the response is finished. */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      const ac = (this.#abort = new AbortController());
      const target = this._upgrade !== undefined ? this._upgrade.socket : this._res;
      const onClose = (): void => {
        const res = this._hasRes ? this._res : undefined;
        if (res === undefined || !res.writableFinished) ac.abort(new Error('client disconnected'));
      };
      if (target.destroyed) onClose();
      else target.once('close', onClose);
    }
    return this.#abort.signal;
  }

  /** The body limit in force: the route's `clientMaxSize` when it has one, else the application's. */
  get clientMaxSize(): number {
    return this._match?.route?.clientMaxSize ?? this.#app.clientMaxSize;
  }

  /** The whole body; over `clientMaxSize` (the route's, else the app's) throws HTTPRequestEntityTooLarge (413). */
  read(): Promise<Buffer> {
    return (this.#body ??= this.#readBody());
  }

  #readBody(): Promise<Buffer> {
    if (this._upgrade !== undefined) return Promise.resolve(EMPTY_BUFFER);
    const max = this.clientMaxSize;
    const cl = this.#message.headers['content-length'];
    const declared = cl === undefined ? undefined : Number(cl);
    if (max > 0 && declared !== undefined && declared > max) return Promise.reject(new HTTPRequestEntityTooLarge(max, declared));
    const msg = this.#message;
    let source: Readable;
    try {
      source = this.#decoded(max);
    } catch (err) {
      return Promise.reject(err);
    }
    if (source === msg) {
      if (msg.complete && msg.readableLength === 0) return Promise.resolve(EMPTY_BUFFER);
      // The common case, an identity body: 'data' events straight off the message (no async iterator).
      if (msg.readableFlowing !== false && !msg.readableDidRead) return collectBody(msg, max);
    }
    return this.#readStream(source, max);
  }

  async #readStream(source: Readable, max: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      // Not destroying the message on a 413 lets the response reach the client before the close.
      for await (const chunk of source.iterator({ destroyOnReturn: source !== this.#message }) as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (max > 0 && size > max) throw new HTTPRequestEntityTooLarge(max, size);
        chunks.push(chunk);
      }
    } catch (err) {
      throw bodyError(err, max, size);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  }

  /**
   * The body decoded with the request charset (UTF-8 by default). Invalid bytes become U+FFFD, as
   * aiohttp's `text()` (errors="replace"); `json()` refuses them instead.
   */
  text(): Promise<string> {
    return this.read().then((body) => decodeText(body, this.charset));
  }

  /**
   * The body parsed as JSON; invalid JSON throws HTTPBadRequest (400). The body is decoded strictly
   * (RFC 8259 §8.1): bytes that are not valid UTF-8 (or not valid in a declared charset) are a 400
   * "Invalid JSON in request body: not valid UTF-8", where `text()` would replace them with U+FFFD.
   */
  json<T = unknown>(loads: (text: string) => unknown = JSON.parse): Promise<T> {
    // One promise hop: read, decode and parse in one callback.
    return this.read().then((body) => {
      const text = decodeJsonText(body, this.charset);
      try {
        return loads(text) as T;
      } catch (err) {
        throw new HTTPBadRequest({ text: `Invalid JSON in request body: ${(err as Error).message}` });
      }
    });
  }

  /**
   * A streaming reader of a multipart body (aiohttp's `request.multipart()`): parts one at a time,
   * each readable as bytes, text, JSON or a stream. Limits default to the reader's, with no total
   * cap unless the route sets `clientMaxSize`; pass `maxTotalSize` to set one.
   */
  multipart(limits: MultipartLimits = {}): MultipartReader {
    // Streaming stays uncapped by the app-wide limit (as aiohttp); a route's own limit caps it.
    const max = this._match?.route?.clientMaxSize ?? 0;
    const declared = this.contentLength;
    if (max > 0 && declared !== undefined && declared > max) throw new HTTPRequestEntityTooLarge(max, declared);
    try {
      return new MultipartReader(this.#message.headers, this.#decoded(max), { maxTotalSize: max > 0 ? max : Infinity, ...limits });
    } catch (err) {
      throw bodyError(err, max, 0);
    }
  }

  /**
   * Form fields of an `application/x-www-form-urlencoded` or `multipart/form-data` body, in order;
   * files are FileFields (in memory, or spooled to a temp file removed when the response is done).
   * The whole body is held to `clientMaxSize` (413); a malformed body is a 400. An empty
   * proxy for other methods or media types.
   */
  post(options?: ReadMultipartFormOptions): Promise<MultiDictProxy<string | FileField>> {
    return (this.#post ??= this.#readPost(options));
  }

  async #readPost(options: ReadMultipartFormOptions | undefined): Promise<MultiDictProxy<string | FileField>> {
    const md = new MultiDict<string | FileField>();
    if (!FORM_METHODS.has(this.method)) return new MultiDictProxy(md);
    const type = this.#ct().mimetype;
    if (type === 'multipart/form-data') return new MultiDictProxy(await this.#readMultipartForm(options));
    if (type !== '' && type !== 'application/x-www-form-urlencoded') return new MultiDictProxy(md);
    for (const [k, v] of new URLSearchParams(await this.text())) md.add(k, v);
    return new MultiDictProxy(md);
  }

  async #readMultipartForm(options: ReadMultipartFormOptions | undefined): Promise<MultiDict<string | FileField>> {
    const max = this.clientMaxSize;
    const declared = this.contentLength;
    if (max > 0 && declared !== undefined && declared > max) throw new HTTPRequestEntityTooLarge(max, declared);
    const limit = max > 0 ? max : Infinity;
    let form;
    try {
      // A body already read (e.g. by `read()` for a checksum) is parsed from memory.
      const source = this.#body !== undefined ? Readable.from([await this.#body]) : this.#decoded(max);
      form = await readMultipartForm(this.#message.headers, source, { maxTotalSize: limit, maxFieldSize: Math.min(limit, 1024 * 1024), ...options });
    } catch (err) {
      throw bodyError(err, max, NaN);
    }
    if (form.files.length !== 0) {
      const res = this._hasRes ? this._res : this._upgrade?.socket;
      if (res === undefined || res.destroyed) void form.cleanup();
      else res.once('close', () => void form.cleanup());
    }
    return form;
  }

  /** Stores per-request state under a typed key. */
  set<T>(key: RequestKey<T>, value: T): void {
    (this.#state ??= new Map()).set(key as RequestKey<unknown>, value);
  }

  /** Per-request state for `key`; a missing key throws a RangeError naming it. */
  get<T>(key: RequestKey<T>): T {
    const state = this.#state;
    if (state === undefined || !state.has(key as RequestKey<unknown>)) throw new RangeError(`request state has no key ${key.name}`);
    return state.get(key as RequestKey<unknown>) as T;
  }

  /** Whether per-request state has `key`. */
  has(key: RequestKey<unknown>): boolean {
    return this.#state?.has(key) ?? false;
  }

  /** Removes per-request state for `key`. */
  delete(key: RequestKey<unknown>): boolean {
    return this.#state?.delete(key) ?? false;
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

/** aiohttp's name for the request base; here the same class. */
export { Request as BaseRequest };
