/**
 * Client WebSockets (aiohttp `client_ws.py`): `session.wsConnect(url)` opens the handshake with the
 * session's headers, cookies, auth and TLS settings, and resolves with a ClientWebSocketResponse,
 * the shared WebSocketConnection plus the handshake's details.
 */
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { CIMultiDict, MultiDictProxy } from '../common/multidict.js';
import type { MultiDictInit } from '../common/multidict.js';
import type { Params } from '../common/url.js';
import { WebSocketConnection } from '../websocket/connection.js';
import type { WSTransport, WebSocketConnectionOptions } from '../websocket/connection.js';
import {
  WSConnectionError,
  WSHandshakeTimeoutError,
  WSServerHandshakeError as WSLayerHandshakeError,
} from '../websocket/errors.js';
import { connectClientSocket } from '../websocket/ws-adapter.js';
import type { ClientSocketOptions, CompressOption } from '../websocket/ws-adapter.js';
import { Fingerprint } from './connector.js';
import type { SSLOption } from './connector.js';
import {
  ClientConnectorError,
  ClientHttpProxyError,
  ClientProxyConnectionError,
  ConnectionTimeoutError,
  ServerFingerprintMismatch,
  TooManyRedirects,
  WSServerHandshakeError,
} from './errors.js';
import { reachedMaxRedirects, redirectLocation, resolveLocation } from './redirects.js';
import { BasicAuth, RequestInfo } from './request.js';
import type { CIMultiDictProxy } from './request.js';
import type { ClientSession } from './session.js';

/** Options of `session.wsConnect()`; durations in seconds, as in aiohttp. */
export interface WSConnectOptions {
  /** HTTP method of the handshake; RFC 6455 §4.1 allows only GET (aiohttp's `method`). */
  method?: 'GET';
  /** Subprotocols to offer, preferred first. */
  protocols?: readonly string[];
  /** Seconds to wait for the server's close frame after ours (default 10). */
  timeout?: number;
  /** Default timeout of `receive()`; none by default. */
  receiveTimeout?: number | null;
  /** Mark the socket closed as soon as `receive()` returns the server's CLOSE (default true). */
  autoclose?: boolean;
  /** Answer PINGs and swallow PONGs (default true). */
  autoping?: boolean;
  /** PING after this many idle seconds; no answer within half of it closes the socket (default off). */
  heartbeat?: number | null;
  /** Basic credentials; credentials in the URL are used too. */
  auth?: BasicAuth;
  /** Origin header. */
  origin?: string;
  /** Query parameters appended to the URL. */
  params?: Params;
  /** Headers, replacing the session's of the same name. */
  headers?: MultiDictInit<string>;
  /** Cookies for this handshake only, besides the session's jar. */
  cookies?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>;
  /** Offer permessage-deflate (default off; aiohttp's `compress=15` is `compress: 15` or `true`). */
  compress?: CompressOption;
  /** Largest message in bytes after inflation, 0 = no limit (default 4 MiB); bigger closes with 1009. */
  maxMsgSize?: number;
  /** TLS for `wss://`: `false` skips verification, an object adds `tls.connect` options. */
  ssl?: SSLOption;
  /** HTTP proxy to tunnel through with CONNECT (`http://user:pass@proxy:3128`). */
  proxy?: string | URL;
  /** Credentials for the proxy. */
  proxyAuth?: BasicAuth;
  /** Extra headers for the CONNECT request. */
  proxyHeaders?: Readonly<Record<string, string>>;
  /** Abort the handshake. */
  signal?: AbortSignal;
  /** Unread bytes buffered before reading from the socket pauses (default 128 KiB). */
  readHighWaterMark?: number;
  /** Bytes queued for writing above which a send waits for the flush (default 64 KiB). */
  writeHighWaterMark?: number;
}

/**
 * A client WebSocket with aiohttp's message API (`receive`, `sendStr`, `for await`, `close`),
 * plus the handshake's `status`, `headers` and `url`. `await using` closes it.
 * @example
 * await using ws = await session.wsConnect('http://127.0.0.1:8080/ws');
 * for await (const msg of ws) {
 *   if (msg.type === WSMsgType.TEXT) {
 *     if (msg.data === 'close cmd') break;
 *     await ws.sendStr(`${msg.data}/answer`);
 *   }
 * }
 */
export class ClientWebSocketResponse extends WebSocketConnection {
  #status: number;
  #headers: CIMultiDictProxy | undefined;
  #url: URL | undefined;

  /** @internal Built by `session.wsConnect()`. */
  constructor(transport: WSTransport, options: WebSocketConnectionOptions) {
    super(transport, options);
    this.#status = 101;
    this.#headers = undefined;
    this.#url = undefined;
  }

  /** The handshake's status (101). */
  get status(): number {
    return this.#status;
  }

  /** The handshake response's headers. */
  get headers(): CIMultiDictProxy {
    return (this.#headers ??= new MultiDictProxy(new CIMultiDict<string>()));
  }

  /** The URL connected to, as http(s). */
  get url(): URL | undefined {
    return this.#url;
  }

  /** @internal */
  _setHandshake(status: number, rawHeaders: readonly string[], url: URL): void {
    this.#status = status;
    this.#headers = rawHeadersProxy(rawHeaders);
    this.#url = url;
  }
}

function rawHeadersProxy(raw: readonly string[]): CIMultiDictProxy {
  const md = new CIMultiDict<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) md.add(raw[i]!, raw[i + 1]!);
  return new MultiDictProxy(md);
}

function headersProxy(headers: Readonly<Record<string, string | string[] | undefined>>): CIMultiDictProxy {
  const md = new CIMultiDict<string>();
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) md.add(k, item);
  }
  return new MultiDictProxy(md);
}

interface ProxyTunnel {
  proxy: URL;
  authorization: string | null;
  headers: Readonly<Record<string, string>>;
}

/**
 * Opens a CONNECT tunnel through an HTTP proxy and, for wss, TLS inside it. Hand-written because
 * undici's proxy support lives in its dispatcher (connector.ts) and hands out no raw socket for ws.
 */
function tunnel(p: ProxyTunnel, host: string, port: number, tls: ConnectionOptions | null, cb: (err: Error | null, socket?: Duplex) => void): void {
  const proxyPort = Number(p.proxy.port || (p.proxy.protocol === 'https:' ? 443 : 80));
  const proxyHost = p.proxy.hostname.replace(/^\[|\]$/g, '');
  const sock: Socket = p.proxy.protocol === 'https:'
    ? tlsConnect({ host: proxyHost, port: proxyPort, servername: proxyHost })
    : netConnect(proxyPort, proxyHost);
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (p.authorization !== null) lines.push(`Proxy-Authorization: ${p.authorization}`);
  for (const [k, v] of Object.entries(p.headers)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new TypeError(`invalid proxy header ${JSON.stringify(k)}`);
    lines.push(`${k}: ${v}`);
  }
  let buf = Buffer.alloc(0);
  let done = false;
  const fail = (err: Error): void => {
    if (done) return;
    done = true;
    sock.destroy();
    cb(err);
  };
  sock.once('error', (err) => fail(new ClientProxyConnectionError(proxyHost, proxyPort, err.message, { cause: err })));
  sock.once('close', () => fail(new ClientProxyConnectionError(proxyHost, proxyPort, 'proxy closed the connection')));
  const onData = (chunk: Buffer): void => {
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end === -1) {
      if (buf.length > 16 * 1024) fail(new ClientProxyConnectionError(proxyHost, proxyPort, 'proxy response headers too large'));
      return;
    }
    sock.off('data', onData);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
    if (status !== 200) {
      fail(new ClientHttpProxyError(new RequestInfo('CONNECT', p.proxy, new CIMultiDict()), [], { status, message: `proxy answered CONNECT with ${status}` }));
      return;
    }
    if (done) return;
    done = true;
    sock.removeAllListeners('error');
    sock.removeAllListeners('close');
    // Bytes after the proxy's answer belong to the tunnel.
    if (end + 4 < buf.length) sock.unshift(buf.subarray(end + 4));
    if (tls === null) {
      cb(null, sock);
      return;
    }
    cb(null, tlsConnect({ ...tls, socket: sock }));
  };
  sock.on('data', onData);
  sock.once(p.proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => sock.write(`${lines.join('\r\n')}\r\n\r\n`));
}

/** The Fingerprint that pins the server certificate: the call's, else the connector's unless the call disabled TLS checks. */
function pinnedFingerprint(session: ClientSession, ssl: SSLOption | undefined): Fingerprint | null {
  if (ssl instanceof Fingerprint) return ssl;
  const own = session.connector.options.ssl;
  return ssl === undefined && own instanceof Fingerprint ? own : null;
}

function pin(socket: TLSSocket, fingerprint: Fingerprint, host: string, cb: (err: Error | null, socket?: Duplex) => void): void {
  const onError = (err: Error): void => {
    socket.off('secureConnect', onSecure);
    cb(err);
  };
  const onSecure = (): void => {
    socket.off('error', onError);
    if (fingerprint._matches(socket)) {
      cb(null, socket);
      return;
    }
    socket.destroy();
    cb(new ServerFingerprintMismatch(`certificate fingerprint mismatch for ${host}`));
  };
  socket.once('error', onError);
  socket.once('secureConnect', onSecure);
}

function proxySettings(options: WSConnectOptions): ProxyTunnel | null {
  if (options.proxy === undefined) return null;
  const proxy = new URL(String(options.proxy));
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new TypeError(`proxy: WebSockets support http(s) proxies, got ${proxy.protocol}`);
  }
  const auth = options.proxyAuth ?? BasicAuth.fromUrl(proxy);
  proxy.username = '';
  proxy.password = '';
  return { proxy, authorization: auth === null ? null : auth.encode(), headers: options.proxyHeaders ?? {} };
}

/** The handshake's time limit from the session's ClientTimeout: the smallest of total and connect. */
function handshakeSeconds(session: ClientSession): number {
  const t = session.timeout;
  const limits = [t.total, t.connect].filter((v): v is number => v !== null && v > 0);
  return limits.length === 0 ? 0 : Math.min(...limits);
}

/**
 * @internal `ClientSession.wsConnect()`. Follows redirects of the handshake as aiohttp's ws_connect
 * does (it goes through session.request): the session's maxRedirects and allowInsecureRedirects,
 * Set-Cookie of each hop into the jar, and no credential of the first request past another origin.
 */
export async function wsConnect(session: ClientSession, url: string | URL, options: WSConnectOptions = {}): Promise<ClientWebSocketResponse> {
  if (options.method !== undefined && options.method.toUpperCase() !== 'GET') {
    throw new TypeError(`method must be GET for a WebSocket handshake, got ${options.method}`);
  }
  const { maxRedirects, allowInsecure } = session._redirectSettings();
  let current: string | URL = url;
  let hopOptions = options;
  let leftOrigin = false;
  let origin: string | undefined;
  let hops = 0;
  for (;;) {
    try {
      return await connectOnce(session, current, hopOptions, leftOrigin);
    } catch (err) {
      const location = err instanceof WSServerHandshakeError ? redirectLocation(err.status, err.headers) : undefined;
      if (location === undefined) throw err;
      // A redirect: a handshake error with a status and headers naming the next URL.
      const redirect = err as WSServerHandshakeError;
      const headers = redirect.headers!;
      const from = redirect.requestInfo.url;
      origin ??= from.origin;
      const setCookie = headers.getAll('set-cookie');
      if (setCookie.length > 0) session._storeCookies(setCookie, from);
      hops++;
      if (reachedMaxRedirects(hops, maxRedirects)) {
        throw new TooManyRedirects(redirect.requestInfo, [], { status: redirect.status, message: `Too many redirects (${maxRedirects})`, headers });
      }
      const next = resolveLocation(location.replace(/^ws(s?):/i, 'http$1:'), from, allowInsecure);
      if (next.origin !== origin) leftOrigin = true;
      current = next;
      // The Location is a whole URL: the first request's params are in it already.
      if (hopOptions.params !== undefined) {
        const { params: _used, ...rest } = hopOptions;
        hopOptions = rest;
      }
    }
  }
}

async function connectOnce(session: ClientSession, url: string | URL, options: WSConnectOptions, leftOrigin: boolean): Promise<ClientWebSocketResponse> {
  const up = session._upgradeRequest(url, {
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    ...(options.params === undefined ? {} : { params: options.params }),
    ...(options.cookies === undefined ? {} : { cookies: options.cookies }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
  }, leftOrigin);
  const target = up.url;
  const secure = target.protocol === 'https:';
  const wsUrl = new URL(target.href);
  wsUrl.protocol = secure ? 'wss:' : 'ws:';
  wsUrl.hash = '';
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (secure ? 443 : 80));
  const proxy = proxySettings(options);

  const requestOptions: NonNullable<ClientSocketOptions['requestOptions']> = secure ? { ...up.tls } : {};
  const socketPath = up.socketPath;
  const fingerprint = secure ? pinnedFingerprint(session, options.ssl) : null;
  const memoryConnect = session.connector._memoryConnect;
  if (memoryConnect !== undefined) {
    // test-utils' in-process mode: the same in-memory transport as the session's HTTP requests.
    (requestOptions as { createConnection?: unknown }).createConnection = (): Duplex => memoryConnect(target.origin);
  } else if (proxy !== null || socketPath !== undefined || fingerprint !== null) {
    const tls = secure ? { ...up.tls, host, port, servername: up.tls.servername ?? (/^[\d.]+$|:/.test(host) ? '' : host) } : null;
    (requestOptions as { createConnection?: unknown }).createConnection = (_opts: unknown, cb: (err: Error | null, socket?: Duplex) => void): undefined => {
      // With a pinned certificate the socket is handed over only once the digest matched, so no
      // byte of the request (cookies, credentials) reaches an impostor.
      const done = (err: Error | null, socket?: Duplex): void => {
        if (err !== null || fingerprint === null) cb(err, socket);
        else pin(socket as TLSSocket, fingerprint, host, cb);
      };
      if (proxy !== null) tunnel(proxy, host, port, tls, done);
      else if (socketPath !== undefined) {
        const raw = netConnect(socketPath);
        done(null, tls === null ? raw : tlsConnect({ ...tls, socket: raw }));
      } else done(null, tlsConnect(tls!));
      return undefined;
    };
  }

  const socketOptions: ClientSocketOptions = { headers: up.headers, requestOptions };
  const o = options;
  if (o.protocols !== undefined) socketOptions.protocols = o.protocols;
  if (o.origin !== undefined) socketOptions.origin = o.origin;
  if (o.compress !== undefined) socketOptions.compress = o.compress;
  if (o.maxMsgSize !== undefined) socketOptions.maxMsgSize = o.maxMsgSize;
  if (o.autoclose !== undefined) socketOptions.autoclose = o.autoclose;
  if (o.autoping !== undefined) socketOptions.autoping = o.autoping;
  if (o.heartbeat !== undefined) socketOptions.heartbeat = o.heartbeat;
  if (o.receiveTimeout !== undefined) socketOptions.receiveTimeout = o.receiveTimeout;
  if (o.timeout !== undefined) socketOptions.timeout = o.timeout;
  if (o.readHighWaterMark !== undefined) socketOptions.readHighWaterMark = o.readHighWaterMark;
  if (o.writeHighWaterMark !== undefined) socketOptions.writeHighWaterMark = o.writeHighWaterMark;
  if (o.signal !== undefined) socketOptions.signal = o.signal;
  const limit = handshakeSeconds(session);
  if (limit > 0) socketOptions.handshakeTimeout = limit;

  const requestInfo = (): RequestInfo => {
    const h = new CIMultiDict<string>();
    for (const [k, v] of Object.entries(up.headers)) h.add(k, v);
    return new RequestInfo('GET', target, h);
  };
  try {
    const { connection, response } = await connectClientSocket(wsUrl, socketOptions, ClientWebSocketResponse);
    connection._setHandshake(response.status, response.rawHeaders, target);
    const setCookie = response.headers['set-cookie'];
    if (setCookie !== undefined) session._storeCookies(setCookie, target);
    return connection;
  } catch (err) {
    // One handshake error class: the client's, in aiohttp's ClientResponseError tree.
    if (err instanceof WSLayerHandshakeError) {
      throw new WSServerHandshakeError(requestInfo(), [], { status: err.status, message: err.message, headers: headersProxy(err.headers), cause: err });
    }
    if (err instanceof WSHandshakeTimeoutError) {
      throw new ConnectionTimeoutError('total', `WebSocket handshake with ${target.origin} timed out`, { cause: err });
    }
    if (err instanceof WSConnectionError) {
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof Error && (cause as { code?: string }).code?.startsWith('ERR_CLIENT')) throw cause;
      throw new ClientConnectorError(host, port, (cause as Error | undefined)?.message ?? err.message, { cause: cause ?? err });
    }
    throw err;
  }
}
