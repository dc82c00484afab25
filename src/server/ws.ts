/**
 * WebSocketResponse (aiohttp `web_ws.py`): a GET handler turns its request into a WebSocket with
 * `await ws.prepare(request)`, after routing and middlewares ran as for any request. The message
 * API is the shared WebSocketConnection's; this class adds the HTTP side (checks, 101, hijacking).
 */
import type { WSCloseOptions, WSDataMessage, WSExtraInfo, WSReceiveJsonOptions, WSSendJsonOptions, WSSendOptions, WebSocketLike } from '../websocket/connection.js';
import { WebSocketConnection } from '../websocket/connection.js';
import { WSHandshakeError } from '../websocket/errors.js';
import type { WSMessage } from '../websocket/models.js';
import { WebSocketSet } from '../websocket/websocket-set.js';
import { checkUpgradeRequest, createServerSocket, selectProtocol } from '../websocket/ws-adapter.js';
import type { CompressOption, ServerSocketOptions } from '../websocket/ws-adapter.js';
import type { Application } from './application.js';
import { HTTPBadRequest, HTTPMethodNotAllowed, HTTPUpgradeRequired } from './exceptions.js';
import type { HTTPException } from './exceptions.js';
import type { Request } from './request.js';
import { StreamResponse } from './response.js';

/** Options of WebSocketResponse; durations in seconds, as in aiohttp. */
export interface WebSocketResponseOptions {
  /** Seconds to wait for the client's close frame after ours (default 10). */
  timeout?: number;
  /** Default timeout of `receive()`; none by default. */
  receiveTimeout?: number | null;
  /** Mark the socket closed as soon as `receive()` returns the client's CLOSE (default true). */
  autoclose?: boolean;
  /** Answer PINGs and swallow PONGs (default true). */
  autoping?: boolean;
  /** PING after this many idle seconds; no answer within half of it closes the socket (default off). */
  heartbeat?: number | null;
  /** Subprotocols we support; the client's order of preference wins. */
  protocols?: readonly string[];
  /** Accept permessage-deflate when the client offers it (default true). */
  compress?: CompressOption;
  /** Largest message in bytes after inflation, 0 = no limit (default 4 MiB); bigger closes with 1009. */
  maxMsgSize?: number;
  /** Unread bytes buffered before reading from the socket pauses (default 128 KiB). */
  readHighWaterMark?: number;
  /** Bytes queued for writing above which a send waits for the flush (aiohttp's writer_limit, default 64 KiB). */
  writeHighWaterMark?: number;
}

/** What `canPrepare()` answers (aiohttp's `WebSocketReady`). */
export interface WebSocketReady {
  /** Whether the request is a valid WebSocket upgrade. */
  ok: boolean;
  /** The subprotocol that would be chosen, or null. */
  protocol: string | null;
}

// Server WebSockets of each application, closed with 1001 by AppRunner.cleanup() after onShutdown.
const tracked = new WeakMap<Application, WebSocketSet<WebSocketResponse>>();

/**
 * The open server WebSockets of `app`: every prepared WebSocketResponse is added, closed ones drop
 * out. AppRunner's graceful shutdown closes them with 1001 after `onShutdown` ran, within
 * `shutdownTimeout`. aiohttp's recipe still works for your own code or message (or a broadcast
 * list), with a WebSocketSet under an AppKey (see examples/websocket/chat-server.ts):
 * @example
 * const websockets = new AppKey<WebSocketSet<web.WebSocketResponse>>('websockets');
 * app.set(websockets, new WebSocketSet());
 * app.onShutdown.push((a) => a.get(websockets).closeAll({ code: WSCloseCode.GOING_AWAY, timeout: 5 }));
 * // in the handler, after `await ws.prepare(request)`: request.app.get(websockets).add(ws);
 */
export function serverWebSockets(app: Application): WebSocketSet<WebSocketResponse> {
  let set = tracked.get(app);
  if (set === undefined) tracked.set(app, (set = new WebSocketSet<WebSocketResponse>()));
  return set;
}

/** @internal Closes the open server WebSockets of `app` with 1001 within `timeout` seconds; then drops the rest. */
export async function closeServerWebSockets(app: Application, timeout: number): Promise<void> {
  const set = tracked.get(app);
  if (set === undefined || set.size === 0) return;
  await set.closeAll({ timeout: Math.max(0, timeout) });
}

function notUpgradable(method: string, status: number, reason: string, headers: Record<string, string>): HTTPException {
  if (status === 405) return new HTTPMethodNotAllowed(method, ['GET']);
  // The connection's fate is node's to decide (keep-alive or close), so no Connection header here.
  const kept = Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'connection');
  if (status === 426) {
    return new HTTPUpgradeRequired({ text: `${reason}: this resource only speaks WebSocket (send Upgrade: websocket)`, headers: kept });
  }
  return new HTTPBadRequest({ text: reason, headers: kept });
}

/**
 * A server WebSocket. Return it from the handler once done, as in aiohttp.
 * @example
 * app.router.addGet('/ws', async (request) => {
 *   const ws = new web.WebSocketResponse({ heartbeat: 30 });
 *   await ws.prepare(request);
 *   for await (const msg of ws) {
 *     if (msg.type === WSMsgType.TEXT) await ws.sendStr(`${msg.data}/answer`);
 *   }
 *   return ws;
 * });
 */
export class WebSocketResponse extends StreamResponse implements WebSocketLike {
  readonly #options: WebSocketResponseOptions;
  #conn: WebSocketConnection | undefined;
  #request: Request | undefined;
  #preparing: Promise<void> | undefined;

  constructor(options: WebSocketResponseOptions = {}) {
    super({ status: 101 });
    this.#options = options;
    this.#conn = undefined;
    this.#request = undefined;
    this.#preparing = undefined;
  }

  /** Tells whether `request` can be upgraded and which subprotocol would be chosen; sends nothing. */
  canPrepare(request: Request<unknown>): WebSocketReady {
    if (this.#conn !== undefined) throw new Error('Already started');
    const headers = request.message.headers;
    if (checkUpgradeRequest(request.method, headers, request.message.httpVersion) !== null) return { ok: false, protocol: null };
    return { ok: true, protocol: selectProtocol(headers['sec-websocket-protocol'], this.#options.protocols ?? []) };
  }

  /** Whether the handshake was done. */
  override get prepared(): boolean {
    return this.#conn !== undefined;
  }

  /** The request this WebSocket was prepared for. */
  override get request(): Request | undefined {
    return this.#request;
  }

  /**
   * Checks the upgrade request, runs `onResponsePrepare`, answers 101 (with `headers` and cookies
   * set on this response) and takes the connection over. A request that is not a WebSocket
   * upgrade throws an HTTP exception: 426 with `Upgrade: websocket` for a plain GET, 400 for bad
   * WebSocket headers, 405 for another method.
   */
  override prepare(request: Request<unknown>): Promise<void> {
    return (this.#preparing ??= this.#prepare(request));
  }

  async #prepare(request: Request<unknown>): Promise<void> {
    const message = request.message;
    const rejection = checkUpgradeRequest(request.method, message.headers, message.httpVersion);
    if (rejection !== null) throw notUpgradable(request.method, rejection.status, rejection.reason, rejection.headers);
    const upgrade = request._upgrade;
    // node:http emits 'upgrade' for every request with Connection: upgrade; anything else is not one.
    if (upgrade === undefined) throw new HTTPBadRequest({ text: 'Not an HTTP Upgrade request' });
    const signal = request.app.onResponsePrepare;
    if (signal.length !== 0) await signal.send(request, this);

    const o = this.#options;
    const options: ServerSocketOptions = { headers: this.#handshakeHeaders() };
    if (o.protocols !== undefined) options.protocols = o.protocols;
    if (o.compress !== undefined) options.compress = o.compress;
    if (o.maxMsgSize !== undefined) options.maxMsgSize = o.maxMsgSize;
    if (o.autoclose !== undefined) options.autoclose = o.autoclose;
    if (o.autoping !== undefined) options.autoping = o.autoping;
    if (o.heartbeat !== undefined) options.heartbeat = o.heartbeat;
    if (o.receiveTimeout !== undefined) options.receiveTimeout = o.receiveTimeout;
    if (o.timeout !== undefined) options.timeout = o.timeout;
    if (o.readHighWaterMark !== undefined) options.readHighWaterMark = o.readHighWaterMark;
    if (o.writeHighWaterMark !== undefined) options.writeHighWaterMark = o.writeHighWaterMark;

    // From here the socket is ours: the protocol writes nothing for this request, whatever happens.
    request._hijacked = true;
    this.#request = request;
    let conn: WebSocketConnection;
    try {
      conn = await createServerSocket(message, upgrade.socket, upgrade.head, options);
    } catch (err) {
      // The adapter already answered or closed the socket; an HTTP exception keeps it out of the error log.
      if (err instanceof WSHandshakeError) throw notUpgradable(request.method, err.status, err.message, {});
      throw err;
    }
    this.#conn = conn;
    const open = serverWebSockets(request.app);
    open.add(this);
    // The set only prunes closed sockets when read; drop ours as soon as its socket is gone.
    upgrade.socket.once('close', () => open.delete(this));
  }

  #handshakeHeaders(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [k, v] of this.headers) {
      // The handshake's own headers are the adapter's to write.
      if (!/^(upgrade|connection|sec-websocket-.*|content-length|transfer-encoding)$/i.test(k)) out.push([k, v]);
    }
    for (const v of this.cookies.values()) out.push(['Set-Cookie', v]);
    return out;
  }

  #connection(): WebSocketConnection {
    const conn = this.#conn;
    if (conn === undefined) throw new Error('Call .prepare() first');
    return conn;
  }

  /** Whether the WebSocket is closed or closing on our side; false before `prepare()`. */
  get closed(): boolean {
    return this.#conn?.closed ?? false;
  }

  /** The close code once closed, else null. */
  get closeCode(): number | null {
    return this.#conn?.closeCode ?? null;
  }

  /** The negotiated subprotocol, or null (aiohttp's `ws_protocol`). */
  get protocol(): string | null {
    return this.#conn?.protocol ?? null;
  }

  /** aiohttp's name for `protocol`. */
  get wsProtocol(): string | null {
    return this.protocol;
  }

  /** Negotiated permessage-deflate window bits, 0 when off. */
  get compress(): number {
    return this.#conn?.compress ?? 0;
  }

  /**
   * Transport details as aiohttp's `get_extra_info()` ('peername', 'sockname', 'socket', 'peercert',
   * 'cipher', typed by WSExtraInfo); `defaultValue` (default null) before `prepare()` and for unknown names.
   */
  getExtraInfo<K extends keyof WSExtraInfo>(name: K): WSExtraInfo[K] | null;
  getExtraInfo<K extends keyof WSExtraInfo, D>(name: K, defaultValue: D): WSExtraInfo[K] | D;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return this.#conn === undefined ? defaultValue : this.#conn.getExtraInfo(name, defaultValue);
  }

  /** The error that ended the connection, if any. */
  exception(): Error | null {
    return this.#conn?.exception() ?? null;
  }

  /** Waits for the next message (timeout in seconds, default `receiveTimeout`). */
  receive(timeout?: number): Promise<WSMessage> {
    return this.#connection().receive(timeout);
  }

  /** Receives a TEXT message's string; another kind rejects with WSMessageTypeError. */
  receiveStr(options?: { timeout?: number }): Promise<string> {
    return this.#connection().receiveStr(options);
  }

  /** Receives a BINARY message's bytes; another kind rejects with WSMessageTypeError. */
  receiveBytes(options?: { timeout?: number }): Promise<Buffer> {
    return this.#connection().receiveBytes(options);
  }

  /** Receives a TEXT message parsed as JSON. */
  receiveJson<T = unknown>(options?: WSReceiveJsonOptions): Promise<T> {
    return this.#connection().receiveJson<T>(options);
  }

  /** Sends a TEXT message. */
  sendStr(data: string, options?: WSSendOptions): Promise<void> {
    return this.#connection().sendStr(data, options);
  }

  /** Sends a BINARY message. */
  sendBytes(data: Uint8Array, options?: WSSendOptions): Promise<void> {
    return this.#connection().sendBytes(data, options);
  }

  /** Sends a value as JSON text. */
  sendJson(data: unknown, options?: WSSendJsonOptions): Promise<void> {
    return this.#connection().sendJson(data, options);
  }

  /** Sends a PING. */
  ping(message?: string | Uint8Array): Promise<void> {
    return this.#connection().ping(message);
  }

  /** Sends an unsolicited PONG. */
  pong(message?: string | Uint8Array): Promise<void> {
    return this.#connection().pong(message);
  }

  /** Closes with `code` (default 1000) and waits for the client's close frame; true if this call closed it. */
  close(options?: WSCloseOptions): Promise<boolean> {
    return this.#connection().close(options);
  }

  /** Drops the socket without a closing handshake (close code 1006). */
  terminate(): void {
    this.#conn?.terminate();
  }

  /** There is no HTTP body to write: closes the WebSocket as aiohttp's `write_eof()` does. */
  override async writeEof(): Promise<void> {
    if (this.#conn !== undefined && !this.#conn.closed) await this.#conn.close();
  }

  /** No HTTP body: writing is a misuse. */
  override write(): Promise<void> {
    return Promise.reject(new TypeError('WebSocketResponse has no body to write; use sendStr() or sendBytes()'));
  }

  /** Yields TEXT/BINARY (and PING/PONG/ERROR) messages until the close. */
  [Symbol.asyncIterator](): AsyncIterator<WSDataMessage> {
    return this.#connection()[Symbol.asyncIterator]();
  }
}
