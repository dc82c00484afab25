/**
 * ClientSession, as aiohttp's `client.py`: defaults (base URL, headers, auth, timeout), one cookie
 * jar and one connection pool shared by its requests, and the request loop (middlewares, cookies
 * per hop, redirects).
 */
import { CIMultiDict } from '../common/multidict.js';
import type { MultiDictInit } from '../common/multidict.js';
import { CookieJar, quoteCookieValue } from '../common/cookies/cookie-jar.js';
import type { AbstractCookieJar, CookiesInit } from '../common/cookies/cookie-jar.js';
import { buildTarget, URLError } from '../common/url.js';
import type { Params } from '../common/url.js';
import { TCPConnector } from './connector.js';
import type { DispatchRequest, ProxySettings, SSLOption } from './connector.js';
import {
  ClientSessionClosedError,
  InvalidUrlClientError,
  NonHttpUrlClientError,
  RedirectBodyError,
  TooManyRedirects,
} from './errors.js';
import { buildChain } from './middlewares.js';
import type { ClientHandler, ClientMiddleware } from './middlewares.js';
import { isSameOrigin, reachedMaxRedirects, redirectLocation, redirectStep, resolveLocation, stripBodyHeaders, stripCredentials } from './redirects.js';
import { BasicAuth, ClientRequest, buildBody, mergeHeaders, toHeaders } from './request.js';
import type { Progress, RequestData } from './request.js';
import { ClientResponse, Deadline, Exchange } from './response.js';
import type { ExchangeContext } from './response.js';
import { ClientTimeout, DEFAULT_TIMEOUT, toMs } from './timeout.js';
import { Trace } from './tracing.js';
import { wsConnect } from './ws.js';
import type { ClientWebSocketResponse, WSConnectOptions } from './ws.js';
import type { TraceConfig } from './tracing.js';

/** `raiseForStatus`: true, false, or a check run on every response. */
export type RaiseForStatus = boolean | ((response: ClientResponse) => void | Promise<void>);

/** Options of `new ClientSession()`. */
export interface ClientSessionOptions {
  /** Base for relative request URLs (joined as RFC 3986 references, as aiohttp 3.10+). */
  baseUrl?: string | URL;
  /** Headers sent with every request. */
  headers?: MultiDictInit<string>;
  /** Cookies sent to every host. */
  cookies?: CookiesInit;
  /** The jar; default a `CookieJar()`. `new DummyCookieJar()` disables cookies. */
  cookieJar?: AbstractCookieJar;
  /**
   * Basic credentials for every request; with a `baseUrl`, only for requests to the base URL's
   * origin (as aiohttp).
   */
  auth?: BasicAuth;
  /** Default timeouts; default `total` 300 s. */
  timeout?: ClientTimeout;
  /** Throw ClientResponseError for status >= 400, or run this check on every response. */
  raiseForStatus?: RaiseForStatus;
  /** JSON serialiser for `json:` bodies. Default `JSON.stringify`. */
  jsonSerialize?: (value: unknown) => string;
  /** The connection pool; default a `TCPConnector()` owned by the session. */
  connector?: TCPConnector;
  /** Close the connector with the session. Default true. */
  connectorOwner?: boolean;
  /** Tracing callbacks. */
  traceConfigs?: readonly TraceConfig[];
  /** Decompress gzip, deflate and br bodies. Default true. */
  autoDecompress?: boolean;
  /** Redirects to follow before TooManyRedirects. Default 10. */
  maxRedirects?: number;
  /** Bytes buffered per response before the socket is paused. Default 64 KiB. */
  readBufferSize?: number;
  /** Cap on a (decoded) response body in bytes; ContentTooLargeError above it. Default none. */
  maxBodySize?: number | null;
  /** Cap on a decompressed body in bytes (compression bombs). Default 1 GiB. */
  maxDecompressSize?: number;
  /**
   * Most times a compressed body may inflate, checked once 1 MiB has been decoded;
   * DecompressionRatioError above it, so a bomb stops early. `null` turns it off. Default 200.
   */
  maxDecompressRatio?: number | null;
  /** Client middlewares, outermost first. */
  middlewares?: readonly ClientMiddleware[];
  /** Proxy for every request: `http://user:pass@proxy:3128` or `socks5://proxy:1080`. */
  proxy?: string | URL;
  /** Credentials for the proxy. */
  proxyAuth?: BasicAuth;
  /** Read HTTP_PROXY/HTTPS_PROXY/NO_PROXY from the environment. Default false. */
  trustEnv?: boolean;
  /** Follow redirects from https to http. Default false. */
  allowInsecureRedirects?: boolean;
  /** Skip the default User-Agent and Accept headers. */
  skipAutoHeaders?: readonly string[];
}

/** Options of one request. */
export interface RequestOptions {
  /** Query parameters appended to the URL. */
  params?: Params;
  /** Body: text, bytes, object/pairs (urlencoded), FormData, file or stream. */
  data?: RequestData;
  /** Body serialised as JSON (not together with `data`). */
  json?: unknown;
  /** Headers, replacing the session's of the same name. */
  headers?: MultiDictInit<string>;
  /** Cookies for this request only. */
  cookies?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>;
  /** Basic credentials. */
  auth?: BasicAuth;
  /** Follow redirects. Default true. */
  allowRedirects?: boolean;
  /** Redirects to follow. Default the session's. */
  maxRedirects?: number;
  /** Timeouts for this request. */
  timeout?: ClientTimeout;
  /** Send the URL exactly as given, without re-quoting (aiohttp's `URL(..., encoded=True)`). */
  encoded?: boolean;
  /** See ClientSessionOptions. */
  raiseForStatus?: RaiseForStatus;
  /** Decompress the body. Default the session's. */
  autoDecompress?: boolean;
  /** TLS for this request: `false` skips certificate verification, an object adds `tls.connect` options. */
  ssl?: SSLOption;
  /** Send the body with chunked transfer encoding even when its size is known. */
  chunked?: boolean;
  /** Proxy for this request. */
  proxy?: string | URL;
  proxyAuth?: BasicAuth;
  proxyHeaders?: Record<string, string>;
  /** Passed to each TraceConfig's context factory. */
  traceRequestCtx?: unknown;
  /** Called as the body is sent. */
  onUploadProgress?: (progress: Progress) => void;
  /** Called as the body is received. */
  onDownloadProgress?: (progress: Progress) => void;
  /** Request-specific middlewares (replace the session's). */
  middlewares?: readonly ClientMiddleware[];
  /** Default headers (User-Agent, Accept, Accept-Encoding) not to send with this request. */
  skipAutoHeaders?: readonly string[];
  /** Maximum size of the response body; see ClientSessionOptions. */
  maxBodySize?: number | null;
  /** See ClientSessionOptions. */
  allowInsecureRedirects?: boolean;
}

const DEFAULT_ACCEPT_ENCODING = 'gzip, deflate, br';

// A session collected without close() leaks its pool; warn once per session, as aiohttp's
// "Unclosed client session" does, and close the pool it owned (aio-libs/aiohttp#1175).
const unclosed = new FinalizationRegistry<TCPConnector | null>((connector) => {
  process.emitWarning('Unclosed client session: call `await session.close()` or use `await using`', {
    type: 'ResourceWarning',
    code: 'AIOHTTP_TS_UNCLOSED_SESSION',
  });
  void connector?.close();
});
const USER_AGENT = 'aiohttp-ts/0.1';

function envProxy(url: URL): string | null {
  const env = process.env;
  const noProxy = env.NO_PROXY ?? env.no_proxy ?? '';
  if (noProxy !== '') {
    const host = url.hostname.toLowerCase();
    for (const raw of noProxy.split(',')) {
      const entry = raw.trim().toLowerCase().replace(/:\d+$/, '');
      if (entry === '') continue;
      if (entry === '*') return null;
      const bare = entry.startsWith('.') ? entry.slice(1) : entry;
      if (host === bare || host.endsWith('.' + bare)) return null;
    }
  }
  const v = url.protocol === 'https:' ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy;
  return v === undefined || v === '' ? null : v;
}

/**
 * A client session: connection pool, cookie jar and defaults shared by its requests.
 *
 * @example
 * await using session = new ClientSession({ baseUrl: 'http://localhost:8080/' });
 * await using resp = await session.get('querystring', { params: { key1: 'val1' } });
 * console.log(resp.status, await resp.text());
 */
export class ClientSession implements AsyncDisposable {
  readonly #connector: TCPConnector;
  readonly #connectorOwner: boolean;
  readonly #baseUrl: URL | undefined;
  readonly #headers: CIMultiDict;
  readonly #jar: AbstractCookieJar;
  readonly #auth: BasicAuth | null;
  readonly #timeout: ClientTimeout;
  readonly #raiseForStatus: RaiseForStatus;
  readonly #jsonSerialize: (value: unknown) => string;
  readonly #traceConfigs: readonly TraceConfig[];
  readonly #autoDecompress: boolean;
  readonly #maxRedirects: number;
  readonly #readBufferSize: number;
  readonly #maxBodySize: number | null;
  readonly #maxDecompressSize: number;
  readonly #maxDecompressRatio: number | null;
  readonly #middlewares: readonly ClientMiddleware[];
  readonly #proxy: string | null;
  readonly #proxyAuth: BasicAuth | null;
  readonly #trustEnv: boolean;
  readonly #allowInsecureRedirects: boolean;
  readonly #autoHeaders: ReadonlySet<string>;
  #closed = false;

  constructor(options: ClientSessionOptions = {}) {
    this.#connector = options.connector ?? new TCPConnector();
    this.#connectorOwner = options.connectorOwner ?? true;
    if (options.baseUrl !== undefined) {
      const b = new URL(String(options.baseUrl));
      if (b.protocol !== 'http:' && b.protocol !== 'https:') throw new TypeError(`baseUrl must be an http(s) URL, got ${b.href}`);
      this.#baseUrl = b;
    } else {
      this.#baseUrl = undefined;
    }
    this.#headers = toHeaders(options.headers);
    const skip = new Set((options.skipAutoHeaders ?? []).map((h) => h.toLowerCase()));
    const auto: string[] = [];
    if (!skip.has('user-agent') && !this.#headers.has('user-agent')) {
      this.#headers.add('User-Agent', USER_AGENT);
      auto.push('user-agent');
    }
    if (!skip.has('accept') && !this.#headers.has('accept')) {
      this.#headers.add('Accept', '*/*');
      auto.push('accept');
    }
    this.#autoDecompress = options.autoDecompress ?? true;
    if (!skip.has('accept-encoding') && !this.#headers.has('accept-encoding') && this.#autoDecompress) {
      this.#headers.add('Accept-Encoding', DEFAULT_ACCEPT_ENCODING);
      auto.push('accept-encoding');
    }
    this.#autoHeaders = new Set(auto);
    this.#jar = options.cookieJar ?? new CookieJar();
    if (options.cookies !== undefined) this.#jar.updateCookies(options.cookies);
    this.#auth = options.auth ?? null;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    if (!(this.#timeout instanceof ClientTimeout)) throw new TypeError('timeout must be a ClientTimeout');
    this.#raiseForStatus = options.raiseForStatus ?? false;
    this.#jsonSerialize = options.jsonSerialize ?? JSON.stringify;
    this.#traceConfigs = options.traceConfigs ?? [];
    for (const tc of this.#traceConfigs) tc.freeze();
    this.#maxRedirects = options.maxRedirects ?? 10;
    this.#readBufferSize = options.readBufferSize ?? 2 ** 16;
    this.#maxBodySize = options.maxBodySize ?? null;
    this.#maxDecompressSize = options.maxDecompressSize ?? 2 ** 30;
    this.#maxDecompressRatio = options.maxDecompressRatio === undefined ? 200 : options.maxDecompressRatio;
    if (this.#maxDecompressRatio !== null && !(this.#maxDecompressRatio >= 1)) throw new RangeError('maxDecompressRatio must be >= 1 or null');
    this.#middlewares = options.middlewares ?? [];
    this.#proxy = options.proxy === undefined ? null : String(options.proxy);
    this.#proxyAuth = options.proxyAuth ?? null;
    this.#trustEnv = options.trustEnv ?? false;
    this.#allowInsecureRedirects = options.allowInsecureRedirects ?? false;
    unclosed.register(this, this.#connectorOwner ? this.#connector : null, this);
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The connection pool. */
  get connector(): TCPConnector {
    return this.#connector;
  }

  /** The cookie jar. */
  get cookieJar(): AbstractCookieJar {
    return this.#jar;
  }

  /** Default headers (a copy). */
  get headers(): CIMultiDict {
    return this.#headers.copy();
  }

  /** Default timeouts. */
  get timeout(): ClientTimeout {
    return this.#timeout;
  }

  /** Default credentials. */
  get auth(): BasicAuth | null {
    return this.#auth;
  }

  /** The base URL, if any. */
  get baseUrl(): URL | undefined {
    return this.#baseUrl;
  }

  /** Performs a request; resolves once status and headers have arrived. */
  async request(method: string, url: string | URL, options: RequestOptions = {}): Promise<ClientResponse> {
    if (this.#closed) throw new ClientSessionClosedError('Session is closed');
    method = method.toUpperCase();
    const body = buildBody(options.data, options.json, this.#jsonSerialize);
    let target;
    try {
      target = buildTarget(url, this.#baseUrl, options.params, options.encoded ?? false);
    } catch (err) {
      if (err instanceof URLError) {
        if (err.message.startsWith('Unsupported URL scheme')) throw new NonHttpUrlClientError(String(url), err.message, { cause: err });
        throw new InvalidUrlClientError(String(url), err.message, { cause: err });
      }
      throw err;
    }
    const headers = this.#headers.copy();
    if (options.skipAutoHeaders !== undefined) {
      for (const name of options.skipAutoHeaders) if (this.#autoHeaders.has(name.toLowerCase())) headers.delete(name);
    }
    if (options.headers !== undefined) mergeHeaders(headers, options.headers);
    let auth = options.auth ?? null;
    const urlAuth = BasicAuth.fromUrl(target.url);
    if (urlAuth !== null) {
      if (auth !== null) throw new TypeError('Cannot combine AUTH argument with credentials encoded in URL');
      auth = urlAuth;
    }
    if (auth === null && !headers.has('authorization')) auth = this.#sessionAuthFor(target.url);
    const timeout = options.timeout ?? this.#timeout;
    const deadline = new Deadline(timeout.total, target.href);
    const trace = this.#traceConfigs.length > 0 ? new Trace(this, this.#traceConfigs, options.traceRequestCtx) : null;
    const connectMs = timeout.connect !== null && (timeout.sockConnect === null || timeout.connect <= timeout.sockConnect)
      ? toMs(timeout.connect) : toMs(timeout.sockConnect);
    const ctx: ExchangeContext = {
      session: this,
      trace,
      deadline,
      autoDecompress: options.autoDecompress ?? this.#autoDecompress,
      maxBodySize: options.maxBodySize === undefined ? this.#maxBodySize : options.maxBodySize,
      maxDecompressSize: this.#maxDecompressSize,
      maxDecompressRatio: this.#maxDecompressRatio,
      readBufferSize: this.#readBufferSize,
      connectMs,
      connectKind: timeout.connect !== null && (timeout.sockConnect === null || timeout.connect <= timeout.sockConnect) ? 'connect' : 'sockConnect',
      onUploadProgress: options.onUploadProgress,
      onDownloadProgress: options.onDownloadProgress,
      socketPath: this.#connector._socketPath,
    };
    if (target.url.username !== '' || target.url.password !== '') {
      target.url.username = '';
      target.url.password = '';
    }
    let req = new ClientRequest(method, target.url, headers, body, auth, target.path, target.href);
    let hopOptions = options;
    const send: ClientHandler = (r) => this.#send(r, ctx, timeout, hopOptions);
    const mws = options.middlewares ?? this.#middlewares;
    const handler = mws.length === 0 ? send : buildChain(mws, send);
    const allowRedirects = options.allowRedirects ?? true;
    const maxRedirects = options.maxRedirects ?? this.#maxRedirects;
    const allowInsecure = options.allowInsecureRedirects ?? this.#allowInsecureRedirects;
    let history: ClientResponse[] | null = null;
    try {
      if (trace !== null) await trace.send('onRequestStart', { method, url: req.url, headers });
      for (;;) {
        const resp = await handler(req);
        const location = allowRedirects ? redirectLocation(resp.status, resp.headers) : undefined;
        if (location !== undefined) {
          (history ??= []).push(resp);
          if (trace !== null) await trace.send('onRequestRedirect', { method: req.method, url: req.url, headers: req.headers, response: resp });
          if (reachedMaxRedirects(history.length, maxRedirects)) {
            resp.release();
            throw new TooManyRedirects(history[0]!.requestInfo, Object.freeze(history.slice()), {
              status: resp.status,
              message: `Too many redirects (${maxRedirects})`,
              headers: resp.headers,
            });
          }
          await drainHop(resp);
          req = this.#nextHop(req, resp, location, allowInsecure);
          // Per-request cookies belong to the first origin; once a hop leaves it they are dropped for good, as Cookie is.
          if (hopOptions.cookies !== undefined && req.url.origin !== target.url.origin) {
            const { cookies: _dropped, ...rest } = hopOptions;
            hopOptions = rest;
          }
          continue;
        }
        if (history !== null) resp._history = Object.freeze(history);
        resp._onBodyDone(() => deadline.clear());
        const rfs = options.raiseForStatus ?? this.#raiseForStatus;
        if (rfs === true) resp.raiseForStatus();
        else if (typeof rfs === 'function') {
          try {
            await rfs(resp);
          } catch (err) {
            resp.release();
            throw err;
          }
        }
        if (trace !== null) await trace.send('onRequestEnd', { method: req.method, url: req.url, headers: req.headers, response: resp });
        return resp;
      }
    } catch (err) {
      // A middleware or check that threw after a response arrived must not leak its connection.
      deadline.abortCurrent(err instanceof Error ? err : new Error(String(err)));
      deadline.clear();
      if (trace !== null) await trace.send('onRequestException', { method: req.method, url: req.url, headers: req.headers, exception: err as Error });
      throw err;
    }
  }

  /**
   * The session's `auth` for a request to `url`: with a `baseUrl`, only when `url` has the base
   * URL's origin (aiohttp 3.10+), so an absolute URL to another host never gets the credentials.
   */
  #sessionAuthFor(url: URL): BasicAuth | null {
    if (this.#auth === null) return null;
    if (this.#baseUrl !== undefined && this.#baseUrl.origin !== url.origin) return null;
    return this.#auth;
  }

  #nextHop(req: ClientRequest, resp: ClientResponse, location: string, allowInsecure: boolean): ClientRequest {
    const next = resolveLocation(location, req.url, allowInsecure);
    const step = redirectStep(resp.status, req.method);
    const headers = req.headers.copy();
    headers.delete('host');
    let body = req.body;
    if (!step.keepBody) {
      body = null;
      stripBodyHeaders(headers);
    } else if (body !== null && !body.replayable) {
      throw new RedirectBodyError(
        `Cannot follow the ${resp.status} redirect to ${next.href}: the request body was a one-shot stream ` +
          'that cannot be sent again (use a Buffer, a string, a file stream or FormData of those, or allowRedirects: false)',
      );
    }
    let auth = req.auth;
    if (!isSameOrigin(req.url, next)) {
      auth = null;
      stripCredentials(headers);
    }
    const nextAuth = BasicAuth.fromUrl(next);
    if (nextAuth !== null) {
      auth = nextAuth;
      next.username = '';
      next.password = '';
    }
    const path = next.pathname + next.search;
    return new ClientRequest(step.method, next, headers, body, auth, path, next.origin + path + next.hash);
  }

  #proxyFor(url: URL, options: RequestOptions): ProxySettings | null {
    let proxy = options.proxy !== undefined ? String(options.proxy) : this.#proxy;
    if (proxy === null && this.#trustEnv) proxy = envProxy(url);
    if (proxy === null) return null;
    const p = new URL(proxy);
    let auth = options.proxyAuth ?? this.#proxyAuth ?? BasicAuth.fromUrl(p);
    if (p.username !== '' || p.password !== '') {
      p.username = '';
      p.password = '';
    }
    if (auth === undefined) auth = null;
    if (p.protocol === 'socks5:' || p.protocol === 'socks5h:') {
      return auth === null
        ? { url: p.href, authorization: null }
        : { url: p.href, authorization: null, credentials: { username: auth.login, password: auth.password } };
    }
    if (p.protocol !== 'http:' && p.protocol !== 'https:') throw new TypeError(`proxy: unsupported scheme ${p.protocol} (http, https or socks5)`);
    return options.proxyHeaders === undefined
      ? { url: p.href, authorization: auth === null ? null : auth.encode() }
      : { url: p.href, authorization: auth === null ? null : auth.encode(), headers: options.proxyHeaders };
  }

  /** The innermost handler: sends one hop through the connector. */
  async #send(req: ClientRequest, ctx: ExchangeContext, timeout: ClientTimeout, options: RequestOptions): Promise<ClientResponse> {
    if (this.#closed) throw new ClientSessionClosedError('Session is closed');
    if (req._pathFor !== req.url) {
      req._path = req.url.pathname + req.url.search;
      req._href = req.url.origin + req._path + req.url.hash;
      req._pathFor = req.url;
    }
    const url = req.url;
    const h = req.headers;
    const body = req.body;
    if (body !== null) {
      if (body.size === null) await body.prepare();
      if (body.contentType !== null && !h.has('content-type')) h.add('Content-Type', body.contentType);
      if (body.size !== null && options.chunked !== true && !h.has('content-length') && !h.has('transfer-encoding')) {
        h.set('Content-Length', String(body.size));
      }
    }
    if (req.auth !== null && !h.has('authorization')) h.add('Authorization', req.auth.encode());
    // The headers array undici gets; the jar's Cookie header is computed per hop, not stored in `h`.
    const flat: string[] = [];
    let userCookie: string | null = null;
    for (const [k, v] of h) {
      if (k.length === 6 && k.toLowerCase() === 'cookie') {
        userCookie = userCookie === null ? v : `${userCookie}; ${v}`;
        continue;
      }
      flat.push(k, v);
    }
    let cookie = this.#jar.cookieHeader(url);
    if (options.cookies !== undefined) {
      const extra = options.cookies;
      const entries = Symbol.iterator in extra ? (extra as Iterable<readonly [string, string]>) : Object.entries(extra);
      for (const [k, v] of entries) cookie = cookie === '' ? `${k}=${quoteCookieValue(v)}` : `${cookie}; ${k}=${quoteCookieValue(v)}`;
    }
    if (userCookie !== null) cookie = cookie === '' ? userCookie : `${userCookie}; ${cookie}`;
    if (cookie !== '') flat.push('Cookie', cookie);
    const proxy = options.proxy !== undefined || this.#proxy !== null || this.#trustEnv ? this.#proxyFor(url, options) : null;
    const dreq: DispatchRequest = {
      origin: url.origin,
      path: req._path,
      method: req.method,
      headers: flat,
      body: body === null ? null : options.chunked === true ? asIterable(body.body()) : body.body(),
      headersTimeoutMs: toMs(timeout.sockRead),
      bodyTimeoutMs: toMs(timeout.sockRead),
      proxy,
      ssl: options.ssl,
    };
    const resp = await new Promise<ClientResponse>((resolve, reject) => {
      const ex = new Exchange(ctx, req, resolve, reject, proxy !== null);
      this.#connector._dispatch(dreq, ex);
    });
    const setCookies = resp._setCookieHeaders();
    if (setCookies.length > 0) this.#jar.updateFromSetCookie(setCookies, url);
    return resp;
  }

  /**
   * @internal What a WebSocket upgrade (`wsConnect`, built on `websocket/ws-adapter.ts`) needs from
   * the session: the resolved URL, the headers it would send (defaults, auth, cookies) and TLS
   * options of the connector. `ws://` and `wss://` map to http and https for cookies and auth.
   */
  _upgradeRequest(
    url: string | URL,
    options: Pick<RequestOptions, 'headers' | 'auth' | 'params' | 'cookies' | 'ssl'> = {},
    leftOrigin = false,
  ): {
    url: URL;
    headers: Record<string, string>;
    tls: import('node:tls').ConnectionOptions;
    socketPath: string | undefined;
  } {
    if (this.#closed) throw new ClientSessionClosedError('Session is closed');
    const raw = String(url).replace(/^ws(s?):/i, 'http$1:');
    const target = buildTarget(raw, this.#baseUrl, options.params, false);
    const headers = this.#headers.copy();
    headers.delete('accept-encoding');
    if (options.headers !== undefined) mergeHeaders(headers, options.headers);
    // A redirect that left the first origin: no credential of the first request follows it, for
    // good (as #nextHop); only user:pass in the new URL and the jar's cookies for it apply.
    if (leftOrigin) stripCredentials(headers);
    const auth = leftOrigin ? BasicAuth.fromUrl(target.url) : options.auth ?? BasicAuth.fromUrl(target.url) ?? this.#sessionAuthFor(target.url);
    if (auth !== null && !headers.has('authorization')) headers.set('Authorization', auth.encode());
    const full = new URL(target.href);
    let cookie = this.#jar.cookieHeader(full);
    if (options.cookies !== undefined && !leftOrigin) {
      const entries = Symbol.iterator in options.cookies
        ? (options.cookies as Iterable<readonly [string, string]>) : Object.entries(options.cookies);
      for (const [k, v] of entries) cookie = cookie === '' ? `${k}=${quoteCookieValue(v)}` : `${cookie}; ${k}=${quoteCookieValue(v)}`;
    }
    if (cookie !== '' && !headers.has('cookie')) headers.set('Cookie', cookie);
    const out: Record<string, string> = {};
    for (const [k, v] of headers) out[k] = Object.hasOwn(out, k) ? `${out[k]}, ${v}` : v;
    return { url: full, headers: out, tls: this.#connector._tlsOptions(options.ssl), socketPath: this.#connector._socketPath };
  }

  /** @internal The session's redirect settings, for the WebSocket handshake's redirects. */
  _redirectSettings(): { maxRedirects: number; allowInsecure: boolean } {
    return { maxRedirects: this.#maxRedirects, allowInsecure: this.#allowInsecureRedirects };
  }

  /** @internal Stores the Set-Cookie headers of an upgrade response. */
  _storeCookies(setCookie: readonly string[], url: URL): void {
    if (setCookie.length > 0) this.#jar.updateFromSetCookie(setCookie, url);
  }

  /**
   * Opens a WebSocket (aiohttp's `ws_connect`) with the session's headers, cookies, auth and TLS
   * settings; `ws(s)://` and `http(s)://` URLs both work. A refused handshake throws WSServerHandshakeError.
   */
  wsConnect(url: string | URL, options: WSConnectOptions = {}): Promise<ClientWebSocketResponse> {
    // The session's proxy (or the environment's, with trustEnv) applies unless the call names one.
    if (options.proxy === undefined && (this.#proxy !== null || this.#trustEnv)) {
      const proxy = this.#proxy ?? envProxy(new URL(String(url).replace(/^ws(s?):/i, 'http$1:'), this.#baseUrl));
      if (proxy !== null) options = this.#proxyAuth === null ? { ...options, proxy } : { proxyAuth: this.#proxyAuth, ...options, proxy };
    }
    return wsConnect(this, url, options);
  }

  /** GET `url`. */
  get(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('GET', url, options);
  }
  /** POST to `url`. */
  post(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('POST', url, options);
  }
  /** PUT to `url`. */
  put(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('PUT', url, options);
  }
  /** PATCH `url`. */
  patch(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('PATCH', url, options);
  }
  /** DELETE `url`. */
  delete(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('DELETE', url, options);
  }
  /** HEAD `url` (redirects not followed by default, as aiohttp). */
  head(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('HEAD', url, { allowRedirects: false, ...options });
  }
  /** OPTIONS `url`. */
  options(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('OPTIONS', url, options);
  }

  /** Closes the session and, if it owns it, the connector (open connections are closed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    unclosed.unregister(this);
    if (this.#connectorOwner) await this.#connector.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A buffer as a one-chunk iterable, so undici sends it chunked. */
function asIterable(b: Buffer | AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  if (!Buffer.isBuffer(b)) return b;
  return (async function* () {
    yield b;
  })();
}

/** Reads a small redirect body so the connection is reused; a large or unknown one is dropped. */
async function drainHop(resp: ClientResponse): Promise<void> {
  const len = resp.contentLength;
  if (resp.method === 'HEAD' || (len !== null && len <= 65536)) {
    try {
      await resp.read();
      // undici frees a keep-alive socket one event-loop turn after the response ends; waiting
      // for it lets the next hop reuse the connection instead of opening a second one.
      await new Promise<void>((resolve) => setImmediate(resolve));
    } catch {
      resp.release();
    }
  } else {
    resp.release();
  }
}

