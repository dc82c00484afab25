/**
 * Server responses (aiohttp `web_response.py`): StreamResponse writes headers on `prepare()` and
 * the body in chunks; Response holds a whole body and is sent with one writeHead + end.
 */
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { CIMultiDict, type MultiDictInit } from '../common/multidict.js';
import { parseContentType } from '../common/content-type.js';
import { serializeSetCookie, type CookieOptions } from '../common/cookies/set-cookie.js';
import type { Transform } from 'node:stream';
import {
  compress,
  compressSync,
  createCompressor,
  negotiateEncoding,
  resolveCompression,
  type CompressionOptions,
  type ContentCoding,
} from './compression.js';
import type { Request } from './request.js';
import type { ResponseKey } from '../common/keys.js';
import { TOKEN } from '../common/http-syntax.js';
import { INVALID_HEADER_VALUE as BAD_VALUE, InvalidHeaderError, describeInvalidChar } from '../common/header-errors.js';

/** Bodies up to this size are compressed inline; larger ones on the zlib thread pool. */
const SYNC_COMPRESS_LIMIT = 256 * 1024;
const TEXT_PLAIN_UTF8 = 'text/plain; charset=utf-8';
const JSON_UTF8 = 'application/json; charset=utf-8';

/** Throws InvalidHeaderError for what node would refuse to write (or a client would split on). */
function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new InvalidHeaderError(`invalid header name ${JSON.stringify(name)}: it must be an RFC 9110 token`, name);
  if (BAD_VALUE.test(value)) throw new InvalidHeaderError(`header ${name} has a value that cannot be sent: ${describeInvalidChar(value)}`, name);
}

/**
 * Response headers: a CIMultiDict that refuses, with InvalidHeaderError, names that are not tokens
 * and values node would not write (CR, LF, NUL, other controls, characters above U+00FF).
 */
export class ResponseHeaders extends CIMultiDict<string> {
  override add(key: string, value: string): this {
    const v = String(value);
    checkHeader(key, v);
    return super.add(key, v);
  }
  override set(key: string, value: string): this {
    const v = String(value);
    checkHeader(key, v);
    return super.set(key, v);
  }
}

/** Raised when writing to a connection the client has closed. */
export class ConnectionResetError extends Error {
  override name = 'ConnectionResetError';
  readonly code: string = 'ERR_CONNECTION_RESET';
}

/** Options of StreamResponse. */
export interface StreamResponseOptions {
  status?: number;
  reason?: string;
  headers?: MultiDictInit<string>;
}

/** Encodings node can produce for a `charset`; others would need a dependency. */
function bufferEncoding(charset: string | undefined): BufferEncoding {
  if (charset === undefined || charset === 'utf-8') return 'utf8';
  switch ((charset ?? 'utf-8').toLowerCase()) {
    case 'utf-8':
    case 'utf8':
      return 'utf8';
    case 'iso-8859-1':
    case 'latin1':
    case 'latin-1':
      return 'latin1';
    case 'ascii':
    case 'us-ascii':
      return 'ascii';
    case 'utf-16le':
      return 'utf16le';
    default:
      throw new TypeError(`unsupported charset ${JSON.stringify(charset)}: use utf-8, latin1, ascii or utf-16le`);
  }
}

function checkStatus(status: number): number {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`status must be an integer in 100..999, got ${status}`);
  return status;
}

/**
 * A response written in pieces: `await resp.prepare(request)`, `await resp.write(chunk)`,
 * `await resp.writeEof()`. Without a content length the body is sent chunked.
 * Subclasses may override `prepare()` to take the connection over (WebSocketResponse).
 */
export class StreamResponse {
  #status: number;
  #reason: string | undefined;
  #headers: ResponseHeaders | undefined;
  #contentType: string | undefined;
  #charset: string | undefined;
  #contentLength: number | undefined;
  #chunked: boolean;
  #cookies: Map<string, string> | undefined;
  #res: ServerResponse | undefined;
  #request: Request | undefined;
  #eofSent: boolean;
  #compression: ReturnType<typeof resolveCompression> | undefined;
  #encoder: Transform | undefined;
  #state: Map<ResponseKey<unknown>, unknown> | undefined;
  /** @internal Bytes of body written so far (aiohttp's `body_length`). */
  _bodyLength: number;

  constructor(options: StreamResponseOptions = {}) {
    this.#status = checkStatus(options.status ?? 200);
    this.#reason = undefined;
    this.#headers = undefined;
    this.#contentType = undefined;
    this.#charset = undefined;
    this.#contentLength = undefined;
    this.#chunked = false;
    this.#cookies = undefined;
    this.#res = undefined;
    this.#request = undefined;
    this.#eofSent = false;
    this.#compression = undefined;
    this.#encoder = undefined;
    this.#state = undefined;
    this._bodyLength = 0;
    if (options.reason !== undefined) this.reason = options.reason;
    if (options.headers !== undefined) {
      const h = (this.#headers = new ResponseHeaders(options.headers));
      const ct = h.get('content-type');
      if (ct !== undefined) {
        h.delete('content-type');
        this.#setContentTypeHeader(ct);
      }
    }
  }

  #setContentTypeHeader(value: string): void {
    if (value.indexOf(';') === -1) {
      // The common case: a bare media type; an existing charset is kept, as in aiohttp.
      this.#contentType = value;
      return;
    }
    const parsed = parseContentType(value);
    if (Object.keys(parsed.params).some((p) => p !== 'charset')) {
      this.#contentType = value;
      this.#charset = undefined;
    } else {
      this.#contentType = parsed.mimetype;
      this.#charset = parsed.params['charset'];
    }
  }

  /** @internal Sets a known-good default media type and charset without validation (hot path). */
  _setDefaultType(contentType: string, charset: string | undefined): void {
    if (this.#contentType === undefined) this.#contentType = contentType;
    if (this.#charset === undefined) this.#charset = charset;
  }

  get status(): number {
    return this.#status;
  }
  set status(value: number) {
    this.#assertNotPrepared('status');
    this.#status = checkStatus(value);
  }

  /** The reason phrase; defaults to the standard one for the status. */
  get reason(): string {
    return this.#reason ?? STATUS_CODES[this.#status] ?? '';
  }
  set reason(value: string) {
    this.#assertNotPrepared('reason');
    if (BAD_VALUE.test(value)) throw new InvalidHeaderError(`reason cannot be sent: ${describeInvalidChar(value)}`, undefined);
    this.#reason = value;
  }

  /** Sets status and optionally reason together (aiohttp's `set_status`). */
  setStatus(status: number, reason?: string): void {
    this.status = status;
    this.#reason = undefined;
    if (reason !== undefined) this.reason = reason;
  }

  /** Response headers; Content-Type, Content-Length and Set-Cookie are managed by their own properties. */
  get headers(): ResponseHeaders {
    return (this.#headers ??= new ResponseHeaders());
  }

  /** The media type, without parameters. */
  get contentType(): string | undefined {
    const ct = this.#contentType;
    return ct === undefined || !ct.includes(';') ? ct : parseContentType(ct).mimetype;
  }
  set contentType(value: string | undefined) {
    if (value === undefined) this.#contentType = undefined;
    else {
      if (BAD_VALUE.test(value)) throw new InvalidHeaderError(`header Content-Type has a value that cannot be sent: ${describeInvalidChar(value)}`, 'Content-Type');
      this.#setContentTypeHeader(value);
    }
  }

  get charset(): string | undefined {
    return this.#charset;
  }
  set charset(value: string | undefined) {
    if (value !== undefined && BAD_VALUE.test(value)) throw new InvalidHeaderError(`header Content-Type has a charset that cannot be sent: ${describeInvalidChar(value)}`, 'Content-Type');
    this.#charset = value === undefined ? undefined : value.toLowerCase();
  }

  /** The Content-Length to send; undefined sends the body chunked. */
  get contentLength(): number | undefined {
    return this.#contentLength;
  }
  set contentLength(value: number | undefined) {
    this.#assertNotPrepared('contentLength');
    if (value !== undefined) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`contentLength must be a non-negative integer, got ${value}`);
      if (this.#chunked) throw new Error("You can't set content length when chunked encoding is enabled");
    }
    this.#contentLength = value;
  }

  /** Whether chunked transfer encoding was requested. */
  get chunked(): boolean {
    return this.#chunked;
  }

  /** Sends the body with chunked transfer encoding. */
  enableChunkedEncoding(): void {
    this.#assertNotPrepared('chunked encoding');
    if (this.#contentLength !== undefined) throw new Error("You can't enable chunked encoding when a content length is set");
    this.#chunked = true;
  }

  /** Set-Cookie header values by cookie name. */
  get cookies(): ReadonlyMap<string, string> {
    return (this.#cookies ??= new Map());
  }

  /** Adds a Set-Cookie header; a second call for the same name replaces the first. */
  setCookie(name: string, value: string, options?: CookieOptions): void {
    this.#assertNotPrepared('cookies');
    (this.#cookies ??= new Map()).set(name, serializeSetCookie(name, value, options));
  }

  /** Tells the client to delete a cookie: empty value, Max-Age=0 and an expiry in 1970. */
  delCookie(name: string, options: Pick<CookieOptions, 'domain' | 'path' | 'secure' | 'httpOnly' | 'sameSite' | 'partitioned'> = {}): void {
    this.setCookie(name, '', { ...options, maxAge: 0, expires: 'Thu, 01 Jan 1970 00:00:00 GMT' });
  }

  /**
   * Compresses the body with br, gzip or deflate as the request's Accept-Encoding allows (or always
   * with `force`), unless it is small, already encoded or of an incompressible type (aiohttp's
   * `enable_compression`).
   */
  enableCompression(force?: ContentCoding | boolean, options?: CompressionOptions): void {
    this.#assertNotPrepared('compression');
    this.#compression = resolveCompression(options, typeof force === 'string' ? force : undefined);
  }

  /** Whether compression is enabled on this response (the app-level option is not reflected here). */
  get compression(): boolean {
    return this.#compression !== undefined;
  }

  /** @internal The coding this response will use (none when compression is off); sets Content-Encoding and Vary. */
  _negotiateEncoding(request: Request<unknown>, length: number | undefined): ContentCoding | undefined {
    const settings = this.#compression ?? request.app._compression;
    if (settings === undefined) return undefined;
    return negotiateEncoding(settings, request.method, request.message.headers['accept-encoding'], this, length);
  }

  /** Whether headers were sent. */
  get prepared(): boolean {
    return this.#res !== undefined;
  }

  /** Body bytes written so far. */
  get bodyLength(): number {
    return this._bodyLength;
  }

  /** @internal The node response once prepared. */
  get _nodeResponse(): ServerResponse | undefined {
    return this.#res;
  }

  /** The request this response was prepared for. */
  get request(): Request | undefined {
    return this.#request;
  }

  /**
   * Stores per-response state under a typed key (aiohttp 3.14's `response[key] = value`): a handler
   * marks its response for a middleware or an `onResponsePrepare` callback. Allowed at any time.
   */
  set<T>(key: ResponseKey<T>, value: T): void {
    (this.#state ??= new Map()).set(key as ResponseKey<unknown>, value);
  }

  /** Per-response state for `key`; a missing key throws a RangeError naming it. */
  get<T>(key: ResponseKey<T>): T {
    const state = this.#state;
    if (state === undefined || !state.has(key as ResponseKey<unknown>)) throw new RangeError(`response state has no key ${key.name}`);
    return state.get(key as ResponseKey<unknown>) as T;
  }

  /** Whether per-response state has `key`. */
  has(key: ResponseKey<unknown>): boolean {
    return this.#state?.has(key) ?? false;
  }

  /** Removes per-response state for `key`; returns whether it was there. */
  delete(key: ResponseKey<unknown>): boolean {
    return this.#state?.delete(key) ?? false;
  }

  #assertNotPrepared(what: string): void {
    if (this.#res !== undefined) throw new Error(`Cannot change ${what}: headers were already sent`);
  }

  /** @internal The Content-Type header value, or undefined. */
  _contentTypeHeader(): string | undefined {
    const ct = this.#contentType;
    if (ct === undefined) return undefined;
    const cs = this.#charset;
    if (cs === undefined) return ct;
    if (cs === 'utf-8') {
      if (ct === 'text/plain') return TEXT_PLAIN_UTF8;
      if (ct === 'application/json') return JSON_UTF8;
    }
    return `${ct}; charset=${cs}`;
  }

  /** @internal Flat header list for writeHead, Content-Length given by the caller. */
  _headerList(contentLength: number | undefined, http10 = false): string[] {
    const list: string[] = [];
    const ct = this._contentTypeHeader();
    if (ct !== undefined) list.push('Content-Type', ct);
    if (this.#headers !== undefined) {
      for (const [k, v] of this.#headers) {
        // Content-Type given through `headers` after construction still wins over the default.
        if (ct !== undefined && k.length === 12 && k.toLowerCase() === 'content-type') {
          list[1] = v;
          continue;
        }
        list.push(k, v);
      }
    }
    if (this.#cookies !== undefined) for (const v of this.#cookies.values()) list.push('Set-Cookie', v);
    const st = this.#status;
    // RFC 9110 §8.6, §6.4.1: 1xx, 204 and 304 responses carry neither Content-Length nor a body.
    if (st < 200 || st === 204 || st === 304) return list;
    if (contentLength !== undefined) list.push('Content-Length', String(contentLength));
    // RFC 9112 §6.1: no chunked coding towards an HTTP/1.0 client; node ends the body by closing.
    else if (this.#chunked && !http10) list.push('Transfer-Encoding', 'chunked');
    return list;
  }

  /** @internal Marks the response prepared on `res` and writes the status line and headers. */
  _writeHead(request: Request<unknown>, contentLength: number | undefined): ServerResponse {
    const res = request._res;
    if (request.app._closing) res.shouldKeepAlive = false;
    const msg = request.message;
    const list = this._headerList(contentLength, msg.httpVersionMinor === 0 && msg.httpVersionMajor === 1);
    if (this.#reason === undefined) res.writeHead(this.#status, list);
    else res.writeHead(this.#status, this.#reason, list);
    this.#request = request;
    this.#res = res;
    return res;
  }

  /** Runs the app's onResponsePrepare signal, then sends the status line and headers. */
  async prepare(request: Request<unknown>): Promise<void> {
    if (this.#res !== undefined) return;
    const signal = request.app.onResponsePrepare;
    if (signal.length !== 0) await signal.send(request, this);
    const enc = this._negotiateEncoding(request, this.#contentLength);
    if (enc === undefined) {
      this._writeHead(request, this.#contentLength);
      return;
    }
    const res = this._writeHead(request, undefined);
    const encoder = (this.#encoder = createCompressor(enc));
    encoder.on('error', () => res.destroy());
    res.once('close', () => encoder.destroy());
    encoder.pipe(res);
  }

  /** Writes a chunk of body, waiting for the socket to drain when its buffer is full. */
  async write(chunk: Uint8Array | string): Promise<void> {
    const res = this.#res;
    if (res === undefined) throw new Error('Call prepare() before write()');
    if (this.#eofSent) throw new Error('Cannot write after writeEof()');
    if (res.destroyed) throw new ConnectionResetError('Cannot write to closing transport');
    const data = typeof chunk === 'string' ? Buffer.from(chunk, bufferEncoding(this.#charset)) : chunk;
    this._bodyLength += data.byteLength;
    const encoder = this.#encoder;
    if (encoder !== undefined) {
      if (!encoder.write(data)) await drain(encoder, res);
    } else if (!res.write(data)) await drain(res, res);
  }

  /** Finishes the body; later calls do nothing. */
  async writeEof(data?: Uint8Array | string): Promise<void> {
    if (this.#eofSent) return;
    const res = this.#res;
    if (res === undefined) throw new Error('Call prepare() before writeEof()');
    this.#eofSent = true;
    const out = this.#encoder ?? res;
    if (data !== undefined) {
      const buf = typeof data === 'string' ? Buffer.from(data, bufferEncoding(this.#charset)) : data;
      this._bodyLength += buf.byteLength;
      out.end(buf);
    } else {
      out.end();
    }
  }

  /** @internal Whether writeEof ran. */
  get _eofSent(): boolean {
    return this.#eofSent;
  }

  /** @internal Marks EOF as sent by a fast path that ended the node response itself. */
  _markEof(): void {
    this.#eofSent = true;
  }
}

/** Waits for `stream` (the response or its compressor) to drain, failing if the connection closes. */
function drain(stream: NodeJS.WritableStream, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stream.removeListener('drain', done);
      res.off('close', done);
      if (res.destroyed && !res.writableFinished) reject(new ConnectionResetError('Cannot write to closing transport'));
      else resolve();
    };
    stream.on('drain', done);
    res.on('close', done);
  });
}

/** Options of Response: `body` or `text`, not both. */
export interface ResponseOptions extends StreamResponseOptions {
  body?: Uint8Array | string | null;
  text?: string;
  contentType?: string;
  charset?: string;
}

/**
 * A response with a whole body.
 * @example
 * return new web.Response({ text: 'Hello', contentType: 'text/plain' });
 */
export class Response extends StreamResponse {
  #body: Uint8Array | string | null;

  constructor(options: ResponseOptions = {}) {
    super(options);
    this.#body = null;
    const { body, text, contentType, charset } = options;
    if (body != null && text !== undefined) throw new TypeError('body and text are not allowed together');
    if (contentType !== undefined && contentType.includes(';') && charset !== undefined && /charset/i.test(contentType)) {
      throw new TypeError('charset must not be in contentType argument');
    }
    if (contentType !== undefined) this.contentType = contentType;
    if (charset !== undefined) this.charset = charset;
    if (text !== undefined) {
      if (typeof text !== 'string') throw new TypeError(`text argument must be a string, got ${typeof text}`);
      this._setDefaultType('text/plain', contentType !== undefined && /;\s*charset=/i.test(contentType) ? undefined : 'utf-8');
      this.#body = text;
    } else if (body != null) {
      if (typeof body === 'string') this._setDefaultType('text/plain', 'utf-8');
      else if (!(body instanceof Uint8Array)) throw new TypeError(`body must be a string, a Uint8Array or null, got ${typeof body}`);
      else this._setDefaultType('application/octet-stream', undefined);
      this.#body = body;
    }
    if (this.charset !== undefined) bufferEncoding(this.charset);
  }

  /** @internal A UTF-8 text response of a known-good media type, without option parsing (hot path). */
  static _ofText(text: string, contentType: string): Response {
    const r = new Response();
    r._setDefaultType(contentType, 'utf-8');
    r.#body = text;
    return r;
  }

  /** The body bytes (a string body is encoded with `charset`). */
  get body(): Uint8Array | null {
    const b = this.#body;
    return typeof b === 'string' ? Buffer.from(b, bufferEncoding(this.charset)) : b;
  }
  set body(value: Uint8Array | string | null) {
    this.#body = value;
  }

  /** The body as text. */
  get text(): string | null {
    const b = this.#body;
    if (b === null || typeof b === 'string') return b;
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString(bufferEncoding(this.charset));
  }
  set text(value: string) {
    if (this.contentType === undefined) this.contentType = 'text/plain';
    if (this.charset === undefined) this.charset = 'utf-8';
    this.#body = value;
  }

  #length(): number {
    const b = this.#body;
    if (b === null) return 0;
    return typeof b === 'string' ? Buffer.byteLength(b, bufferEncoding(this.charset)) : b.byteLength;
  }

  override get contentLength(): number | undefined {
    return super.contentLength ?? (this.chunked ? undefined : this.#length());
  }
  override set contentLength(value: number | undefined) {
    super.contentLength = value;
  }

  override async prepare(request: Request<unknown>): Promise<void> {
    if (this.prepared) return;
    const signal = request.app.onResponsePrepare;
    if (signal.length !== 0) await signal.send(request, this);
    const enc = this._negotiateEncoding(request, this.contentLength);
    const body = enc === undefined ? null : this.body;
    if (enc !== undefined && body !== null) this.#setCompressed(await compress(enc, body));
    this._writeHead(request, this.contentLength);
  }

  #setCompressed(data: Buffer): void {
    this.#body = data;
    if (super.contentLength !== undefined) super.contentLength = data.byteLength;
  }

  /** Sends the body (the whole body of a Response) and ends it. */
  override async writeEof(data?: Uint8Array | string): Promise<void> {
    if (this._eofSent) return;
    if (data !== undefined) return super.writeEof(data);
    const b = this.#body;
    if (b === null) return super.writeEof();
    return super.writeEof(typeof b === 'string' ? Buffer.from(b, bufferEncoding(this.charset)) : b);
  }

  /** @internal The hot path: one writeHead and one end, when no signal or cookie needs the general path. */
  _sendNow(request: Request<unknown>): void {
    let b = this.#body;
    const enc = bufferEncoding(this.charset);
    let len = super.contentLength ?? (this.chunked ? undefined : b === null ? 0 : typeof b === 'string' ? Buffer.byteLength(b, enc) : b.byteLength);
    const coding = b === null ? undefined : this._negotiateEncoding(request, len);
    if (coding !== undefined) {
      const raw = this.body!;
      if (raw.byteLength > SYNC_COMPRESS_LIMIT) {
        // Large bodies compress on the thread pool; headers go out when that is done.
        compress(coding, raw).then(
          (out) => {
            try {
              this.#setCompressed(out);
              this._writeHead(request, this.chunked ? undefined : out.byteLength);
              this._markEof();
              this._bodyLength = out.byteLength;
              request._res.end(out);
            } catch {
              request._res.destroy();
            }
          },
          () => request._res.destroy(),
        );
        return;
      }
      this.#setCompressed(compressSync(coding, raw));
      b = this.#body;
      len = this.chunked ? undefined : (b as Buffer).byteLength;
    }
    const res = this._writeHead(request, len);
    this._markEof();
    if (b === null) res.end();
    else {
      this._bodyLength = len ?? (typeof b === 'string' ? Buffer.byteLength(b, enc) : b.byteLength);
      if (typeof b === 'string') res.end(b, enc);
      else res.end(b);
    }
  }
}

const DUMPS_NOT_STRING = 'jsonResponse: dumps() must return a string (JSON.stringify gives undefined for undefined)';

/** Options of jsonResponse. */
export interface JsonResponseOptions extends StreamResponseOptions {
  contentType?: string;
  dumps?: (data: unknown) => string;
}

/**
 * A Response with `data` serialized as JSON (`application/json`).
 * @example
 * return web.jsonResponse({ ok: true }, { status: 201 });
 */
export function jsonResponse(data: unknown, options?: JsonResponseOptions): Response {
  if (options === undefined) {
    const text = JSON.stringify(data) as string | undefined;
    if (typeof text !== 'string') throw new TypeError(DUMPS_NOT_STRING);
    return Response._ofText(text, 'application/json');
  }
  const { dumps = JSON.stringify, contentType = 'application/json', ...rest } = options;
  const text = dumps(data);
  if (typeof text !== 'string') throw new TypeError(DUMPS_NOT_STRING);
  return new Response({ ...rest, text, contentType });
}
