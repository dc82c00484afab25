/**
 * The response side, as aiohttp's `client_reqrep.py` ClientResponse, plus the Exchange that feeds
 * it from the connector: status and headers resolve the request's promise, body chunks go through
 * an optional decompressor into the response's bounded StreamReader.
 */
import { STATUS_CODES } from 'node:http';
import { TextDecoder } from 'node:util';
import { isUtf8 } from 'node:buffer';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import type { Transform } from 'node:stream';
import { CIMultiDict, MultiDict, MultiDictProxy } from '../common/multidict.js';
import { isJsonMimetype, parseContentType } from '../common/content-type.js';
import type { ParsedContentType } from '../common/content-type.js';
import { StreamReader } from '../common/streams.js';
import { parseSetCookies } from '../common/cookies/cookie-jar.js';
import type { Cookie } from '../common/cookies/cookie-jar.js';
import type { DispatchSink } from './connector.js';
import {
  ClientConnectionError,
  ClientPayloadError,
  ClientResponseError,
  ClientResponseParseError,
  ConnectionTimeoutError,
  ContentTooLargeError,
  DecompressionRatioError,
  ContentTypeError,
  JSONDecodeError,
  ServerDisconnectedError,
  ServerTimeoutError,
  UnknownEncodingError,
  fromUndiciError,
} from './errors.js';
import { RequestInfo } from './request.js';
import type { ClientRequest, CIMultiDictProxy, Progress } from './request.js';
import type { Trace } from './tracing.js';
import { parseLinkHeader } from './links.js';
import type { LinkInfo } from './links.js';

/** Options of `response.json()`. */
export interface JsonOptions {
  /** Expected mimetype; `null` skips the check. Default `application/json` (and `+json` types). */
  contentType?: string | null;
  /** Parser. Default `JSON.parse`. */
  loads?: (text: string) => unknown;
  /** Text encoding; default the response charset, else utf-8. */
  encoding?: string;
}

/** Options of `response.text()`. */
export interface TextOptions {
  /** `strict` (default, as aiohttp) throws on invalid bytes; `replace` inserts U+FFFD. */
  errors?: 'strict' | 'replace';
}

/** @internal The total-timeout timer of one `session.request()` call, shared by its redirect hops. */
export class Deadline {
  #timer: NodeJS.Timeout | null = null;
  #current: Exchange | null = null;
  #fired: ServerTimeoutError | null = null;
  readonly #seconds: number;
  constructor(seconds: number | null, url: string) {
    this.#seconds = seconds ?? 0;
    if (seconds !== null && seconds > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#fired = new ServerTimeoutError('total', `Total timeout of ${seconds}s expired (${url})`);
        this.#current?._fail(this.#fired);
      }, Math.max(1, Math.round(seconds * 1000)));
      this.#timer.unref();
    }
  }
  get fired(): ServerTimeoutError | null {
    return this.#fired;
  }
  get seconds(): number {
    return this.#seconds;
  }
  attach(ex: Exchange): void {
    this.#current = ex;
    if (this.#fired !== null) ex._fail(this.#fired);
  }
  /** Fails the current hop, if still running, so its connection is not left behind. */
  abortCurrent(err: Error): void {
    const ex = this.#current;
    if (ex !== null && !ex.bodyDone) ex._fail(err);
  }
  clear(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#current = null;
  }
}

/** @internal Settings of one `session.request()` call, shared by its hops. */
export interface ExchangeContext {
  readonly session: unknown;
  readonly trace: Trace | null;
  readonly deadline: Deadline;
  readonly autoDecompress: boolean;
  readonly maxBodySize: number | null;
  readonly maxDecompressSize: number;
  readonly maxDecompressRatio: number | null;
  readonly readBufferSize: number;
  readonly connectMs: number;
  readonly connectKind: 'connect' | 'sockConnect';
  readonly onUploadProgress: ((p: Progress) => void) | undefined;
  readonly onDownloadProgress: ((p: Progress) => void) | undefined;
  readonly socketPath: string | undefined;
}

/** @internal One HTTP exchange: receives connector events and builds the ClientResponse. */
export class Exchange implements DispatchSink {
  readonly traced: boolean;
  readonly #ctx: ExchangeContext;
  readonly #req: ClientRequest;
  readonly #resolve: (r: ClientResponse) => void;
  readonly #reject: (e: Error) => void;
  #settled = false;
  #abort: ((reason: Error) => void) | null = null;
  #failed: Error | null = null;
  #connectTimer: NodeJS.Timeout | null = null;
  #reader: StreamReader | null = null;
  #resume: (() => void) | null = null;
  #undiciPaused = false;
  #readerPaused = false;
  #encoding: string | null = null;
  #decoder: Transform | null = null;
  #decoded = 0;
  #received = 0;
  #sent = 0;
  #contentLength: number | null = null;
  #ended = false;
  #interim = 0;
  /** @internal Set by the session: runs once the body has been read, failed or released. */
  onBodyDone: ((err: Error | null) => void) | null = null;
  #bodyDone = false;

  readonly #viaProxy: boolean;

  constructor(ctx: ExchangeContext, req: ClientRequest, resolve: (r: ClientResponse) => void, reject: (e: Error) => void, viaProxy: boolean) {
    this.traced = ctx.trace !== null;
    this.#viaProxy = viaProxy;
    this.#ctx = ctx;
    this.#req = req;
    this.#resolve = resolve;
    this.#reject = reject;
    if (ctx.connectMs > 0) {
      this.#connectTimer = setTimeout(() => {
        this.#connectTimer = null;
        this._fail(new ConnectionTimeoutError(ctx.connectKind, `Connection timeout (${ctx.connectKind}) to host ${req._href}`));
      }, ctx.connectMs);
      this.#connectTimer.unref();
    }
    ctx.deadline.attach(this);
  }

  /** True once the exchange failed (timeout, release) before or while running. */
  get cancelled(): boolean {
    return this.#failed !== null;
  }

  /** True once the body was fully received, failed or released. */
  get bodyDone(): boolean {
    return this.#bodyDone;
  }

  onQueued(start: boolean): void {
    this.#ctx.trace?.fire(start ? 'onConnectionQueuedStart' : 'onConnectionQueuedEnd', {});
  }
  onConnectionCreate(start: boolean): void {
    this.#ctx.trace?.fire(start ? 'onConnectionCreateStart' : 'onConnectionCreateEnd', {});
  }
  onConnectionReuse(): void {
    this.#ctx.trace?.fire('onConnectionReuseconn', {});
  }
  onDns(event: 'start' | 'end' | 'hit' | 'miss', host: string): void {
    const name = event === 'start' ? 'onDnsResolvehostStart' : event === 'end' ? 'onDnsResolvehostEnd' : event === 'hit' ? 'onDnsCacheHit' : 'onDnsCacheMiss';
    this.#ctx.trace?.fire(name, { host });
  }

  onStart(abort: (reason: Error) => void): void {
    if (this.#connectTimer !== null) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
    }
    if (this.#failed !== null) {
      abort(this.#failed);
      return;
    }
    this.#abort = abort;
  }

  onBodySent(chunk: Buffer): void {
    this.#sent += chunk.length;
    const ctx = this.#ctx;
    if (ctx.onUploadProgress !== undefined) ctx.onUploadProgress({ loaded: this.#sent, total: this.#req.body?.size ?? null });
    ctx.trace?.fire('onRequestChunkSent', { method: this.#req.method, url: this.#req.url, chunk });
  }

  onRequestSent(): void {
    this.#ctx.trace?.fire('onRequestHeadersSent', { method: this.#req.method, url: this.#req.url, headers: this.#req.headers });
  }

  onInterim(): boolean {
    if (++this.#interim <= MAX_INTERIM_RESPONSES) return true;
    this._fail(this.#parseError(`More than ${MAX_INTERIM_RESPONSES} interim (1xx) responses before the final one (${this.#req._href})`, null));
    return false;
  }

  onHeaders(status: number, rawHeaders: Buffer[], statusText: string, resume: () => void, version: string | null): boolean {
    if (this.#settled) return false;
    const noBody = this.#req.method === 'HEAD' || status === 204 || status === 304;
    const refused = this.#refusedHead(rawHeaders, statusText, version, noBody);
    if (refused !== null) {
      this._fail(this.#parseError(refused, null));
      return false;
    }
    this.#resume = resume;
    const reader = new StreamReader({
      limit: this.#ctx.readBufferSize,
      onPause: () => {
        this.#readerPaused = true;
        this.#decoder?.pause();
      },
      onResume: () => {
        this.#readerPaused = false;
        if (this.#decoder !== null) this.#decoder.resume();
        else this.#resumeUndici();
      },
      onDone: (err) => this.#finishBody(err),
    });
    this.#reader = reader;
    const resp = new ClientResponse(this.#req, status, statusText, rawHeaders, reader, this);
    if (!noBody) {
      if (this.#ctx.onDownloadProgress !== undefined) this.#contentLength = resp.contentLength;
      if (this.#ctx.autoDecompress) {
        const enc = rawGet(rawHeaders, 'content-encoding');
        if (enc !== undefined) {
          const e = enc.trim().toLowerCase();
          if (e === 'gzip' || e === 'x-gzip' || e === 'deflate' || e === 'br') this.#encoding = e;
        }
      }
    }
    this.#settled = true;
    this.#resolve(resp);
    return true;
  }

  #resumeUndici(): void {
    if (this.#undiciPaused && !this.#readerPaused && this.#resume !== null) {
      this.#undiciPaused = false;
      this.#resume();
    }
  }

  #makeDecoder(first: Buffer): Transform {
    // zlib's default finishFlush (Z_FINISH / BROTLI_OPERATION_FINISH): at the body's end the stream
    // must be complete, its gzip CRC32 and ISIZE or zlib Adler-32 checked, else 'unexpected end of
    // file'. A sync flush would hand out a truncated body as a whole one.
    let d: Transform;
    if (this.#encoding === 'br') d = createBrotliDecompress();
    else if (this.#encoding === 'deflate') {
      // RFC 9110 §8.4.1.2 says zlib-wrapped; some servers send raw deflate, so sniff the header.
      const zlibWrapped = first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
      d = zlibWrapped ? createInflate() : createInflateRaw();
    } else d = createGunzip();
    d.on('data', (c: Buffer) => {
      this.#decoded += c.length;
      const cap = this.#ctx.maxBodySize ?? this.#ctx.maxDecompressSize;
      if (this.#decoded > cap) {
        this._fail(new ContentTooLargeError(cap, this.#req._href));
        return;
      }
      const ratio = this.#ctx.maxDecompressRatio;
      if (ratio !== null && this.#decoded > RATIO_CHECK_FROM && this.#decoded > ratio * this.#received) {
        this._fail(new DecompressionRatioError(ratio, this.#decoded, this.#received, this.#req._href));
        return;
      }
      if (!this.#reader!.feedData(c)) d.pause();
    });
    d.on('drain', () => this.#resumeUndici());
    d.on('end', () => this.#reader!.feedEof());
    d.on('error', (err: Error) => {
      this._fail(new ClientPayloadError(`Can not decode content-encoding: ${this.#encoding} (${this.#req._href}): ${err.message}`, { cause: err }));
    });
    return d;
  }

  onData(chunk: Buffer): boolean {
    if (this.#failed !== null) return false;
    this.#received += chunk.length;
    const ctx = this.#ctx;
    if (ctx.onDownloadProgress !== undefined) ctx.onDownloadProgress({ loaded: this.#received, total: this.#contentLength });
    ctx.trace?.fire('onResponseChunkReceived', { method: this.#req.method, url: this.#req.url, chunk });
    let ok: boolean;
    if (this.#encoding !== null) {
      this.#decoder ??= this.#makeDecoder(chunk);
      ok = this.#decoder.write(chunk) && !this.#readerPaused;
    } else {
      if (ctx.maxBodySize !== null && this.#received > ctx.maxBodySize) {
        this._fail(new ContentTooLargeError(ctx.maxBodySize, this.#req._href));
        return false;
      }
      ok = this.#reader!.feedData(chunk);
    }
    if (!ok) this.#undiciPaused = true;
    return ok;
  }

  onEnd(): void {
    this.#ended = true;
    this.#abort = null;
    if (this.#decoder !== null) this.#decoder.end();
    else this.#reader?.feedEof();
  }

  onError(err: Error): void {
    if (this.#connectTimer !== null) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
    }
    this.#abort = null;
    const ctx = this.#ctx;
    const u = this.#req.url;
    let mapped = this.#failed ?? fromUndiciError(err, {
      host: u.hostname,
      port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
      url: this.#req._href,
      socketPath: ctx.socketPath,
      proxy: this.#viaProxy,
    });
    if (!this.#settled) {
      if (this.#failed === null && (isHeadParseError(err) || (err as { code?: unknown }).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) {
        // Before the head is complete a length "mismatch" is undici's wording for a parse error
        // in a head that had a Content-Length (Content-Length with Transfer-Encoding, two lengths).
        mapped = this.#parseError(
          (err as { code?: unknown }).code === 'UND_ERR_HEADERS_OVERFLOW'
            ? `Response head is too large (${this.#req._href}): over the connector's maxHeaderSize`
            : `Invalid HTTP response head (${this.#req._href}): ${(err as { message?: string }).message ?? String(err)}`,
          err,
        );
      } else if (this.#failed === null && isInterim100(err)) {
        mapped = this.#parseError(
          `The server sent an interim 100 (Continue) response (${this.#req._href}), which undici's HTTP/1.1 client refuses and cannot skip; the connection was closed`,
          err,
        );
      }
      this.#settled = true;
      this.#reject(mapped);
      return;
    }
    if (mapped instanceof ServerDisconnectedError) {
      mapped = new ClientPayloadError(`Response payload is not completed (${this.#req._href}): ${mapped.message}`, { cause: err });
    }
    this.#decoder?.destroy();
    this.#reader?.setException(mapped);
  }

  /** Why a head undici accepted is refused, or null. */
  #refusedHead(rawHeaders: Buffer[], statusText: string, version: string | null, noBody: boolean): string | null {
    const href = this.#req._href;
    // An HTTP/1 connection carries HTTP/1.x status lines only; llhttp also parses 'HTTP/2.0'.
    if (version !== null && !version.startsWith('1.')) return `Invalid HTTP response head (${href}): HTTP/${version} status line on an HTTP/1.1 connection`;
    // reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 §4); llhttp lets NUL and other controls through.
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(statusText)) return `Invalid HTTP response head (${href}): control character in the reason phrase`;
    if (noBody) return null;
    const coding = otherTransferCoding(rawHeaders);
    // We send no TE header, so only chunked may be applied (RFC 9110 §10.1.4); undici removes
    // chunked alone and would hand out the still-encoded bytes as the body.
    if (coding === 'chunked') return `Invalid HTTP response head (${href}): chunked applied more than once in Transfer-Encoding`;
    if (coding !== null) return `Unsupported transfer coding '${coding}' in Transfer-Encoding (${href}): only chunked is accepted`;
    return null;
  }

  /** A ClientResponseParseError for this request (status 400: no usable status was read). */
  #parseError(message: string, cause: unknown): ClientResponseParseError {
    const req = this.#req;
    const url = new URL(req.url.href);
    url.hash = '';
    const options: { status: number; message: string; cause?: unknown } = { status: 400, message };
    if (cause !== null) options.cause = cause;
    return new ClientResponseParseError(new RequestInfo(req.method, url, req.headers, req.url), EMPTY_HISTORY, options);
  }

  /** @internal Stops the exchange with `err`: rejects if no response yet, else fails the body. */
  _fail(err: Error): void {
    if (this.#failed !== null || this.#bodyDone) return;
    this.#failed = err;
    if (this.#connectTimer !== null) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
    }
    const abort = this.#abort;
    this.#abort = null;
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(err);
    }
    this.#decoder?.destroy();
    this.#reader?.setException(err);
    if (abort !== null && !this.#ended) abort(err);
  }

  #finishBody(err: Error | null): void {
    if (this.#bodyDone) return;
    this.#bodyDone = true;
    const cb = this.onBodyDone;
    this.onBodyDone = null;
    cb?.(err);
  }

  /** @internal Releases the connection: a body not fully received closes it. */
  _release(): void {
    if (this.#bodyDone) return;
    if (this.#reader !== null && this.#reader.isEof() && this.#decoder === null) {
      // Everything arrived; only unread bytes remain in memory.
      this.#finishBody(null);
      return;
    }
    this._fail(new ClientConnectionError(`Connection closed: the response was released before its body was read (${this.#req._href})`));
  }
}

/** An undici error meaning the status line or headers were not valid HTTP (or too large). */
function isHeadParseError(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  return e?.name === 'HTTPParserError' || code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW';
}

/**
 * The first transfer coding other than `chunked` in the Transfer-Encoding headers, `chunked` when
 * it is listed twice (RFC 9112 §7: never applied more than once), else null.
 */
function otherTransferCoding(raw: Buffer[]): string | null {
  let chunked = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length !== 17 || k.toString('latin1').toLowerCase() !== 'transfer-encoding') continue;
    for (const part of raw[i + 1]!.toString('latin1').split(',')) {
      const c = part.trim().toLowerCase();
      if (c === 'chunked') chunked++;
      else if (c !== '') return c;
    }
  }
  return chunked > 1 ? 'chunked' : null;
}

/**
 * undici destroys the socket with SocketError('bad response') when a 100 status line arrives (it
 * has no way to skip one); with a request running, nothing else raises that message.
 */
function isInterim100(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === 'UND_ERR_SOCKET' && e.message === 'bad response';
}

/** Interim (1xx) responses skipped before the final one; more is a flood that would never end. */
const MAX_INTERIM_RESPONSES = 100;

/** Decoded bytes before the ratio guard applies: small bodies may compress as well as they like. */
const RATIO_CHECK_FROM = 2 ** 20;

const EMPTY_HISTORY: readonly ClientResponse[] = Object.freeze([]);

/** First value of a header in undici's raw [name, value, ...] buffers; `name` is lower case. */
function rawGet(raw: Buffer[], name: string): string | undefined {
  const n = name.length;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length === n && k.toString('latin1').toLowerCase() === name) return raw[i + 1]!.toString('latin1');
  }
  return undefined;
}

/**
 * A response: status and headers are there; the body is read with `text()`, `json()`, `read()`
 * (which release the connection) or streamed from `content`.
 *
 * @example
 * await using resp = await session.get('http://localhost:8080/');
 * console.log(resp.status, await resp.text());
 */
export class ClientResponse implements AsyncDisposable {
  readonly status: number;
  readonly reason: string;
  readonly method: string;
  /** The body as a bounded byte stream. */
  readonly content: StreamReader;
  /** @internal */
  _history: readonly ClientResponse[] = EMPTY_HISTORY;
  readonly #req: ClientRequest;
  readonly #raw: Buffer[];
  readonly #exchange: Exchange;
  #headers: CIMultiDictProxy | undefined = undefined;
  #url: URL | undefined = undefined;
  #ctype: ParsedContentType | undefined = undefined;
  #body: Buffer | null = null;
  #cookies: Record<string, Cookie> | undefined = undefined;
  #requestInfo: RequestInfo | undefined = undefined;

  /** @internal */
  constructor(req: ClientRequest, status: number, statusText: string, raw: Buffer[], content: StreamReader, exchange: Exchange) {
    this.status = status;
    this.reason = statusText || STATUS_CODES[status] || '';
    this.method = req.method;
    this.content = content;
    this.#req = req;
    this.#raw = raw;
    this.#exchange = exchange;
  }

  /** True for status < 400, as aiohttp. */
  get ok(): boolean {
    return this.status < 400;
  }

  /** The URL of this response (the last one after redirects). */
  get url(): URL {
    return (this.#url ??= new URL(this.#req._href));
  }

  /** The URL as first requested, fragment included (aiohttp's `real_url`). */
  get realUrl(): URL {
    return this.#req.url;
  }

  /** @internal The URL string exactly as sent (verbatim for `encoded: true`). */
  get _href(): string {
    return this.#req._href;
  }

  /** Response headers, case-insensitive, repeated names kept. */
  get headers(): CIMultiDictProxy {
    if (this.#headers === undefined) {
      const md = new CIMultiDict<string>();
      const raw = this.#raw;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        // HTTP/2 pseudo-headers (`:status`) are not headers.
        if (raw[i]![0] === 0x3a) continue;
        md.add(raw[i]!.toString('latin1'), raw[i + 1]!.toString('latin1'));
      }
      this.#headers = new MultiDictProxy(md);
    }
    return this.#headers;
  }

  /** Headers as received, in order, names in their original case. */
  get rawHeaders(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const raw = this.#raw;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]![0] !== 0x3a) out.push([raw[i]!.toString('latin1'), raw[i + 1]!.toString('latin1')]);
    }
    return out;
  }

  /** @internal Set-Cookie values without building the header view. */
  _setCookieHeaders(): string[] {
    const out: string[] = [];
    const raw = this.#raw;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i]!;
      if (k.length === 10 && k.toString('latin1').toLowerCase() === 'set-cookie') out.push(raw[i + 1]!.toString('latin1'));
    }
    return out;
  }

  /** Cookies this response set, by name. */
  get cookies(): Record<string, Cookie> {
    return (this.#cookies ??= parseSetCookies(this._setCookieHeaders()));
  }

  /** Parsed Link headers by `rel` (or URL when there is no rel), as aiohttp's `links`. */
  get links(): MultiDictProxy<LinkInfo> {
    return new MultiDictProxy(new MultiDict<LinkInfo>(parseLinkHeader(this.headers.getAll('link'), this.url)));
  }

  /** Responses of the redirects that led here, oldest first. */
  get history(): readonly ClientResponse[] {
    return this._history;
  }

  /** What was sent. */
  get requestInfo(): RequestInfo {
    return (this.#requestInfo ??= new RequestInfo(this.#req.method, this.url, this.#req.headers, this.#req.url));
  }

  #parsedType(): ParsedContentType {
    return (this.#ctype ??= parseContentType(this.#headers === undefined ? rawGet(this.#raw, 'content-type') : this.#headers.get('content-type')));
  }

  /** The mimetype, `application/octet-stream` when absent (as aiohttp). */
  get contentType(): string {
    return this.#parsedType().mimetype || 'application/octet-stream';
  }

  /** The charset parameter of Content-Type, or null. */
  get charset(): string | null {
    return this.#parsedType().params.charset ?? null;
  }

  /** Content-Length as a number, or null. */
  get contentLength(): number | null {
    const v = this.#headers === undefined ? rawGet(this.#raw, 'content-length') : this.#headers.get('content-length');
    if (v === undefined) return null;
    const n = Number(v);
    return Number.isInteger(n) && n >= 0 ? n : null;
  }

  /** True once the connection was released. */
  get closed(): boolean {
    return this.#exchange.bodyDone;
  }

  /** The whole body; cached, so `text()`/`json()` may follow. Releases the connection. */
  async read(): Promise<Buffer> {
    if (this.#body === null) {
      this.#body = await this.content.read();
    }
    return this.#body;
  }

  /** The encoding `text()` uses: charset, else utf-8 for JSON and everything else. */
  getEncoding(): string {
    return this.charset ?? 'utf-8';
  }

  /** The body decoded with `encoding`, the response charset, or utf-8. */
  async text(encoding?: string, options: TextOptions = {}): Promise<string> {
    const body = await this.read();
    const enc = encoding ?? this.getEncoding();
    const invalid = (cause: unknown): Error =>
      new ClientPayloadError(`Can not decode the body of ${this.#req._href} as ${enc}; pass the encoding, e.g. text('gbk'), or { errors: 'replace' }`, { cause });
    return this.#decode(body, enc, options.errors === 'replace' ? null : invalid);
  }

  /**
   * `body` decoded as `enc`, a UTF-8 BOM dropped. `invalid` makes the error for bytes that are not
   * valid in `enc` (strict, as aiohttp's `bytes.decode()`); null replaces them with U+FFFD. An
   * unknown encoding is an UnknownEncodingError.
   */
  #decode(body: Buffer, enc: string, invalid: ((cause: unknown) => Error) | null): string {
    const lower = enc.toLowerCase();
    if ((lower === 'utf-8' || lower === 'utf8') && (invalid === null || isUtf8(body))) {
      return body.toString('utf8', body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0);
    }
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(enc, { fatal: invalid !== null });
    } catch (cause) {
      throw new UnknownEncodingError(enc, this.#req._href, { cause });
    }
    try {
      return decoder.decode(body);
    } catch (cause) {
      throw invalid!(cause);
    }
  }

  /**
   * The body parsed as JSON. A mimetype other than JSON throws ContentTypeError, with aiohttp's
   * message: "Attempt to decode JSON with unexpected mimetype: text/json;charset=utf-8". An empty
   * body gives null. `T` only types the result (default `unknown`); nothing checks it, as with
   * `request.json<T>()` on the server.
   */
  async json<T = unknown>(options: JsonOptions = {}): Promise<T> {
    const body = await this.read();
    const expected = options.contentType === undefined ? 'application/json' : options.contentType;
    if (expected !== null) {
      const ctype = ((this.#headers === undefined ? rawGet(this.#raw, 'content-type') : this.#headers.get('content-type')) ?? '').toLowerCase();
      const ok = expected === 'application/json' ? isJsonMimetype(parseContentType(ctype).mimetype) : ctype.includes(expected);
      if (!ok) {
        throw new ContentTypeError(this.requestInfo, this._history, {
          message: `Attempt to decode JSON with unexpected mimetype: ${ctype}`,
          headers: this.headers,
        });
      }
    }
    const enc = options.encoding ?? this.getEncoding();
    // Strict, as aiohttp's bytes.decode(): invalid bytes are an error, not U+FFFD.
    let text = this.#decode(body, enc, (cause) => new JSONDecodeError(`The JSON body of ${this.#req._href} is not valid ${/^utf-?8$/i.test(enc) ? 'UTF-8' : enc}`, { cause }));
    text = text.trim();
    if (text.length === 0) return null as T;
    const loads = options.loads ?? JSON.parse;
    try {
      return loads(text) as T;
    } catch (cause) {
      // A custom `loads` keeps its own errors; a SyntaxError (JSON.parse's) becomes JSONDecodeError.
      if (loads !== JSON.parse && !(cause instanceof SyntaxError)) throw cause;
      throw new JSONDecodeError(`The body of ${this.#req._href} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }

  /** Throws ClientResponseError for status >= 400 (after releasing the connection). */
  raiseForStatus(): void {
    if (this.status >= 400) {
      this.release();
      throw new ClientResponseError(this.requestInfo, this._history, {
        status: this.status,
        message: this.reason,
        headers: this.headers,
      });
    }
  }

  /** @internal Runs `fn` once the body is done (read, failed or released). */
  _onBodyDone(fn: (err: Error | null) => void): void {
    if (this.#exchange.bodyDone) fn(null);
    else this.#exchange.onBodyDone = fn;
  }

  /** Frees the connection: a body not read to the end closes it. */
  release(): void {
    this.#exchange._release();
  }

  /** Same as `release()` (aiohttp's `close()`). */
  close(): void {
    this.#exchange._release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  toString(): string {
    return `<ClientResponse(${this.url.href}) [${this.status} ${this.reason}]>`;
  }
}
