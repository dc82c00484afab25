/**
 * The node:http side of the server (aiohttp `web_protocol.py`): the 'request', 'upgrade' and
 * 'clientError' listeners. It resolves the route, runs the precomputed chain, turns HTTP
 * exceptions into responses and anything else into a logged 500 without a stack, and counts
 * in-flight requests for graceful shutdown.
 */
import { ServerResponse, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Application } from './application.js';
import type { AccessLogger } from './access-log.js';
import { HTTPBadRequest, HTTPException, HTTPInternalServerError } from './exceptions.js';
import { bodyException, Request } from './request.js';
import { isValidHost, parseTarget, type RequestTarget } from './authority.js';
import { isValidPercentPath } from './router/url-dispatcher.js';
import { Response, StreamResponse } from './response.js';

/** Options of ServerProtocol. */
export interface ServerProtocolOptions {
  accessLogger?: AccessLogger | undefined;
  /** Longest request line in bytes (aiohttp's max_line_size); longer gets 414. */
  maxLineSize?: number | undefined;
  /** Most header lines a request may have; more gets 431. */
  maxHeadersCount?: number | undefined;
  /** Most requests queued behind an unfinished response on one connection; more closes it. */
  maxPipelinedRequests?: number | undefined;
}

/**
 * Framing node's llhttp accepts that we refuse (aiohttp's parser refuses them too): a repeated
 * Host, too many header lines, a request target over maxLineSize, a version other than 1.x, and
 * Transfer-Encoding on HTTP/1.0, not ending in chunked (400) or with another coding before chunked
 * (501) (RFC 9112 §6.1: request smuggling through framing the two ends read differently).
 * Returns the status to refuse with, or 0.
 */
function framingError(message: IncomingMessage, maxLine: number, maxHeaders: number): number {
  if (message.httpVersionMajor !== 1) return message.httpVersionMajor === 0 ? 400 : 505;
  const raw = message.rawHeaders;
  if (raw.length > maxHeaders * 2) return 431;
  if ((message.url?.length ?? 0) + message.method!.length + 10 > maxLine) return 414;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1) return 400;
  }
  const te = message.headers['transfer-encoding'];
  if (te !== undefined) {
    if (message.httpVersionMinor === 0) return 400;
    // RFC 9112 §6.3: chunked not last leaves the length unknown, a 400; §6.1: chunked after a
    // coding we do not implement (`gzip, chunked`) is a 501.
    const codings = te.toLowerCase().split(',');
    if (codings[codings.length - 1]!.trim() !== 'chunked') return 400;
    if (codings.length !== 1) return 501;
  }
  return 0;
}

/** tchar (RFC 9110 §5.6.2) runs, then a space or the end of what arrived: a method, just not one we know. */
const TOKEN_METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?: |$)/;

/**
 * Whether the packet llhttp refused with HPE_INVALID_METHOD starts with a well-formed method token
 * (`BREW / HTTP/1.1`): RFC 9110 §9.1 answers 501 Not Implemented. Control bytes or separators in
 * the method (`G\0T`, `G(T`) stay a 400.
 */
function isTokenMethod(packet: unknown): boolean {
  return Buffer.isBuffer(packet) && TOKEN_METHOD.test(packet.subarray(0, 64).toString('latin1'));
}

/** A complete error response on a raw socket that then closes. */
function rawError(status: number): string {
  const body = `${status}: ${STATUS_CODES[status]}`;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

/** Sends `status` and closes the connection, never reading the body. */
function refuse(res: ServerResponse, status: number): void {
  const body = `${status}: ${STATUS_CODES[status]}`;
  res.shouldKeepAlive = false;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, Connection: 'close' });
  res.end(body);
}

const DISCONNECT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_CONNECTION_RESET', 'ECONNABORTED']);

/** Errors that only say the client went away; not worth an error log line. */
function isDisconnect(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DISCONNECT_CODES.has(code);
}

/** Wants JSON and not HTML: the error body is then `{"error": {...}}`. */
function wantsJson(request: Request): boolean {
  const accept = request.message.headers.accept;
  return accept !== undefined && accept.includes('application/json') && !accept.includes('text/html');
}

/** The response an HTTP exception stands for. */
export function exceptionToResponse(exc: HTTPException, request: Request): Response {
  const { status, reason } = exc;
  let resp: Response;
  if (exc.body !== undefined) {
    resp = new Response(exc.contentType === undefined ? { status, reason, body: exc.body } : { status, reason, body: exc.body, contentType: exc.contentType });
  } else if (exc.text !== undefined) {
    if (exc.contentType === undefined && wantsJson(request)) {
      const text = JSON.stringify({ error: { status, reason, message: exc.text } });
      resp = new Response({ status, reason, text, contentType: 'application/json' });
    } else {
      resp = new Response({ status, reason, text: exc.text, contentType: exc.contentType ?? 'text/plain' });
    }
  } else {
    resp = new Response({ status, reason });
  }
  for (const [k, v] of exc.headers) resp.headers.add(k, v);
  return resp;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/**
 * A ServerResponse on the raw socket of an upgrade request, closed after one response: node stops
 * parsing at the end of the headers, so a body sent with a refused upgrade (or a request hidden in
 * it) is never parsed as the next request.
 */
function makeUpgradeResponse(message: IncomingMessage, socket: Socket): ServerResponse {
  const res = new ServerResponse(message);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.detachSocket(socket);
    socket.end();
  });
  return res;
}

function touchPeer(socket: Socket): void {
  void socket.remoteAddress;
}

/** Connects node:http servers to an application. */
export class ServerProtocol {
  readonly app: Application;
  readonly #accessLogger: AccessLogger | undefined;
  readonly #maxLine: number;
  readonly #maxHeaders: number;
  readonly #maxPipelined: number;
  /** Requests node queued behind an unfinished response, per connection. */
  readonly #queued = new WeakMap<Socket, number>();
  #inflight = 0;
  #idle: Array<() => void> = [];
  /** Sockets handed to 'upgrade': node's server no longer tracks them, so shutdown must. */
  readonly #upgraded = new Set<Socket>();
  /** The last Host that passed the check: most requests repeat it. */
  #validHost = '';

  constructor(app: Application, options: ServerProtocolOptions = {}) {
    this.app = app;
    this.#accessLogger = options.accessLogger;
    this.#maxLine = options.maxLineSize ?? 8190;
    this.#maxHeaders = options.maxHeadersCount ?? 128;
    this.#maxPipelined = options.maxPipelinedRequests ?? 32;
  }

  /** Requests whose handler has not finished. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Attaches the listeners to a server. */
  attach(server: Server): void {
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgrade);
    server.on('clientError', this.onClientError);
    server.on('checkContinue', this.onCheckContinue);
    // node caches the peer address on first read; read it while the socket is open, so that
    // request.remote and the access log still know it after the client has gone.
    server.on('connection', touchPeer);
  }

  /** From now on every response closes its connection. */
  beginShutdown(): void {
    this.app._closing = true;
  }

  /** Resolves true when no request is in flight, false when `timeoutMs` passed first. */
  waitInflight(timeoutMs: number): Promise<boolean> {
    if (this.#inflight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#idle = this.#idle.filter((f) => f !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#idle.push(done);
    });
  }

  /** Destroys the sockets of upgraded connections still open (the end of a shutdown). */
  destroyUpgraded(): void {
    for (const s of this.#upgraded) s.destroy();
    this.#upgraded.clear();
  }

  readonly onRequest = (message: IncomingMessage, res: ServerResponse): void => {
    const bad = framingError(message, this.#maxLine, this.#maxHeaders);
    if (bad !== 0) {
      refuse(res, bad);
      return;
    }
    // node dispatches every pipelined request at once and queues the responses; cap that queue.
    if (res.socket === null) {
      const sock = message.socket;
      const queued = (this.#queued.get(sock) ?? 0) + 1;
      if (queued > this.#maxPipelined) {
        sock.destroy();
        return;
      }
      this.#queued.set(sock, queued);
      res.once('socket', () => this.#queued.set(sock, (this.#queued.get(sock) ?? 1) - 1));
    }
    const target = this.#target(message);
    if (target === undefined) {
      refuse(res, 400);
      return;
    }
    const request = new Request(message, res, this.app, target.rawPath, target.query, undefined, target.authority);
    this.#dispatch(request);
  };

  readonly onUpgrade = (message: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const sock = socket as Socket;
    const bad = framingError(message, this.#maxLine, this.#maxHeaders);
    if (bad !== 0) {
      sock.end(rawError(bad));
      return;
    }
    const target = this.#target(message);
    if (target === undefined) {
      sock.end(rawError(400));
      return;
    }
    sock.on('error', () => sock.destroy());
    this.#upgraded.add(sock);
    sock.once('close', () => this.#upgraded.delete(sock));
    const request = new Request(message, () => makeUpgradeResponse(message, sock), this.app, target.rawPath, target.query, { socket: sock, head }, target.authority);
    this.#dispatch(request);
  };

  /**
   * The target and the authority `request.host` and `request.url` use; undefined for a target or a
   * Host header that is a 400 (RFC 9112 §3.2: MUST), so no host the client hid in the path or
   * slipped past a front proxy's reading of Host reaches the application.
   */
  #target(message: IncomingMessage): RequestTarget | undefined {
    let host = message.headers.host;
    if (host === '') host = undefined;
    else if (host !== undefined && host !== this.#validHost) {
      if (!isValidHost(host)) return undefined;
      this.#validHost = host;
    }
    return parseTarget(message.url ?? '/', host);
  }

  /**
   * Malformed requests get 400 (431 for oversized headers, 408 for timeouts, 501 for a well-formed
   * method llhttp does not know) and a closed socket.
   */
  readonly onClientError = (err: Error & { code?: string }, socket: Duplex): void => {
    const busy = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (err.code === 'ECONNRESET' || !socket.writable || busy) {
      socket.destroy();
      return;
    }
    let status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (status === 431 && this.#lineOverflow((err as { rawPacket?: unknown }).rawPacket)) status = 414;
    else if (err.code === 'HPE_INVALID_METHOD' && isTokenMethod((err as { rawPacket?: unknown }).rawPacket)) status = 501;
    socket.end(rawError(status));
    (socket as Socket).destroySoon();
  };

  /** llhttp reports one overflow for line and headers; an unfinished or overlong first line is a 414. */
  #lineOverflow(packet: unknown): boolean {
    if (!Buffer.isBuffer(packet) || !/^[A-Z]+ /.test(packet.subarray(0, 16).toString('latin1'))) return false;
    const eol = packet.indexOf(10);
    return eol === -1 || eol > this.#maxLine;
  }

  /**
   * `Expect: 100-continue`: the request takes the normal path (middlewares, handler) and
   * `100 Continue` goes out when the body is first read, so a response that comes first (a
   * middleware's 401, a 413 from the limit of `read()`/`text()`/`json()`/`post()`/`multipart()`
   * checked against the declared Content-Length) is sent without asking for the body; node then
   * closes the connection. Streams (`request.content`) are not held to the app's clientMaxSize and
   * get their 100 Continue. Other expectations get node's 417.
   */
  readonly onCheckContinue = (message: IncomingMessage, res: ServerResponse): void => {
    const read = message._read;
    message._read = function (this: IncomingMessage, size: number): void {
      message._read = read;
      // Only before the final response: node dumps an unread body after it, which reads too.
      if (!res.headersSent && !res.destroyed) res.writeContinue();
      read.call(this, size);
    };
    this.onRequest(message, res);
  };

  #dispatch(request: Request): void {
    this.#inflight++;
    if (this.#accessLogger !== undefined) request._startTime = performance.now();
    // Before routing (as Go's net/http): a path that cannot be decoded has no route, static or not.
    if (!isValidPercentPath(request._rawPath)) {
      this.#fail(request, new HTTPBadRequest({ text: 'invalid percent-encoding in path' }));
      return;
    }
    let result;
    try {
      result = this.app._handle(request);
    } catch (err) {
      this.#fail(request, err);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (resp) => this.#finish(request, resp),
        (err: unknown) => this.#fail(request, err),
      );
    } else {
      this.#finish(request, result);
    }
  }

  #finish(request: Request, resp: unknown): void {
    if (request._hijacked) {
      // As aiohttp: a WebSocket still open when its handler returns is closed (its writeEof()).
      if (resp instanceof StreamResponse && resp.prepared) {
        resp.writeEof().then(
          () => this.#done(request, resp),
          (err: unknown) => this.#fail(request, err),
        );
      } else {
        this.#done(request, resp instanceof StreamResponse ? resp : undefined);
      }
      return;
    }
    if (!(resp instanceof StreamResponse)) {
      this.#fail(request, new TypeError(`Handler ${request.route?.handler.name || ''} returned a non-response: ${Object.prototype.toString.call(resp)}`));
      return;
    }
    if (resp.prepared && resp.request !== request) {
      this.#fail(request, new TypeError('Handler returned a response already sent for another request; build a new one per request'));
      return;
    }
    if (!resp.prepared && resp instanceof Response && this.app.onResponsePrepare.length === 0) {
      try {
        resp._sendNow(request);
      } catch (err) {
        this.#fail(request, err);
        return;
      }
      this.#done(request, resp);
      return;
    }
    this.#finishAsync(request, resp).then(
      () => this.#done(request, resp),
      (err: unknown) => this.#fail(request, err),
    );
  }

  async #finishAsync(request: Request, resp: StreamResponse): Promise<void> {
    if (!resp.prepared) await resp.prepare(request);
    await resp.writeEof();
  }

  #fail(request: Request, err: unknown): void {
    const logger = this.app.logger;
    if (request._hijacked) {
      if (!(err instanceof HTTPException) && !isDisconnect(err)) logger.error('Error handling request', err);
      this.#done(request, undefined);
      return;
    }
    const res = request._res;
    if (res.headersSent || res.destroyed) {
      if (!isDisconnect(err)) logger.error('Error handling request after the response started', err);
      res.destroy();
      this.#done(request, undefined);
      return;
    }
    // A body error from a handler's own streaming read (request.content, multipart()) maps as read() does.
    let exc = bodyException(err);
    if (exc === undefined) {
      if (!isDisconnect(err)) logger.error('Error handling request', err);
      exc = new HTTPInternalServerError();
    }
    // An unread body would otherwise be drained after the response; close instead (e.g. a 413).
    if (!request.message.complete && request.canReadBody) res.shouldKeepAlive = false;
    let resp: Response;
    try {
      resp = exceptionToResponse(exc, request);
    } catch (buildErr) {
      logger.error('Error building the error response', buildErr);
      resp = exceptionToResponse(new HTTPInternalServerError(), request);
    }
    const end = (): void => this.#done(request, resp);
    if (this.app.onResponsePrepare.length === 0) {
      try {
        resp._sendNow(request);
      } catch (sendErr) {
        logger.error('Error sending the error response', sendErr);
        res.destroy();
      }
      end();
      return;
    }
    this.#finishAsync(request, resp).then(end, (sendErr: unknown) => {
      logger.error('Error sending the error response', sendErr);
      // An onResponsePrepare handler that throws again must not cost the client its 500.
      if (!res.headersSent && !res.destroyed) {
        resp = exceptionToResponse(new HTTPInternalServerError(), request);
        try {
          resp._sendNow(request);
        } catch {
          res.destroy();
        }
      } else {
        res.destroy();
      }
      end();
    });
  }

  #done(request: Request, resp: StreamResponse | undefined): void {
    const logger = this.#accessLogger;
    if (logger !== undefined) {
      const status = resp?.status ?? (request._hasRes ? request._res.statusCode : 101);
      logger.log(request, resp, (performance.now() - request._startTime) / 1000, status);
    }
    if (--this.#inflight === 0 && this.#idle.length !== 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }
}
