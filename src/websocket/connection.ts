/**
 * WebSocketConnection: aiohttp's WebSocket message API (`receive`, `sendStr`, `close`, heartbeat,
 * autoping, autoclose) over an open framing transport. The server's WebSocketResponse and the
 * client's ClientWebSocketResponse delegate to one of these; ws-adapter.ts builds it.
 */
import {
  WSCloseTimeoutError,
  WSConnectionClosedError,
  WSHeartbeatTimeoutError,
  WSMessageTypeError,
  WSReceiveTimeoutError,
  WebSocketError,
} from './errors.js';
import type { Socket } from 'node:net';
import type { CipherNameAndProtocol, PeerCertificate, TLSSocket } from 'node:tls';
import { MessageQueue } from './message-queue.js';
import {
  WSBinaryMessage,
  WSMsgType,
  WSTextMessage,
  WS_CLOSED_MESSAGE,
  WS_CLOSING_MESSAGE,
  closeMessage,
  errorMessage,
  pingMessage,
  pongMessage,
} from './models.js';
import type { JSONDecoder, JSONEncoder, WSCloseMessage, WSClosedMessage, WSClosingMessage, WSMessage } from './models.js';

// The transport's readyState when frames can be sent (the WebSocket API's OPEN).
const OPEN = 1;

/**
 * What a connection needs from the framing library. ws-adapter.ts implements it over `ws`, so no
 * other file depends on ws. Events flow the other way through the connection's `_on*` methods.
 */
export interface WSTransport {
  readonly readyState: number;
  readonly protocol: string;
  readonly bufferedAmount: number;
  send(data: string | Buffer, binary: boolean, compress: boolean, cb?: (err?: Error | null) => void): void;
  ping(data: string | Buffer, cb?: (err?: Error | null) => void): void;
  pong(data: string | Buffer, cb?: (err?: Error | null) => void): void;
  close(code: number, reason: string | Buffer): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  /** The underlying TCP or TLS socket, when known. */
  readonly socket: Socket | undefined;
}

/** Behaviour options of a WebSocketConnection; durations in seconds, as in aiohttp. */
export interface WebSocketConnectionOptions {
  /**
   * Mark the connection closed as soon as `receive()` returns the peer's CLOSE (default true).
   * Unlike aiohttp, the close reply itself is always sent at once: ws answers a close frame as
   * RFC 6455 §5.5.1 asks, so with `false` only what `closed`/`receive()` report changes.
   */
  autoclose?: boolean;
  /** Answer PINGs and swallow PONGs instead of returning them from `receive()` (default true). */
  autoping?: boolean;
  /** Send a PING after this many idle seconds; no answer within half of it closes with 1006. */
  heartbeat?: number | null;
  /** Default timeout of `receive()` in seconds; none by default. */
  receiveTimeout?: number | null;
  /** Seconds to wait for the peer's close frame after ours (default 10, as aiohttp). */
  timeout?: number;
  /** Unread bytes buffered before the socket is paused (default 128 KiB). */
  readHighWaterMark?: number;
  /** Bytes queued for writing above which a send waits until its frame is flushed (default 64 KiB). */
  writeHighWaterMark?: number;
  /** Negotiated permessage-deflate window bits, 0 when off (set by the adapter). */
  compress?: number;
}

/** Options of `close()`. */
export interface WSCloseOptions {
  /** Close code sent to the peer (default 1000). */
  code?: number;
  /** Close reason, at most 123 bytes of UTF-8. */
  message?: string | Buffer;
}

/** Options of `sendStr()`, `sendBytes()` and `sendJson()`. */
export interface WSSendOptions {
  /** false (or 0) sends this message uncompressed even when permessage-deflate was negotiated. */
  compress?: boolean | number;
}

/** Options of `receiveJson()`. */
export interface WSReceiveJsonOptions {
  loads?: JSONDecoder;
  timeout?: number;
}

/** Options of `sendJson()`. */
export interface WSSendJsonOptions extends WSSendOptions {
  dumps?: JSONEncoder;
}

/** Messages `for await` yields: everything but the end-of-stream kinds. */
export type WSDataMessage = Exclude<WSMessage, WSCloseMessage | WSClosingMessage | WSClosedMessage>;

/**
 * What `getExtraInfo(name)` returns for each name it knows (aiohttp's `get_extra_info()` on the
 * transport); TLS-only names give the default on a plain connection.
 */
export interface WSExtraInfo {
  /** The peer's address and port. */
  peername: [host: string, port: number];
  /** The local address and port. */
  sockname: [host: string, port: number];
  /** The node socket (a TLSSocket over TLS). */
  socket: Socket;
  /** The peer's certificate (TLS only; an empty object when the peer sent none). */
  peercert: PeerCertificate;
  /** The negotiated cipher (TLS only). */
  cipher: CipherNameAndProtocol;
}

/** The message API shared by WebSocketConnection, WebSocketResponse and ClientWebSocketResponse. */
export interface WebSocketLike extends AsyncIterable<WSDataMessage> {
  readonly closed: boolean;
  readonly closeCode: number | null;
  readonly protocol: string | null;
  readonly compress: number;
  exception(): Error | null;
  receive(timeout?: number): Promise<WSMessage>;
  receiveStr(options?: { timeout?: number }): Promise<string>;
  receiveBytes(options?: { timeout?: number }): Promise<Buffer>;
  receiveJson<T = unknown>(options?: WSReceiveJsonOptions): Promise<T>;
  sendStr(data: string, options?: WSSendOptions): Promise<void>;
  sendBytes(data: Uint8Array, options?: WSSendOptions): Promise<void>;
  sendJson(data: unknown, options?: WSSendJsonOptions): Promise<void>;
  ping(message?: string | Uint8Array): Promise<void>;
  pong(message?: string | Uint8Array): Promise<void>;
  close(options?: WSCloseOptions): Promise<boolean>;
}

// aiohttp's THRESHOLD_CONNLOST_ACCESS: a loop that keeps receiving on a closed socket is a bug.
const CONN_LOST_THRESHOLD = 5;
const EMPTY = Buffer.alloc(0);
// Sends that need not wait for the flush all return this one settled promise.
const SENT: Promise<void> = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
// Weight of a queued message beyond its payload, so floods of tiny messages also pause the socket.
const MESSAGE_OVERHEAD = 64;

// Echo and relay fast path. ws measures (Buffer.byteLength) and encodes a string on every send, and
// a server that sends back or broadcasts the text it just received pays that per peer. So the UTF-8
// bytes of the last text message received (small ones only) are kept, and sending an equal string
// sends those bytes. `===` compares strings by content, so a hit is exact whichever connection the
// text came from. One entry per process: at most RECENT_TEXT_MAX bytes stay referenced.
const RECENT_TEXT_MAX = 16 * 1024;
let recentText: string | undefined;
let recentBytes: Buffer | undefined;

function messageSize(msg: WSMessage): number {
  switch (msg.type) {
    case WSMsgType.TEXT:
      return msg.data.length * 2 + MESSAGE_OVERHEAD;
    case WSMsgType.BINARY:
    case WSMsgType.PING:
    case WSMsgType.PONG:
      return msg.data.length + MESSAGE_OVERHEAD;
    default:
      return MESSAGE_OVERHEAD;
  }
}

// Kinds that `receive()` hands out with no state change (everything but the end-of-stream kinds).
function isPlain(msg: WSMessage): boolean {
  return msg.type === WSMsgType.TEXT || msg.type === WSMsgType.BINARY || msg.type === WSMsgType.PING || msg.type === WSMsgType.PONG;
}

function checkSeconds(name: string, value: number | null | undefined): number {
  if (value === undefined || value === null || value === 0) return 0;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number of seconds, got ${String(value)}`);
  }
  return value;
}

// RFC 6455 §7.4: 1000-1003 and 1007-1014 are sendable; 3000-4999 are for libraries and apps.
function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

/**
 * An open WebSocket with aiohttp's API: `receive()` returns WSMessage objects, `for await` yields
 * TEXT/BINARY (and PING/PONG with autoping off, ERROR when something fails) until the close.
 * Built by `createServerSocket()` / `connectClientSocket()` in ws-adapter.ts.
 */
export class WebSocketConnection implements WebSocketLike, AsyncDisposable {
  readonly #transport: WSTransport;
  readonly #queue: MessageQueue<WSMessage>;
  readonly #autoclose: boolean;
  readonly #autoping: boolean;
  readonly #heartbeatMs: number;
  readonly #receiveTimeout: number;
  readonly #closeTimeoutMs: number;
  readonly #writeHighWaterMark: number;
  readonly #compress: number;
  #closed = false;
  #closing = false;
  #closeCode: number | null = null;
  #exception: Error | null = null;
  #waiting = false;
  // The pending receive (at most one): resolved straight from `_on*` without queueing; with
  // `#waitIterator` set it is a `for await` step and gets an IteratorResult instead of a message.
  #waitResolve: ((value: any) => void) | undefined = undefined;
  #waitReject: ((err: Error) => void) | undefined = undefined;
  #waitIterator: MessageIterator | undefined = undefined;
  #waitTimer: NodeJS.Timeout | undefined = undefined;
  #connLost = 0;
  #errorQueued = false;
  #transportClosed = false;
  #peerCloseCode: number | null = null;
  #transportClosedResolve: (() => void) | undefined = undefined;
  readonly #transportClosedPromise: Promise<void>;
  #lastActivity = 0;
  #heartbeatTimer: NodeJS.Timeout | undefined = undefined;
  #pongTimer: NodeJS.Timeout | undefined = undefined;

  /** Wraps an open transport; use createServerSocket()/connectClientSocket(), which also wire its events. */
  constructor(transport: WSTransport, options: WebSocketConnectionOptions = {}) {
    this.#transport = transport;
    this.#autoclose = options.autoclose ?? true;
    this.#autoping = options.autoping ?? true;
    this.#heartbeatMs = checkSeconds('heartbeat', options.heartbeat) * 1000;
    this.#receiveTimeout = checkSeconds('receiveTimeout', options.receiveTimeout);
    this.#closeTimeoutMs = (checkSeconds('timeout', options.timeout ?? 10) || 10) * 1000;
    this.#writeHighWaterMark = options.writeHighWaterMark ?? 64 * 1024;
    this.#compress = options.compress ?? 0;
    this.#queue = new MessageQueue<WSMessage>({
      highWaterMark: options.readHighWaterMark ?? 128 * 1024,
      sizeOf: messageSize,
      onPause: () => transport.pause(),
      onResume: () => transport.resume(),
    });
    this.#transportClosedPromise = new Promise<void>((resolve) => {
      this.#transportClosedResolve = resolve;
    });
    if (this.#heartbeatMs > 0) {
      this.#lastActivity = Date.now();
      this.#scheduleHeartbeat(this.#heartbeatMs);
    }
  }

  /** Whether the connection is closed (or closing on our side); sends fail from then on. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The close code: the peer's, ours after a protocol error, 1006 when the socket was lost; null while open. */
  get closeCode(): number | null {
    return this.#closeCode;
  }

  /** The negotiated subprotocol, or null. */
  get protocol(): string | null {
    return this.#transport.protocol === '' ? null : this.#transport.protocol;
  }

  /** Negotiated permessage-deflate window bits, 0 when compression is off. */
  get compress(): number {
    return this.#compress;
  }

  /** Bytes queued for sending and not yet handed to the OS. */
  get bufferedAmount(): number {
    return this.#transport.bufferedAmount;
  }

  /** @internal Bytes received and not yet read; for back-pressure tests. */
  get _readBufferedBytes(): number {
    return this.#queue.bufferedBytes;
  }

  /** @internal Whether reading from the socket is paused by back-pressure. */
  get _readPaused(): boolean {
    return this.#queue.paused;
  }

  /**
   * Transport details as aiohttp's `get_extra_info()`: 'peername' and 'sockname' ([address, port]),
   * 'socket', and for TLS 'peercert' and 'cipher' (typed by WSExtraInfo); `defaultValue` (default
   * null) when the name is unknown or the value is missing.
   */
  getExtraInfo<K extends keyof WSExtraInfo>(name: K): WSExtraInfo[K] | null;
  getExtraInfo<K extends keyof WSExtraInfo, D>(name: K, defaultValue: D): WSExtraInfo[K] | D;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    const socket = this.#transport.socket;
    if (socket === undefined) return defaultValue;
    const tls = (socket as Partial<TLSSocket>).encrypted === true ? (socket as TLSSocket) : undefined;
    switch (name) {
      case 'peername':
        return socket.remoteAddress === undefined ? defaultValue : [socket.remoteAddress, socket.remotePort];
      case 'sockname':
        return socket.localAddress === undefined ? defaultValue : [socket.localAddress, socket.localPort];
      case 'socket':
        return socket;
      case 'peercert':
        return tls ? tls.getPeerCertificate() : defaultValue;
      case 'cipher':
        return tls ? tls.getCipher() : defaultValue;
      default:
        return defaultValue;
    }
  }

  /** The error that ended the connection, if any (aiohttp's `exception()`). */
  exception(): Error | null {
    return this.#exception;
  }

  /**
   * Waits for the next message (timeout in seconds, default `receiveTimeout`). After the close it
   * returns CLOSING/CLOSED; a timeout rejects with WSReceiveTimeoutError and leaves the socket open.
   */
  receive(timeout?: number): Promise<WSMessage> {
    try {
      const early = this.#receiveGuard();
      if (early !== undefined) return Promise.resolve(early);
      const msg = this.#queue.tryShift();
      if (msg !== undefined) return Promise.resolve(this.#settle(msg));
      if (this.#queue.ended) return Promise.resolve(this.#settle(undefined));
      return this.#wait(undefined, timeout === undefined ? this.#receiveTimeout : checkSeconds('timeout', timeout));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** @internal One `for await` step: the next data message, or done once the close was received. */
  _next(it: MessageIterator): Promise<IteratorResult<WSDataMessage, undefined>> {
    try {
      const early = this.#receiveGuard();
      if (early !== undefined) return Promise.resolve(it._finish(early));
      const msg = this.#queue.tryShift();
      if (msg !== undefined) {
        return Promise.resolve(isPlain(msg) ? { value: msg as WSDataMessage, done: false } : it._after(this.#settle(msg)));
      }
      if (this.#queue.ended) return Promise.resolve(it._after(this.#settle(undefined)));
      return this.#wait(it, this.#receiveTimeout);
    } catch (err) {
      it._done = true;
      return Promise.reject(err as Error);
    }
  }

  // What a receive returns before looking at the queue: a misuse error, CLOSED or CLOSING.
  #receiveGuard(): WSMessage | undefined {
    if (this.#waiting) {
      throw new WebSocketError('Concurrent call to receive() is not allowed', { code: 'ERR_WS_CONCURRENT_RECEIVE' });
    }
    if (this.#closed) {
      if (++this.#connLost >= CONN_LOST_THRESHOLD) throw new WSConnectionClosedError('WebSocket connection is closed.');
      return WS_CLOSED_MESSAGE;
    }
    if (this.#closing) return WS_CLOSING_MESSAGE;
    return undefined;
  }

  // The state change a received message brings (`undefined`: the stream ended without one).
  #settle(msg: WSMessage | undefined): WSMessage | Promise<WSMessage> {
    if (msg === undefined) {
      this.#setClosed(1006);
      return WS_CLOSED_MESSAGE;
    }
    switch (msg.type) {
      case WSMsgType.CLOSE:
        this.#closing = true;
        this.#closeCode = msg.data;
        if (!this.#closed && this.#autoclose) return this.close().then(() => msg);
        return msg;
      case WSMsgType.CLOSING:
        this.#closing = true;
        return msg;
      case WSMsgType.CLOSED:
      case WSMsgType.ERROR:
        this.#setClosed(1006);
        return msg;
      default:
        return msg;
    }
  }

  /**
   * Receives a TEXT message's string; any other kind rejects with WSMessageTypeError, except a text
   * message that was not valid UTF-8: the connection failed with 1007 and this rejects with that
   * WebSocketError (code `ERR_WS_INVALID_TEXT`).
   */
  async receiveStr(options: { timeout?: number } = {}): Promise<string> {
    const msg = await this.receive(options.timeout);
    if (msg.type !== WSMsgType.TEXT) {
      if (msg.type === WSMsgType.ERROR && msg.data instanceof WebSocketError && msg.data.code === 'ERR_WS_INVALID_TEXT') throw msg.data;
      throw new WSMessageTypeError(`Received message ${WSMsgType[msg.type]}:${describe(msg.data)} is not WSMsgType.TEXT`);
    }
    return msg.data;
  }

  /** Receives a BINARY message's bytes; any other kind rejects with WSMessageTypeError. */
  async receiveBytes(options: { timeout?: number } = {}): Promise<Buffer> {
    const msg = await this.receive(options.timeout);
    if (msg.type !== WSMsgType.BINARY) {
      throw new WSMessageTypeError(`Received message ${WSMsgType[msg.type]}:${describe(msg.data)} is not WSMsgType.BINARY`);
    }
    return msg.data;
  }

  /**
   * Receives a TEXT message and parses it with `loads` (default JSON.parse). Text that was not valid
   * UTF-8 never reaches `loads`: it rejects with a WebSocketError `ERR_WS_INVALID_TEXT` (see
   * `receiveStr`); invalid JSON rejects with the SyntaxError of `loads`.
   */
  async receiveJson<T = unknown>(options: WSReceiveJsonOptions = {}): Promise<T> {
    const text = await this.receiveStr(options.timeout === undefined ? {} : { timeout: options.timeout });
    return (options.loads ?? JSON.parse)(text) as T;
  }

  /** Sends a TEXT message; resolves at once unless the write buffer is full, then when flushed. */
  sendStr(data: string, options?: WSSendOptions): Promise<void> {
    if (typeof data !== 'string') return Promise.reject(new TypeError(`data argument must be a string, got ${typeof data}`));
    return this.#send(data === recentText ? (recentBytes as Buffer) : data, false, options?.compress);
  }

  /** Sends a BINARY message. */
  sendBytes(data: Uint8Array, options?: WSSendOptions): Promise<void> {
    if (!(data instanceof Uint8Array)) {
      return Promise.reject(new TypeError(`data argument must be a Buffer or Uint8Array, got ${typeof data}`));
    }
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return this.#send(buf, true, options?.compress);
  }

  /** Sends `dumps(data)` (default JSON.stringify) as a TEXT message. */
  async sendJson(data: unknown, options: WSSendJsonOptions = {}): Promise<void> {
    const text = (options.dumps ?? JSON.stringify)(data);
    if (typeof text !== 'string') throw new TypeError('dumps must return a string');
    return this.#send(text, false, options.compress);
  }

  /** Sends a PING (payload at most 125 bytes). */
  async ping(message: string | Uint8Array = EMPTY): Promise<void> {
    this.#checkWritable();
    return new Promise((resolve, reject) => {
      this.#transport.ping(toPayload(message), (err) => (err ? reject(closedError(err)) : resolve()));
    });
  }

  /** Sends an unsolicited PONG (payload at most 125 bytes). */
  async pong(message: string | Uint8Array = EMPTY): Promise<void> {
    this.#checkWritable();
    return new Promise((resolve, reject) => {
      this.#transport.pong(toPayload(message), (err) => (err ? reject(closedError(err)) : resolve()));
    });
  }

  /**
   * Starts (or finishes) the closing handshake and waits up to `timeout` seconds for the peer's
   * close frame. Resolves true if this call closed the connection, false if it was already closed.
   * A pending `receive()` returns CLOSING, as in aiohttp; a pending `for await` step ends when this
   * call does, so `closeCode` is known once the loop has ended.
   */
  async close(options: WSCloseOptions = {}): Promise<boolean> {
    const code = options.code ?? 1000;
    const reason = options.message ?? '';
    if (!isSendableCloseCode(code)) throw new RangeError(`code must be a valid close code, got ${String(code)}`);
    if (Buffer.byteLength(reason) > 123) throw new RangeError('message must be at most 123 bytes');

    this.#cancelHeartbeat();
    if (this.#waiting && !this.#closed && this.#waitIterator !== undefined) {
      // aiohttp ends `async for` on CLOSING at once, with close_code still None until the peer's
      // close frame arrives; we end the loop after the handshake instead, closeCode set.
      const resolve = this.#waitResolve!;
      const it = this.#waitIterator;
      this.#endWait();
      this.#closing = true;
      try {
        return await this.#closeHandshake(code, reason);
      } finally {
        resolve(it._finish(WS_CLOSING_MESSAGE));
      }
    }
    if (this.#waiting && !this.#closed) this.#deliver(WS_CLOSING_MESSAGE);
    return this.#closeHandshake(code, reason);
  }

  async #closeHandshake(code: number, reason: string | Buffer): Promise<boolean> {
    if (this.#closed) return false;
    this.#closed = true;
    // Unread messages are dropped, which also resumes a paused socket so the close reply can arrive.
    this.#queue.clear();

    if (!this.#transportClosed) {
      try {
        this.#transport.close(code, reason);
      } catch (err) {
        this.#exception = err as Error;
        this.#transport.terminate();
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.#transportClosedPromise.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(resolve, this.#closeTimeoutMs, true);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.#exception ??= new WSCloseTimeoutError(`No close frame received within ${this.#closeTimeoutMs / 1000} seconds`);
        this.#closeCode = 1006;
        this.#transport.terminate();
        return true;
      }
    }
    // As aiohttp: the close code is the one of the peer's answering close frame.
    this.#closeCode ??= this.#peerCloseCode ?? 1006;
    return true;
  }

  /** Drops the socket without a closing handshake; closeCode becomes 1006. */
  terminate(): void {
    this.#cancelHeartbeat();
    if (this.#waiting && !this.#closed) this.#deliver(WS_CLOSING_MESSAGE);
    this.#setClosed(1006);
    this.#transport.terminate();
  }

  /** Closes with 1000, for `await using ws = ...`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Yields TEXT/BINARY (and PING/PONG/ERROR) messages; ends after CLOSE, CLOSING or CLOSED.
   * A plain iterator rather than an async generator: one promise per message instead of four.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<WSDataMessage> {
    return new MessageIterator(this);
  }

  /** @internal A complete data message arrived. */
  _onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#heartbeatMs > 0) this.#onActivity();
    if (this.#closed) return;
    if (isBinary) {
      this.#deliver(new WSBinaryMessage(data));
      return;
    }
    // toString() with no argument is Buffer's UTF-8 fast path.
    const text = data.toString();
    if (data.length <= RECENT_TEXT_MAX) {
      recentText = text;
      recentBytes = data;
    }
    this.#deliver(new WSTextMessage(text));
  }

  /** @internal A PING arrived (the transport already answered it when autoping is on). */
  _onPing(data: Buffer): void {
    if (this.#heartbeatMs > 0) this.#onActivity();
    if (!this.#autoping && !this.#closed) this.#deliver(pingMessage(data));
  }

  /** @internal A PONG arrived. */
  _onPong(data: Buffer): void {
    if (this.#heartbeatMs > 0) this.#onActivity();
    if (!this.#autoping && !this.#closed) this.#deliver(pongMessage(data));
  }

  /** @internal The peer broke the protocol; the transport is already closing with `err.closeCode`. */
  _onError(err: Error): void {
    this.#exception ??= err;
    if (this.#closeCode === null) {
      this.#closeCode = err instanceof WebSocketError && err.closeCode !== undefined ? err.closeCode : 1006;
    }
    if (!this.#closed && !this.#errorQueued) {
      this.#errorQueued = true;
      this.#deliver(errorMessage(err));
    }
  }

  /** @internal The socket is gone; `code` is the peer's close code, 1005 if it sent none, 1006 if no close frame came. */
  _onClose(code: number, reason: string): void {
    this.#transportClosed = true;
    this.#cancelHeartbeat();
    if (code !== 1006) this.#peerCloseCode = code;
    if (!this.#closed && !this.#errorQueued) {
      this.#deliver(code === 1006 ? WS_CLOSED_MESSAGE : closeMessage(code, reason));
    }
    this.#queue.end();
    // Nothing more will come: a receive still waiting (after an ERROR was read) gets CLOSED.
    if (this.#waitResolve !== undefined && this.#queue.length === 0) this.#deliver(undefined);
    this.#transportClosedResolve?.();
  }

  #setClosed(code: number): void {
    this.#closed = true;
    this.#closeCode ??= code;
  }

  // Parks the one pending receive (`it` set: a `for await` step) until `_on*` delivers.
  #wait(it: MessageIterator | undefined, timeoutSeconds: number): Promise<any> {
    this.#waiting = true;
    this.#waitIterator = it;
    const pending = new Promise((resolve, reject) => {
      this.#waitResolve = resolve;
      this.#waitReject = reject;
    });
    if (timeoutSeconds > 0) {
      this.#waitTimer = setTimeout(() => {
        const reject = this.#waitReject;
        if (it !== undefined) it._done = true;
        this.#endWait();
        reject?.(new WSReceiveTimeoutError(`No message received within ${timeoutSeconds} seconds`));
      }, timeoutSeconds * 1000);
    }
    return pending;
  }

  #endWait(): void {
    this.#waiting = false;
    this.#waitResolve = undefined;
    this.#waitReject = undefined;
    this.#waitIterator = undefined;
    if (this.#waitTimer !== undefined) {
      clearTimeout(this.#waitTimer);
      this.#waitTimer = undefined;
    }
  }

  // Hands `msg` to the pending receive with the state change it brings, else queues it;
  // `undefined` (only with a receive pending) is the end of the stream.
  #deliver(msg: WSMessage | undefined): void {
    const resolve = this.#waitResolve;
    if (resolve === undefined) {
      if (msg !== undefined) this.#queue.push(msg);
      return;
    }
    const it = this.#waitIterator;
    this.#endWait();
    if (msg !== undefined && isPlain(msg)) {
      resolve(it === undefined ? msg : { value: msg, done: false });
      return;
    }
    const settled = this.#settle(msg);
    resolve(it === undefined ? settled : it._after(settled));
  }

  #checkWritable(): void {
    if (!this.#writable()) throw new WSConnectionClosedError('Cannot write to closing transport');
  }

  #writable(): boolean {
    return !this.#closed && this.#transport.readyState === OPEN;
  }

  #send(data: string | Buffer, binary: boolean, compress: boolean | number | undefined): Promise<void> {
    // a rejected promise, not a throw: sendStr() and sendBytes() are not async functions
    if (!this.#writable()) return Promise.reject(new WSConnectionClosedError('Cannot write to closing transport'));
    const deflate = compress === undefined ? true : Boolean(compress);
    if (this.#transport.bufferedAmount < this.#writeHighWaterMark) {
      this.#transport.send(data, binary, deflate);
      return SENT;
    }
    // Over the mark: wait until this frame is flushed, as aiohttp's writer awaits drain.
    return new Promise((resolve, reject) => {
      this.#transport.send(data, binary, deflate, (err) => (err ? reject(closedError(err)) : resolve()));
    });
  }

  // Heartbeat as aiohttp: any incoming frame proves the peer alive; after `heartbeat` idle seconds
  // we PING, and no frame within heartbeat/2 ends the connection with 1006. The idle timer is not
  // re-armed per message: it fires, sees recent activity and sleeps the remaining time.
  #onActivity(): void {
    this.#lastActivity = Date.now();
    if (this.#pongTimer !== undefined) {
      clearTimeout(this.#pongTimer);
      this.#pongTimer = undefined;
      this.#scheduleHeartbeat(this.#heartbeatMs);
    }
  }

  #scheduleHeartbeat(ms: number): void {
    this.#heartbeatTimer = setTimeout(() => this.#heartbeatDue(), ms);
    this.#heartbeatTimer.unref();
  }

  #heartbeatDue(): void {
    this.#heartbeatTimer = undefined;
    if (this.#closed || this.#transportClosed) return;
    const idle = Date.now() - this.#lastActivity;
    if (idle < this.#heartbeatMs) {
      this.#scheduleHeartbeat(this.#heartbeatMs - idle);
      return;
    }
    if (this.#transport.readyState !== OPEN) return;
    this.#transport.ping(EMPTY);
    this.#pongTimer = setTimeout(() => this.#pongNotReceived(), this.#heartbeatMs / 2);
    this.#pongTimer.unref();
  }

  #pongNotReceived(): void {
    this.#pongTimer = undefined;
    if (this.#closed || this.#transportClosed) return;
    // Unread data is waiting behind back-pressure, so the peer is alive: our reader is the slow one.
    if (this.#queue.paused) {
      this.#lastActivity = Date.now();
      this.#scheduleHeartbeat(this.#heartbeatMs);
      return;
    }
    const err = new WSHeartbeatTimeoutError(`No PONG received after ${this.#heartbeatMs / 2000} seconds`);
    const waiting = this.#waiting;
    this.#exception = err;
    this.#closed = true;
    this.#closeCode = 1006;
    if (waiting && !this.#closing) this.#deliver(errorMessage(err));
    this.#transport.terminate();
  }

  #cancelHeartbeat(): void {
    if (this.#heartbeatTimer !== undefined) clearTimeout(this.#heartbeatTimer);
    if (this.#pongTimer !== undefined) clearTimeout(this.#pongTimer);
    this.#heartbeatTimer = undefined;
    this.#pongTimer = undefined;
  }
}

/** `for await` over a connection; ends after CLOSE, CLOSING or CLOSED, as aiohttp's `async for`. */
class MessageIterator implements AsyncIterableIterator<WSDataMessage> {
  readonly #conn: WebSocketConnection;
  /** @internal Set once the stream ended (or failed): later steps are done. */
  _done = false;

  constructor(conn: WebSocketConnection) {
    this.#conn = conn;
  }

  next(): Promise<IteratorResult<WSDataMessage, undefined>> {
    return this._done ? Promise.resolve(DONE) : this.#conn._next(this);
  }

  /** `break` leaves the socket open, as leaving aiohttp's `async for` does. */
  return(): Promise<IteratorResult<WSDataMessage, undefined>> {
    this._done = true;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WSDataMessage> {
    return this;
  }

  /** @internal `_finish` once a settled message is known (closing first after a CLOSE with autoclose). */
  _after(settled: WSMessage | Promise<WSMessage>): IteratorResult<WSDataMessage, undefined> | Promise<IteratorResult<WSDataMessage, undefined>> {
    return settled instanceof Promise ? settled.then((m) => this._finish(m)) : this._finish(settled);
  }

  /** @internal The result for a settled non-plain message: ERROR is yielded, the end kinds finish. */
  _finish(msg: WSMessage): IteratorResult<WSDataMessage, undefined> {
    if (msg.type === WSMsgType.CLOSE || msg.type === WSMsgType.CLOSING || msg.type === WSMsgType.CLOSED) {
      this._done = true;
      return DONE;
    }
    return { value: msg, done: false };
  }
}

function toPayload(message: string | Uint8Array): string | Buffer {
  if (typeof message === 'string' || Buffer.isBuffer(message)) return message;
  return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
}

function closedError(cause: Error): WSConnectionClosedError {
  return new WSConnectionClosedError('Cannot write to closing transport', { cause });
}

function describe(data: unknown): string {
  if (typeof data === 'string') return JSON.stringify(data.length > 64 ? `${data.slice(0, 64)}...` : data);
  if (Buffer.isBuffer(data)) return `<${data.length} bytes>`;
  if (data instanceof Error) return `${data.name}: ${data.message}`;
  return String(data);
}
