/**
 * The only file that imports `ws` (STYLE §1): it turns an HTTP upgrade (server) or a URL (client)
 * into a WebSocketConnection and maps ws's events and errors onto ours.
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientOptions, PerMessageDeflateOptions, ServerOptions, WebSocket, WebSocketServer } from 'ws';
import { WebSocketConnection } from './connection.js';
import type { WSTransport, WebSocketConnectionOptions } from './connection.js';
import { TOKEN } from '../common/http-syntax.js';
import {
  WSConnectionError,
  WSHandshakeError,
  WSHandshakeTimeoutError,
  WSServerHandshakeError,
  WebSocketError,
  protocolError,
} from './errors.js';

/** aiohttp's default `max_msg_size`: 4 MiB. */
export const DEFAULT_MAX_MSG_SIZE = 4 * 1024 * 1024;

/** Fine-grained permessage-deflate settings; `compress: true` means all defaults. */
export interface DeflateOptions {
  /** LZ77 window bits 9..15 we ask the server to use (server_max_window_bits); default 15. */
  windowBits?: number;
  /** Messages smaller than this many bytes are sent uncompressed (default 1024, ws's default); 0 compresses all. */
  threshold?: number;
  /** Concurrent zlib operations per process (ws's default 10). */
  concurrencyLimit?: number;
  /** Ask for no context takeover, trading ratio for memory. */
  noContextTakeover?: boolean;
}

/** `compress` as the options take it: off, on, window bits (aiohttp's int), or detailed settings. */
export type CompressOption = boolean | number | DeflateOptions;

/**
 * ws's size limits: `maxPayload` bounds the message after inflation too, so one number caps both.
 * @internal ws types stay out of our published declarations (@types/ws is a dev dependency).
 */
export interface WsLimitOptions {
  maxPayload: number;
  perMessageDeflate: false | PerMessageDeflateOptions;
}

/**
 * Builds ws's `maxPayload` and `perMessageDeflate` from aiohttp-style `maxMsgSize` (bytes, 0 = no
 * limit, default 4 MiB) and `compress`. ws checks `maxPayload` against the inflated size of
 * compressed messages as well, so a small deflate bomb closes with 1009 like any big message.
 * @internal
 */
export function wsLimitOptions(compress: CompressOption | undefined, maxMsgSize: number | undefined): WsLimitOptions {
  const maxPayload = maxMsgSize ?? DEFAULT_MAX_MSG_SIZE;
  if (!Number.isInteger(maxPayload) || maxPayload < 0) {
    throw new RangeError(`maxMsgSize must be a non-negative integer, got ${String(maxMsgSize)}`);
  }
  if (compress === undefined || compress === false || compress === 0) return { maxPayload, perMessageDeflate: false };
  const opts: DeflateOptions = typeof compress === 'object' ? compress : typeof compress === 'number' ? { windowBits: compress } : {};
  const bits = opts.windowBits ?? 15;
  if (!Number.isInteger(bits) || bits < 9 || bits > 15) {
    throw new RangeError(`compress window bits must be 9..15, got ${String(bits)}`);
  }
  const pmd: PerMessageDeflateOptions = {
    threshold: opts.threshold ?? 1024,
    concurrencyLimit: opts.concurrencyLimit ?? 10,
  };
  if (bits < 15) pmd.serverMaxWindowBits = bits;
  if (opts.noContextTakeover) {
    pmd.serverNoContextTakeover = true;
    pmd.clientNoContextTakeover = true;
  }
  return { maxPayload, perMessageDeflate: pmd };
}

/** Window bits from a negotiated Sec-WebSocket-Extensions value, 0 when deflate is off. */
export function negotiatedWindowBits(extensions: string | undefined): number {
  if (extensions === undefined || !/permessage-deflate/i.test(extensions)) return 0;
  const m = /server_max_window_bits\s*=\s*"?(\d+)/i.exec(extensions);
  return m ? Number(m[1]) : 15;
}

/** Why an upgrade request cannot become a WebSocket: the status to answer with and the reason. */
export interface UpgradeRejection {
  status: number;
  reason: string;
  headers: Record<string, string>;
}

/**
 * Checks an upgrade request as RFC 6455 §4.2.1 asks (an HTTP/1.1 or later GET, Upgrade: websocket,
 * Connection: upgrade, a 16-byte Sec-WebSocket-Key, version 13); null when it can be upgraded.
 * `httpVersion` is node's `message.httpVersion` (`'1.1'`). For `canPrepare()`.
 */
export function checkUpgradeRequest(method: string | undefined, headers: IncomingHttpHeaders, httpVersion = '1.1'): UpgradeRejection | null {
  if (method !== 'GET') return { status: 405, reason: 'Invalid HTTP method', headers: { allow: 'GET' } };
  const [major = 0, minor = 0] = httpVersion.split('.').map(Number);
  if (major < 1 || (major === 1 && minor < 1)) return { status: 400, reason: `WebSocket handshake needs HTTP/1.1 or later, got HTTP/${httpVersion}`, headers: {} };
  const upgrade = headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') {
    return { status: 426, reason: 'No WebSocket UPGRADE hdr', headers: { upgrade: 'websocket', connection: 'Upgrade' } };
  }
  const connection = headers.connection;
  if (connection === undefined || !/(^|,)\s*upgrade\s*(,|$)/i.test(connection)) {
    return { status: 400, reason: 'No CONNECTION upgrade hdr', headers: {} };
  }
  if (headers['sec-websocket-version'] !== '13') {
    return { status: 400, reason: 'Unsupported version', headers: { 'sec-websocket-version': '13' } };
  }
  const key = headers['sec-websocket-key'];
  if (key === undefined || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())) {
    return { status: 400, reason: 'Handshake error: invalid Sec-WebSocket-Key', headers: {} };
  }
  return null;
}

/**
 * Picks the subprotocol as aiohttp does: the first one the client offers that we support, else
 * none (the handshake still succeeds, per RFC 6455 §4.2.2).
 */
export function selectProtocol(offered: string | undefined, supported: readonly string[]): string | null {
  if (offered === undefined || supported.length === 0) return null;
  for (const raw of offered.split(',')) {
    const proto = raw.trim();
    if (supported.includes(proto)) return proto;
  }
  return null;
}

/** Options of `createServerSocket()`. */
export interface ServerSocketOptions extends Omit<WebSocketConnectionOptions, 'compress'> {
  /** Subprotocols we support; the client's order of preference wins, as in aiohttp. */
  protocols?: readonly string[];
  /** Accept permessage-deflate when offered (default true, as aiohttp's WebSocketResponse). */
  compress?: CompressOption;
  /** Largest message in bytes, after inflation; 0 = no limit; default 4 MiB. Bigger closes with 1009. */
  maxMsgSize?: number;
  /** Extra headers for the 101 response (cookies, ...). */
  headers?: Iterable<readonly [string, string]> | Readonly<Record<string, string | readonly string[]>>;
}

/** Options of `connectClientSocket()`. */
export interface ClientSocketOptions extends Omit<WebSocketConnectionOptions, 'compress'> {
  /** Subprotocols to offer; the server may pick one of them or none (then `protocol` is null). */
  protocols?: readonly string[];
  /** Request headers (cookies, authorization, ...). */
  headers?: OutgoingHttpHeaders;
  /** Origin header. */
  origin?: string;
  /** Offer permessage-deflate (default off, as aiohttp's `ws_connect(compress=0)`). */
  compress?: CompressOption;
  /** Largest message in bytes, after inflation; 0 = no limit; default 4 MiB. */
  maxMsgSize?: number;
  /** Seconds for the whole opening handshake (connect + 101). */
  handshakeTimeout?: number;
  /** Abort the handshake. */
  signal?: AbortSignal;
  /** Follow 3xx answers to the upgrade request (default false). */
  followRedirects?: boolean;
  maxRedirects?: number;
  /** Passed to http(s).request: agent, createConnection, ca, cert, key, rejectUnauthorized, servername, localAddress, lookup, ... */
  requestOptions?: HttpsRequestOptions;
}

/**
 * A WebSocketConnection subclass the adapters can build instead of the base class, e.g. a
 * ClientWebSocketResponse that adds aiohttp's client-only members. Its constructor is internal.
 */
export type WebSocketConnectionClass<T extends WebSocketConnection> = new (
  transport: WSTransport,
  options: WebSocketConnectionOptions,
) => T;

/** The server's answer to a successful client handshake. */
export interface WSHandshakeResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
}

/** What `connectClientSocket()` resolves with. */
export interface ClientSocket<T extends WebSocketConnection = WebSocketConnection> {
  connection: T;
  response: WSHandshakeResponse;
}

// ws (about half of the server's import time) loads on the first handshake, not with the package.
interface WsModule {
  WebSocket: typeof WebSocket;
  WebSocketServer: typeof WebSocketServer;
}
let wsModule: Promise<WsModule> | undefined;
function loadWs(): Promise<WsModule> {
  return (wsModule ??= import('ws').then((m) => ({ WebSocket: m.WebSocket, WebSocketServer: m.WebSocketServer })));
}

// ws send options for each (binary, compress) pair, allocated once.
const SEND_OPTS = [
  { binary: false, compress: false, fin: true },
  { binary: false, compress: true, fin: true },
  { binary: true, compress: false, fin: true },
  { binary: true, compress: true, fin: true },
] as const;

class WsTransport implements WSTransport {
  readonly #ws: WebSocket;
  readonly #protocol: string | undefined;
  readonly #threshold: number;
  readonly socket: Socket | undefined;
  constructor(ws: WebSocket, socket: Duplex | undefined, protocol: string | undefined, threshold: number) {
    this.#ws = ws;
    this.socket = socket instanceof Socket ? socket : undefined;
    this.#protocol = protocol;
    this.#threshold = threshold;
  }

  get readyState(): number {
    return this.#ws.readyState;
  }

  get protocol(): string {
    return this.#protocol ?? this.#ws.protocol;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  send(data: string | Buffer, binary: boolean, compress: boolean, cb?: (err?: Error | null) => void): void {
    const deflate = compress && this.#threshold !== 0 ? !below(data, this.#threshold) : compress;
    this.#ws.send(data, SEND_OPTS[(binary ? 2 : 0) + (deflate ? 1 : 0)] as (typeof SEND_OPTS)[number], cb);
  }

  ping(data: string | Buffer, cb?: (err?: Error | null) => void): void {
    this.#ws.ping(data, undefined, cb);
  }

  pong(data: string | Buffer, cb?: (err?: Error | null) => void): void {
    this.#ws.pong(data, undefined, cb);
  }

  close(code: number, reason: string | Buffer): void {
    this.#ws.close(code, reason);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }
}

// Whether `data` is under `limit` bytes of UTF-8, counting only when the length cannot tell.
function below(data: string | Buffer, limit: number): boolean {
  if (typeof data !== 'string' || data.length >= limit) return data.length < limit;
  return data.length * 3 < limit || Buffer.byteLength(data) < limit;
}

/**
 * The `threshold` our sends apply when permessage-deflate was negotiated (0: none, or off). ws
 * itself applies its threshold only under no_context_takeover and deflates every small message
 * otherwise, which costs more than it saves on short messages.
 */
function sendThreshold(limits: WsLimitOptions, windowBits: number): number {
  return windowBits === 0 || limits.perMessageDeflate === false ? 0 : (limits.perMessageDeflate.threshold ?? 1024);
}

const WS_STATUS_CODES: Readonly<Record<string, number>> = {
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
};

/** Maps an error ws emitted on an open socket to ours; receiver errors carry the close code ws sent. */
function fromWsError(err: Error): WebSocketError {
  const wsCode = (err as { code?: unknown }).code;
  const statusSym = Object.getOwnPropertySymbols(err).find((s) => s.description === 'status-code');
  let status = statusSym === undefined ? undefined : (err as unknown as Record<symbol, unknown>)[statusSym];
  if (typeof status !== 'number' && typeof wsCode === 'string' && wsCode.startsWith('WS_ERR_')) {
    status = WS_STATUS_CODES[wsCode] ?? 1002;
  }
  if (typeof status === 'number') return protocolError(err.message, status, err);
  return new WebSocketError(err.message, { cause: err, closeCode: 1006 });
}

function wire(ws: WebSocket, conn: WebSocketConnection): void {
  ws.on('message', (data: Buffer, isBinary: boolean) => conn._onMessage(data, isBinary));
  ws.on('ping', (data: Buffer) => conn._onPing(data));
  ws.on('pong', (data: Buffer) => conn._onPong(data));
  ws.on('error', (err: Error) => conn._onError(fromWsError(err)));
  ws.on('close', (code: number, reason: Buffer) => conn._onClose(code, reason.toString('utf8')));
}

function connectionOptions(
  options: Omit<WebSocketConnectionOptions, 'compress'>,
  compress: number,
): WebSocketConnectionOptions {
  const out: WebSocketConnectionOptions = { compress };
  if (options.autoclose !== undefined) out.autoclose = options.autoclose;
  if (options.autoping !== undefined) out.autoping = options.autoping;
  if (options.heartbeat !== undefined) out.heartbeat = options.heartbeat;
  if (options.receiveTimeout !== undefined) out.receiveTimeout = options.receiveTimeout;
  if (options.timeout !== undefined) out.timeout = options.timeout;
  if (options.readHighWaterMark !== undefined) out.readHighWaterMark = options.readHighWaterMark;
  if (options.writeHighWaterMark !== undefined) out.writeHighWaterMark = options.writeHighWaterMark;
  return out;
}

// ws drops a socket whose closing handshake stalls after this; ours (`timeout`) fires first.
function wsCloseTimeoutMs(timeout: number | undefined): number {
  return ((timeout ?? 10) + 1) * 1000;
}

/**
 * Answers an upgrade request on its raw socket with a plain HTTP error and closes it: node:http
 * gives 'upgrade' listeners no ServerResponse, so a middleware refusing the upgrade (401, 403) or
 * a failed `canPrepare()` writes through this. Header names and values must not contain CR/LF.
 */
export function rejectUpgrade(socket: Duplex, rejection: UpgradeRejection): void {
  const head = [`HTTP/1.1 ${rejection.status} ${STATUS_CODES[rejection.status] ?? ''}`];
  const headers: Record<string, string> = {
    connection: 'close',
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(rejection.reason)),
    ...rejection.headers,
  };
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new TypeError(`invalid header ${JSON.stringify(k)}`);
    head.push(`${k}: ${v}`);
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${rejection.reason}`);
}

function extraHeaderLines(headers: ServerSocketOptions['headers']): string[] {
  if (headers === undefined) return [];
  const lines: string[] = [];
  const entries: Iterable<readonly [string, string | readonly string[]]> =
    Symbol.iterator in headers
      ? (headers as Iterable<readonly [string, string]>)
      : Object.entries(headers as Record<string, string | readonly string[]>);
  for (const [name, value] of entries) {
    for (const v of typeof value === 'string' ? [value] : value) {
      if (/[\r\n]/.test(name) || /[\r\n]/.test(v)) throw new TypeError(`invalid header ${JSON.stringify(name)}`);
      lines.push(`${name}: ${v}`);
    }
  }
  return lines;
}

/**
 * Completes a server-side upgrade on the socket node:http handed to 'upgrade' and resolves with
 * the open connection. An invalid request is answered (405/426/400) and rejects with
 * WSHandshakeError naming the status.
 * @example
 * server.on('upgrade', async (req, socket, head) => {
 *   const ws = await createServerSocket(req, socket, head, { heartbeat: 30, protocols: ['chat'] });
 *   for await (const msg of ws) if (msg.type === WSMsgType.TEXT) await ws.sendStr(`${msg.data}/answer`);
 * });
 */
export function createServerSocket<T extends WebSocketConnection = WebSocketConnection>(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: ServerSocketOptions = {},
  connectionClass?: WebSocketConnectionClass<T>,
): Promise<T> {
  const Conn = (connectionClass ?? WebSocketConnection) as WebSocketConnectionClass<T>;
  const rejection = checkUpgradeRequest(req.method, req.headers, req.httpVersion);
  if (rejection !== null) {
    rejectUpgrade(socket, rejection);
    return Promise.reject(new WSHandshakeError(rejection.reason, rejection.status, rejection.headers));
  }
  let extra: string[];
  let limits: WsLimitOptions;
  try {
    extra = extraHeaderLines(options.headers);
    limits = wsLimitOptions(options.compress ?? true, options.maxMsgSize);
  } catch (err) {
    socket.destroy();
    return Promise.reject(err as Error);
  }
  const protocols = options.protocols ?? [];
  // ws answers some bad handshakes itself and never calls back; the socket closing tells us.
  let closed = false;
  const onClose = (): void => { closed = true; };
  socket.once('close', onClose);
  return loadWs().then(({ WebSocketServer }) => new Promise<T>((resolve, reject) => {
    socket.removeListener('close', onClose);
    if (closed) {
      reject(new WSHandshakeError('WebSocket handshake failed; the connection was closed', 400));
      return;
    }
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: limits.maxPayload,
      perMessageDeflate: limits.perMessageDeflate,
      autoPong: options.autoping ?? true,
      closeTimeout: wsCloseTimeoutMs(options.timeout),
      handleProtocols: (offered: Set<string>) => {
        for (const p of offered) if (protocols.includes(p)) return p;
        return false;
      },
    } as ServerOptions);
    let extensions: string | undefined;
    wss.on('headers', (lines: string[]) => {
      for (const line of lines) {
        if (line.toLowerCase().startsWith('sec-websocket-extensions:')) extensions = line.slice(25).trim();
      }
      lines.push(...extra);
    });
    const onHandshakeClose = (): void => {
      reject(new WSHandshakeError('WebSocket handshake failed; the connection was closed', 400));
    };
    socket.once('close', onHandshakeClose);
    try {
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        socket.removeListener('close', onHandshakeClose);
        const bits = negotiatedWindowBits(extensions);
        const conn = new Conn(new WsTransport(ws, socket, undefined, sendThreshold(limits, bits)), connectionOptions(options, bits));
        wire(ws, conn);
        resolve(conn);
      });
    } catch (err) {
      socket.removeListener('close', onHandshakeClose);
      socket.destroy();
      reject(err as Error);
    }
  }), (err: unknown) => {
    socket.removeListener('close', onClose);
    socket.destroy();
    throw err;
  });
}

function handshakeError(
  err: Error,
  response: IncomingMessage | undefined,
  headers: IncomingHttpHeaders | undefined,
  offered: boolean,
): WebSocketError {
  if (response !== undefined) {
    // We offer subprotocols through our own header (see connectClientSocket), so ws believes none were.
    const message = offered && /none was requested/.test(err.message) ? 'Server sent an invalid subprotocol' : err.message;
    return new WSServerHandshakeError(message, response.statusCode ?? 101, headers ?? response.headers, { cause: err });
  }
  if (err.message === 'Opening handshake has timed out') return new WSHandshakeTimeoutError(err.message, { cause: err });
  return new WSConnectionError(`Cannot connect: ${err.message}`, { cause: err });
}

/**
 * Opens a client WebSocket (ws://, wss://, http(s):// URLs) and resolves once the 101 is accepted.
 * A non-101 answer or a bad handshake rejects with WSServerHandshakeError (with `status` and
 * `headers`), a failed connection with WSConnectionError, a timeout with WSHandshakeTimeoutError.
 * @example
 * const { connection: ws, response } = await connectClientSocket('ws://127.0.0.1:8080/ws', { protocols: ['chat'] });
 * await ws.sendStr('hello');
 * console.log(await ws.receiveStr(), response.headers['set-cookie']);
 * await ws.close();
 */
export function connectClientSocket<T extends WebSocketConnection = WebSocketConnection>(
  url: string | URL,
  options: ClientSocketOptions = {},
  connectionClass?: WebSocketConnectionClass<T>,
): Promise<ClientSocket<T>> {
  const Conn = (connectionClass ?? WebSocketConnection) as WebSocketConnectionClass<T>;
  let limits: WsLimitOptions;
  try {
    limits = wsLimitOptions(options.compress ?? false, options.maxMsgSize);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  const handshakeMs = options.handshakeTimeout === undefined ? 0 : options.handshakeTimeout * 1000;
  if (!(handshakeMs >= 0)) return Promise.reject(new RangeError('handshakeTimeout must be >= 0 seconds'));
  const protocols = options.protocols ?? [];
  if (protocols.some((p) => !TOKEN.test(p)) || new Set(protocols).size !== protocols.length) {
    return Promise.reject(new TypeError('protocols must be distinct tokens'));
  }
  // ws fails a handshake whose 101 names no subprotocol when some were offered; RFC 6455 §4.1 and
  // aiohttp accept it (protocol None). So we send the header ourselves and check the answer here.
  const base = options.requestOptions?.headers;
  const headers: OutgoingHttpHeaders = { ...(Array.isArray(base) ? {} : (base as OutgoingHttpHeaders | undefined)), ...options.headers };
  if (protocols.length > 0) headers['sec-websocket-protocol'] = protocols.join(', ');

  return loadWs().then(({ WebSocket }) => new Promise<ClientSocket<T>>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, [], {
        ...options.requestOptions,
        headers,
        ...(options.origin === undefined ? {} : { origin: options.origin }),
        maxPayload: limits.maxPayload,
        perMessageDeflate: limits.perMessageDeflate,
        autoPong: options.autoping ?? true,
        closeTimeout: wsCloseTimeoutMs(options.timeout),
        followRedirects: options.followRedirects ?? false,
        maxRedirects: options.maxRedirects ?? 10,
      } as unknown as ClientOptions);
    } catch (err) {
      // ws throws SyntaxError for a bad URL or subprotocol list: argument misuse.
      reject(new TypeError((err as Error).message, { cause: err }));
      return;
    }
    let settled = false;
    let response: IncomingMessage | undefined;
    let responseHeaders: IncomingHttpHeaders | undefined;
    let selected: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      ws.terminate();
      reject(err);
    };
    const onAbort = (): void => fail(signal?.reason as Error);
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (handshakeMs > 0) {
      timer = setTimeout(() => {
        fail(new WSHandshakeTimeoutError(`WebSocket handshake did not complete within ${handshakeMs / 1000} seconds`));
      }, handshakeMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('upgrade', (res: IncomingMessage) => {
      response = res;
      responseHeaders = { ...res.headers };
      const chosen = res.headers['sec-websocket-protocol'];
      if (chosen !== undefined && protocols.includes(chosen)) {
        selected = chosen;
        // Hidden from ws's own check, which runs right after this event and knows no offer.
        delete res.headers['sec-websocket-protocol'];
      }
    });
    ws.on('unexpected-response', (_req: unknown, res: IncomingMessage) => {
      res.resume();
      fail(new WSServerHandshakeError(`Invalid response status ${String(res.statusCode)}`, res.statusCode ?? 0, res.headers));
    });
    const onHandshakeError = (err: Error): void =>
      fail(handshakeError(err, response, responseHeaders, protocols.length > 0));
    ws.on('error', onHandshakeError);
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      cleanup();
      ws.removeListener('error', onHandshakeError);
      const res = response as IncomingMessage;
      const bits = negotiatedWindowBits(res.headers['sec-websocket-extensions']);
      const conn = new Conn(
        new WsTransport(ws, res.socket ?? undefined, selected ?? '', sendThreshold(limits, bits)),
        connectionOptions(options, bits),
      );
      wire(ws, conn);
      resolve({
        connection: conn,
        response: {
          status: res.statusCode ?? 101,
          statusText: res.statusMessage ?? '',
          headers: responseHeaders ?? res.headers,
          rawHeaders: res.rawHeaders,
        },
      });
    });
  }));
}
