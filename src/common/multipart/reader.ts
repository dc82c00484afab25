/**
 * Server-side multipart reading (aiohttp multipart.py `MultipartReader`, `BodyPartReader`, and the
 * multipart half of web_request.py `post()`), on @fastify/busboy's Dicer parser.
 *
 * Flow: the body is pulled chunk by chunk and written to Dicer; Dicer emits one stream per part,
 * whose data we move into the part's own chunk list right after each write (synchronously: a
 * source that is an async generator never lets nextTick-driven 'data' events run). Pulling stops while the parts hold
 * more than BUFFER_HIGH_WATER unread bytes or more than one finished part waits for `next()`, so a
 * slow consumer holds the source back instead of growing memory. Dicer's own pausing is switched
 * off (huge partHwm): it resumes only through the paused part's `_read`, which never comes once
 * that part has ended, so a part ending in the chunk where the next part's headers are cut off
 * deadlocked. Parts are handed out in order; `next()` drains the previous part.
 */
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Dicer } from '@fastify/busboy';
import { parseContentType } from '../content-type.js';
import { CIMultiDict, MultiDict } from '../multidict.js';
import { parseContentDisposition } from './content-disposition.js';
import type { ContentDisposition } from './content-disposition.js';
import {
  BodyTooLargeError, FieldTooLargeError, FileTooLargeError, MalformedMultipartError,
  MultipartContentTypeError, MultipartError, PartHeadersTooLargeError, TooManyFieldsError,
  TooManyPartsError,
} from './errors.js';
import { FileField, spoolFileField } from './file-field.js';
import { TransportPaddingFilter } from './transport-padding.js';

export { parseContentDisposition } from './content-disposition.js';
export type { ContentDisposition } from './content-disposition.js';

/** Request headers: a multidict (CIMultiDict, Headers-like `get`) or a plain object such as `IncomingMessage.headers`. */
export type MultipartHeadersInit =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A request body: a Node Readable or any async iterable of bytes. */
export type MultipartBody = Readable | AsyncIterable<Uint8Array | string>;

/** Limits on a multipart body; every one is enforced while reading, before the data is kept. */
export interface MultipartLimits {
  /** Most parts, files and fields together (default 1000; 413). */
  readonly maxParts?: number | undefined;
  /** Most parts without a filename (default 1000; 413). */
  readonly maxFields?: number | undefined;
  /** Largest part without a filename, in bytes (default 1 MiB; 413). */
  readonly maxFieldSize?: number | undefined;
  /** Largest part with a filename, in bytes (default: `maxTotalSize`; 413). */
  readonly maxFileSize?: number | undefined;
  /** Largest body, every part, header and boundary counted (default 1 MiB as aiohttp's client_max_size; 413). */
  readonly maxTotalSize?: number | undefined;
  /** Largest header block of one part, in bytes (default 8 KiB; 400). */
  readonly maxHeaderSize?: number | undefined;
  /** Most header lines in one part (default 32; 400). */
  readonly maxHeaderCount?: number | undefined;
}

/** The limits applied when an option is not given. */
export const DEFAULT_MULTIPART_LIMITS = Object.freeze({
  maxParts: 1000,
  maxFields: 1000,
  maxFieldSize: 1024 * 1024,
  maxTotalSize: 1024 * 1024,
  maxHeaderSize: 8 * 1024,
  maxHeaderCount: 32,
});

interface ResolvedLimits {
  maxParts: number;
  maxFields: number;
  maxFieldSize: number;
  maxFileSize: number;
  maxTotalSize: number;
  maxHeaderSize: number;
  maxHeaderCount: number;
}

function resolveLimits(limits: MultipartLimits | undefined): ResolvedLimits {
  const l = limits ?? {};
  const pick = (key: keyof MultipartLimits, def: number): number => {
    const v = l[key];
    if (v === undefined) return def;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new RangeError(`multipart limit ${key} must be a number >= 0, got ${String(v)}`);
    return v;
  };
  const maxTotalSize = pick('maxTotalSize', DEFAULT_MULTIPART_LIMITS.maxTotalSize);
  return {
    maxParts: pick('maxParts', DEFAULT_MULTIPART_LIMITS.maxParts),
    maxFields: pick('maxFields', DEFAULT_MULTIPART_LIMITS.maxFields),
    maxFieldSize: pick('maxFieldSize', DEFAULT_MULTIPART_LIMITS.maxFieldSize),
    maxFileSize: pick('maxFileSize', maxTotalSize),
    maxTotalSize,
    maxHeaderSize: pick('maxHeaderSize', DEFAULT_MULTIPART_LIMITS.maxHeaderSize),
    maxHeaderCount: pick('maxHeaderCount', DEFAULT_MULTIPART_LIMITS.maxHeaderCount),
  };
}

function headerValue(headers: MultipartHeadersInit, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get(name: string): string | null | undefined }).get(name);
    return v ?? undefined;
  }
  const rec = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  for (const key of Object.keys(rec)) {
    if (key.toLowerCase() !== name) continue;
    const v = rec[key];
    return Array.isArray(v) ? v[0] : (v as string | undefined);
  }
  return undefined;
}

// RFC 2046 §5.1.1: 1 to 70 bchars, not ending with a space.
const BOUNDARY_RE = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** Parses the request Content-Type; throws a typed error for a non-multipart type or a bad boundary. */
function boundaryOf(contentType: string | undefined): { mimetype: string; boundary: string } {
  const ct = parseContentType(contentType);
  if (!ct.mimetype.startsWith('multipart/')) {
    throw new MultipartContentTypeError(`expected a multipart/* Content-Type, got ${JSON.stringify(contentType ?? '')}`);
  }
  const boundary = ct.params['boundary'];
  if (boundary === undefined || boundary === '') {
    throw new MalformedMultipartError(`the ${ct.mimetype} Content-Type has no boundary parameter`, 'ERR_MULTIPART_BOUNDARY');
  }
  if (!BOUNDARY_RE.test(boundary)) {
    throw new MalformedMultipartError('the multipart boundary must be 1 to 70 characters from RFC 2046 bchars', 'ERR_MULTIPART_BOUNDARY');
  }
  return { mimetype: ct.mimetype, boundary };
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const EMPTY_BUFFER = Buffer.alloc(0);

/** Dicer decodes header bytes as latin1; browsers and curl send raw UTF-8 file names, so re-decode when valid. */
function headerToUnicode(value: string): string {
  if (!/[\x80-\xff]/.test(value)) return value;
  try {
    return utf8Fatal.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError(`multipart body chunks must be Uint8Array or string, got ${typeof chunk}`);
}

function isReadable(body: unknown): body is Readable {
  return body instanceof Readable
    || (typeof body === 'object' && body !== null && typeof (body as Readable).iterator === 'function'
      && typeof (body as Readable).pause === 'function');
}

const noop = (): void => undefined;

// @fastify/busboy loads on the first multipart body read, not with the server.
let dicerModule: Promise<typeof Dicer> | undefined;
function loadDicer(): Promise<typeof Dicer> {
  return (dicerModule ??= import('@fastify/busboy').then((m) => m.Dicer));
}

/** Unread part bytes above which the source is no longer pulled (plus at most one source chunk). */
const BUFFER_HIGH_WATER = 256 * 1024;

/**
 * Streaming reader of a multipart body, as aiohttp's `MultipartReader`.
 *
 * @example
 * const reader = new MultipartReader(req.headers, req, { maxTotalSize: 100 * 2 ** 20 });
 * for await (const part of reader) {
 *   if (part.filename) for await (const chunk of part) await sink.write(chunk);
 *   else fields[part.name!] = await part.text();
 * }
 */
export class MultipartReader implements AsyncIterable<BodyPartReader> {
  /** The lower-cased multipart mimetype, e.g. `multipart/form-data`. */
  readonly mimetype: string;
  readonly boundary: string;
  /** @internal */
  readonly _limits: ResolvedLimits;
  #body: MultipartBody;
  #dicer: InstanceType<typeof Dicer> | undefined = undefined;
  #started = false;
  #error: MultipartError | undefined = undefined;
  #queue: BodyPartReader[] = [];
  #current: BodyPartReader | undefined = undefined;
  #parserDone = false;
  #sourceDone = false;
  #buffered = 0;
  #live: Array<[Readable, BodyPartReader]> = [];
  #signal: { promise: Promise<void>; resolve: () => void } | undefined = undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #total = 0;
  #parts = 0;
  #fields = 0;
  #sawDelimiter = false;

  constructor(headers: MultipartHeadersInit, body: MultipartBody, limits?: MultipartLimits) {
    const { mimetype, boundary } = boundaryOf(headerValue(headers, 'content-type'));
    this.mimetype = mimetype;
    this.boundary = boundary;
    this._limits = resolveLimits(limits);
    this.#body = body;
  }

  /** The next part, after draining the current one; null after the final boundary. */
  next(): Promise<BodyPartReader | null> {
    const p = this.#chain.then(() => this.#next());
    this.#chain = p.then(noop, noop);
    return p;
  }

  /** True once the final boundary was read and every part handed out. */
  atEof(): boolean {
    return this.#parserDone && this.#sourceDone && this.#queue.length === 0;
  }

  /** Reads and discards every remaining part, so the whole body is consumed. */
  async release(): Promise<void> {
    while ((await this.next()) !== null) { /* next() drains the previous part */ }
  }

  /** Stops reading: the current and queued parts fail with `error`, the source is no longer read. */
  destroy(error?: MultipartError): void {
    this._fail(error ?? new MultipartError('multipart reader destroyed', 'ERR_MULTIPART_DESTROYED'));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BodyPartReader> {
    for (;;) {
      const part = await this.next();
      if (part === null) return;
      yield part;
    }
  }

  /** `await using reader = ...` drains what is left of the body (or stops, after an error). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#error) await this.release();
  }

  async #next(): Promise<BodyPartReader | null> {
    if (this.#current) {
      const current = this.#current;
      this.#current = undefined;
      await current.release();
    }
    if (!this.#started) this.#start(await loadDicer());
    for (;;) {
      if (this.#error) throw this.#error;
      const part = this.#queue.shift();
      if (part) {
        this.#current = part;
        this.#wake();
        return part;
      }
      if (this.#parserDone && this.#sourceDone) return null;
      await this.#changed();
    }
  }

  #changed(): Promise<void> {
    if (!this.#signal) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      this.#signal = { promise, resolve };
    }
    return this.#signal.promise;
  }

  #wake(): void {
    const s = this.#signal;
    if (s) {
      this.#signal = undefined;
      s.resolve();
    }
  }

  #start(DicerClass: typeof Dicer): void {
    if (this.#started) return;
    this.#started = true;
    const limits = this._limits;
    // Dicer silently cuts a header block at its maxHeaderSize and never says so. With twice our
    // limit (plus slack) any block over our limit is still parsed whole, or cut so late that what
    // was parsed already exceeds it; only one colon-less line longer than the limit goes unnoticed
    // (Dicer drops such a line, and the block stays bounded either way).
    const dicer = new DicerClass({
      boundary: this.boundary,
      maxHeaderPairs: limits.maxHeaderCount + 1,
      maxHeaderSize: limits.maxHeaderSize * 2 + 1024,
      partHwm: Number.MAX_SAFE_INTEGER,
    } as ConstructorParameters<typeof Dicer>[0]);
    this.#dicer = dicer;
    dicer.on('part', (stream: Readable) => {
      this.#sawDelimiter = true;
      // Dicer emits 'error' on a part the body cut short, also one whose headers never ended.
      stream.on('error', noop);
      stream.once('header', (raw: Record<string, string[]>) => this.#onHeader(stream, raw));
    });
    dicer.on('finish', () => {
      this.#parserDone = true;
      this.#wake();
    });
    dicer.on('error', (err: Error) => {
      if (this.#error) return;
      this._fail(!this.#sawDelimiter
        ? new MalformedMultipartError(
          `multipart body has no part delimited by "--${this.boundary}" (empty, truncated or not multipart)`,
          'ERR_MULTIPART_TRUNCATED', { cause: err })
        : new MalformedMultipartError('multipart body ended before the final boundary', 'ERR_MULTIPART_TRUNCATED', { cause: err }));
    });
    this.#pump(dicer).catch((err: unknown) => this._fail(
      new MalformedMultipartError('reading the multipart body failed', 'ERR_MULTIPART_SOURCE', { cause: err })));
  }

  async #pump(dicer: InstanceType<typeof Dicer>): Promise<void> {
    const body = this.#body;
    const it: AsyncIterator<unknown> = isReadable(body)
      ? body.iterator({ destroyOnReturn: false })
      : (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    const max = this._limits.maxTotalSize;
    const padding = new TransportPaddingFilter(this.boundary);
    try {
      for (;;) {
        while (!this.#error && (this.#buffered >= BUFFER_HIGH_WATER || this.#queue.length > 1)) await this.#changed();
        if (this.#error) return;
        let r: IteratorResult<unknown>;
        try {
          r = await it.next();
        } catch (err) {
          this._fail(new MalformedMultipartError('the multipart body stream failed before its end', 'ERR_MULTIPART_SOURCE', { cause: err }));
          return;
        }
        if (this.#error) return;
        if (r.done) break;
        const chunk = toBuffer(r.value);
        this.#total += chunk.length;
        if (this.#total > max) {
          this._fail(new BodyTooLargeError(max));
          return;
        }
        // Dicer never pauses (see above), so each write is parsed synchronously.
        for (const b of padding.push(chunk)) dicer.write(b);
        this.#drainLive();
      }
      this.#sourceDone = true;
      for (const b of padding.end()) dicer.write(b);
      dicer.end();
      this.#wake();
    } finally {
      if (this.#error) await Promise.resolve(it.return?.()).catch(noop);
    }
  }

  #onHeader(stream: Readable, raw: Record<string, string[]>): void {
    if (this.#error) {
      stream.resume();
      return;
    }
    const limits = this._limits;
    if (++this.#parts > limits.maxParts) {
      this._fail(new TooManyPartsError(limits.maxParts));
      return;
    }
    const headers = new CIMultiDict<string>();
    let count = 0;
    // The size of the block as sent, assuming "name: value" (Dicer drops the optional space).
    let size = 0;
    for (const name of Object.keys(raw)) {
      for (const v of raw[name]!) {
        count++;
        size += name.length + v.length + 4;
        // Dicer already drops lines with a bare CR or LF; NUL is ours to refuse (RFC 9110 §5.5).
        if (v.includes('\0') || name.includes('\0')) {
          this._fail(new MalformedMultipartError('multipart part header contains a NUL byte', 'ERR_MULTIPART_INVALID_HEADER'));
          return;
        }
        headers.add(name, headerToUnicode(v));
      }
    }
    // Two Content-Disposition or Content-Type lines would let two parsers read two different
    // fields out of one part (RFC 7578 §4.2 allows exactly one disposition).
    if ((raw['content-disposition']?.length ?? 0) > 1 || (raw['content-type']?.length ?? 0) > 1) {
      this._fail(new MalformedMultipartError('multipart part repeats its Content-Disposition or Content-Type header', 'ERR_MULTIPART_INVALID_HEADER'));
      return;
    }
    if (count > limits.maxHeaderCount) {
      this._fail(new PartHeadersTooLargeError('maxHeaderCount', limits.maxHeaderCount));
      return;
    }
    if (size > limits.maxHeaderSize) {
      this._fail(new PartHeadersTooLargeError('maxHeaderSize', limits.maxHeaderSize));
      return;
    }
    const part = new BodyPartReader(this, headers);
    if (part.filename === undefined && ++this.#fields > limits.maxFields) {
      this._fail(new TooManyFieldsError(limits.maxFields));
      return;
    }
    const entry: [Readable, BodyPartReader] = [stream, part];
    this.#live.push(entry);
    stream.once('end', () => {
      this.#live.splice(this.#live.indexOf(entry), 1);
      part._end();
    });
    this.#queue.push(part);
    this.#wake();
  }

  /** @internal Fails the reader once; parts and waiters see `error`. */
  _fail(error: MultipartError): void {
    if (this.#error) return;
    this.#error = error;
    if (this.#current) this.#current._abort(error);
    for (const p of this.#queue) p._abort(error);
    this.#queue = [];
    const dicer = this.#dicer;
    if (dicer) {
      dicer.on('error', noop);
      dicer.destroy();
    }
    this.#wake();
  }

  /** Moves what Dicer pushed into the open part streams over to their readers. */
  #drainLive(): void {
    const live = this.#live;
    for (let i = 0; i < live.length; i++) {
      const [stream, part] = live[i]!;
      for (let c = stream.read() as Buffer | null; c !== null; c = stream.read() as Buffer | null) part._push(c);
    }
  }

  /** @internal Part bytes buffered (+) or handed to the application (-). */
  _account(delta: number): void {
    this.#buffered += delta;
    if (delta < 0 && this.#buffered < BUFFER_HIGH_WATER) this.#wake();
  }
}

/** One part of a multipart body, as aiohttp's `BodyPartReader`: headers, then the content as a byte stream. */
export class BodyPartReader implements AsyncIterable<Buffer> {
  readonly headers: CIMultiDict<string>;
  /** The parsed Content-Disposition header. */
  readonly contentDisposition: ContentDisposition;
  /** The form field name from Content-Disposition. */
  readonly name: string | undefined;
  /** The decoded file name (`filename*` preferred); untrusted input, never a path as is. */
  readonly filename: string | undefined;
  /** The part's Content-Type; RFC 7578 §4.4 default `text/plain`, `application/octet-stream` for files. */
  readonly contentType: string;
  #reader: MultipartReader;
  #chunks: Buffer[] = [];
  #head = 0;
  #pending: Buffer | undefined = undefined;
  #received = 0;
  #bytes = 0;
  #ended = false;
  #eof = false;
  #error: MultipartError | undefined = undefined;
  #waiters: Array<() => void> = [];
  #limit: number;

  /** @internal Built by MultipartReader. */
  constructor(reader: MultipartReader, headers: CIMultiDict<string>) {
    this.headers = headers;
    this.contentDisposition = parseContentDisposition(headers.get('content-disposition'));
    this.name = this.contentDisposition.name;
    this.filename = this.contentDisposition.filename;
    this.contentType = headers.get('content-type') ?? (this.filename === undefined ? 'text/plain' : 'application/octet-stream');
    this.#reader = reader;
    this.#limit = this.filename === undefined ? reader._limits.maxFieldSize : reader._limits.maxFileSize;
  }

  /** Bytes of content read so far. */
  get bytesRead(): number {
    return this.#bytes;
  }

  /** True once the content was read to the end. */
  atEof(): boolean {
    return this.#eof && this.#pending === undefined;
  }

  /** Content bytes received from the body so far, read or not. */
  get bytesReceived(): number {
    return this.#received;
  }

  async #nextChunk(): Promise<Buffer | null> {
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      return pending;
    }
    for (;;) {
      if (this.#error) throw this.#error;
      if (this.#head < this.#chunks.length) {
        const chunk = this.#chunks[this.#head]!;
        this.#chunks[this.#head++] = EMPTY_BUFFER;
        if (this.#head === this.#chunks.length) {
          this.#chunks = [];
          this.#head = 0;
        }
        this.#bytes += chunk.length;
        this.#reader._account(-chunk.length);
        return chunk;
      }
      if (this.#ended) {
        this.#eof = true;
        return null;
      }
      await new Promise<void>((resolve) => { this.#waiters.push(resolve); });
    }
  }

  #notify(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** @internal Dicer delivered content; limits are checked here, before anyone reads it. */
  _push(chunk: Buffer): void {
    if (this.#error || chunk.length === 0) return;
    this.#received += chunk.length;
    if (this.#received > this.#limit) {
      this.#reader._fail(this.filename === undefined
        ? new FieldTooLargeError(this.name, this.#limit)
        : new FileTooLargeError(this.name, this.#limit));
      return;
    }
    this.#chunks.push(chunk);
    this.#reader._account(chunk.length);
    this.#notify();
  }

  /** @internal The part's closing boundary was read. */
  _end(): void {
    this.#ended = true;
    this.#notify();
  }

  /** Up to `size` bytes of content; an empty Buffer at the end (aiohttp's `read_chunk`). */
  async readChunk(size = 65536): Promise<Buffer> {
    if (!(size > 0)) throw new RangeError(`readChunk size must be > 0, got ${size}`);
    const chunk = await this.#nextChunk();
    if (chunk === null) return Buffer.alloc(0);
    if (chunk.length <= size) return chunk;
    this.#pending = chunk.subarray(size);
    return chunk.subarray(0, size);
  }

  /** The next line including its `\n`; an empty Buffer at the end (aiohttp's `readline`). */
  async readline(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (let c = await this.#nextChunk(); c !== null; c = await this.#nextChunk()) {
      const nl = c.indexOf(0x0a);
      if (nl !== -1) {
        if (nl + 1 < c.length) this.#pending = c.subarray(nl + 1);
        chunks.push(c.subarray(0, nl + 1));
        break;
      }
      chunks.push(c);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** The charset parameter of the part's Content-Type, else `fallback` (aiohttp's `get_charset`). */
  getCharset(fallback = 'utf-8'): string {
    return parseContentType(this.contentType).params['charset'] ?? fallback;
  }

  /** The whole remaining content, bounded by maxFieldSize or maxFileSize. */
  async read(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (let c = await this.#nextChunk(); c !== null; c = await this.#nextChunk()) chunks.push(c);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** The content decoded with `encoding`, else the part's charset, else UTF-8. */
  async text(encoding?: string): Promise<string> {
    const charset = encoding ?? this.getCharset();
    let decoder;
    try {
      decoder = new TextDecoder(charset);
    } catch (err) {
      throw new MalformedMultipartError(`multipart part has an unknown charset ${JSON.stringify(charset)}`, 'ERR_MULTIPART_DECODE', { cause: err });
    }
    return decoder.decode(await this.read());
  }

  /** The content parsed as JSON; invalid JSON is a 400 MalformedMultipartError. */
  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new MalformedMultipartError(`multipart part ${JSON.stringify(this.name ?? '')} is not valid JSON`, 'ERR_MULTIPART_DECODE', { cause: err });
    }
  }

  /** The content parsed as application/x-www-form-urlencoded. */
  async form(): Promise<MultiDict<string>> {
    return new MultiDict<string>(new URLSearchParams(await this.text()));
  }

  /** Reads and discards the rest of the content (limits still apply). */
  async release(): Promise<void> {
    while ((await this.#nextChunk()) !== null) { /* discard */ }
  }

  /** The remaining content as a Node Readable that pulls on demand. */
  stream(): Readable {
    return Readable.from(this, { objectMode: false });
  }

  /** A reader for a multipart body nested in this part (multipart/mixed inside form-data). */
  multipart(limits?: MultipartLimits): MultipartReader {
    return new MultipartReader(this.headers, this, limits ?? this.#reader._limits);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (let c = await this.#nextChunk(); c !== null; c = await this.#nextChunk()) yield c;
  }

  /** @internal The reader failed: unread content is dropped and every read throws `error`. */
  _abort(error: MultipartError): void {
    if (this.#error) return;
    this.#error = error;
    let dropped = 0;
    for (let i = this.#head; i < this.#chunks.length; i++) dropped += this.#chunks[i]!.length;
    this.#chunks = [];
    this.#head = 0;
    this.#pending = undefined;
    this.#reader._account(-dropped);
    this.#notify();
  }
}

/** Options of readMultipartForm: the limits plus where and when files go to disk. */
export interface ReadMultipartFormOptions extends MultipartLimits {
  /** Files larger than this go to a temp file, smaller ones stay in memory (default 1 MiB). */
  readonly spoolThreshold?: number | undefined;
  /** Directory for temp files (default `os.tmpdir()`). */
  readonly tmpDir?: string | undefined;
  /** Compute each file's SHA-256 while reading (`FileField.sha256`). */
  readonly hashFiles?: boolean | undefined;
}

/** The fields of a multipart form: strings for text fields, FileFields for files; `cleanup()` removes temp files. */
export class MultipartForm extends MultiDict<string | FileField> {
  /** Every FileField, spooled or not. */
  get files(): FileField[] {
    const out: FileField[] = [];
    for (const v of this.values()) if (v instanceof FileField) out.push(v);
    return out;
  }

  /** @internal Temp files created while reading, including ones whose FileField was never built. */
  readonly _tempFiles: string[] = [];

  /** Removes every temp file; safe to call more than once. */
  async cleanup(): Promise<void> {
    const paths = this._tempFiles.splice(0);
    await Promise.all(paths.map((p) => rm(p, { force: true })));
    await Promise.all(this.files.map((f) => f.unlink()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }
}

/** True when a part becomes a FileField: it has a filename or a binary (not textual) Content-Type. */
function isFilePart(part: BodyPartReader): boolean {
  if (part.filename !== undefined) return true;
  if (!part.headers.has('content-type')) return false;
  const mt = parseContentType(part.contentType).mimetype;
  return !(mt === '' || mt.startsWith('text/') || mt === 'application/json' || mt.endsWith('+json')
    || mt === 'application/x-www-form-urlencoded' || mt === 'application/xml' || mt.endsWith('+xml'));
}

/**
 * Reads a whole multipart/form-data body for `request.post()`: text fields as strings, files as
 * FileFields spooled to disk past `spoolThreshold`. On any error the temp files made so far are
 * removed before it is thrown; on success the caller owns them (`form.cleanup()`).
 */
export async function readMultipartForm(
  headers: MultipartHeadersInit,
  body: MultipartBody,
  options?: ReadMultipartFormOptions,
): Promise<MultipartForm> {
  const reader = new MultipartReader(headers, body, options);
  const spoolThreshold = options?.spoolThreshold ?? 1024 * 1024;
  const form = new MultipartForm();
  try {
    for (let part = await reader.next(); part !== null; part = await reader.next()) {
      const name = part.name;
      if (name === undefined) {
        throw new MalformedMultipartError('multipart/form-data part has no name in its Content-Disposition', 'ERR_MULTIPART_MISSING_NAME');
      }
      if (isFilePart(part)) {
        form.add(name, await spoolFileField(
          { name, filename: part.filename, contentType: part.contentType, headers: part.headers },
          part,
          { spoolThreshold, tmpDir: options?.tmpDir, hashFiles: options?.hashFiles, onTempFile: (p) => form._tempFiles.push(p) },
        ));
      } else {
        form.add(name, await part.text());
      }
    }
  } catch (err) {
    reader.destroy(err instanceof MultipartError ? err : undefined);
    await form.cleanup();
    throw err;
  }
  return form;
}

/** True for any MultipartError, also from another copy of the package. */
export function isMultipartError(value: unknown): value is MultipartError {
  return value instanceof MultipartError;
}
