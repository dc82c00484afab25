/**
 * Request bodies, as aiohttp's `payload.py`: every accepted `data` value becomes a Payload that
 * knows its content type, its size when known, and whether it can be sent again (307/308 redirects,
 * retries). Streams are sent chunk by chunk and never read whole.
 */
import { stat } from 'node:fs/promises';
import { createReadStream, ReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { Blob } from 'node:buffer';

/** A request body. */
export abstract class Payload {
  /** Content-Type to send unless the request sets one. */
  contentType: string | null;
  /** Byte length when known before sending, else null (sent chunked). */
  size: number | null;
  /** File name for a multipart part. */
  filename: string | null;
  constructor(contentType: string | null, size: number | null, filename: string | null = null) {
    this.contentType = contentType;
    this.size = size;
    this.filename = filename;
  }
  /** Whether `body()` can be called again after the first send. */
  abstract get replayable(): boolean;
  /** Resolves what is only known asynchronously (the size of a file). */
  async prepare(): Promise<void> {}
  /** The bytes to send: one buffer, or an async iterable of chunks. */
  abstract body(): Buffer | AsyncIterable<Buffer>;
}

/** Bytes, sent as they are (`application/octet-stream` by default). */
export class BytesPayload extends Payload {
  readonly value: Buffer;
  constructor(value: Uint8Array, contentType: string | null = 'application/octet-stream', filename: string | null = null) {
    const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    super(contentType, buf.length, filename);
    this.value = buf;
  }
  get replayable(): boolean {
    return true;
  }
  body(): Buffer {
    return this.value;
  }
}

/** Text, encoded as UTF-8 (`text/plain; charset=utf-8` by default). */
export class StringPayload extends BytesPayload {
  constructor(value: string, contentType: string | null = 'text/plain; charset=utf-8', filename: string | null = null) {
    super(Buffer.from(value, 'utf8'), contentType, filename);
  }
}

/** A JSON document, already serialised. */
export class JsonPayload extends StringPayload {
  constructor(serialized: string, contentType = 'application/json') {
    super(serialized, contentType);
  }
}

/** `application/x-www-form-urlencoded` fields. */
export class FormUrlEncodedPayload extends StringPayload {
  constructor(encoded: string) {
    super(encoded, 'application/x-www-form-urlencoded');
  }
}

/** A one-shot stream: a node Readable or any async iterable of bytes or strings. */
export class StreamPayload extends Payload {
  #source: AsyncIterable<unknown> | null;
  constructor(source: AsyncIterable<unknown>, contentType: string | null = 'application/octet-stream', filename: string | null = null, size: number | null = null) {
    super(contentType, size, filename);
    this.#source = source;
  }
  get replayable(): boolean {
    return false;
  }
  body(): AsyncIterable<Buffer> {
    const src = this.#source;
    if (src === null) throw new Error('a stream payload can only be sent once');
    this.#source = null;
    return toBuffers(src);
  }
}

async function* toBuffers(src: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of src) {
    if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (Buffer.isBuffer(chunk)) yield chunk;
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError(`stream body chunks must be bytes or strings, got ${typeof chunk}`);
  }
}

/**
 * A file opened with `fs.createReadStream(path)`: its size comes from `stat`, its name from the
 * path, and it can be re-read from the path when a redirect needs the body again.
 */
export class FilePayload extends Payload {
  readonly path: string;
  #stream: ReadStream | null;
  readonly #start: number;
  readonly #end: number | undefined;
  constructor(stream: ReadStream, contentType: string | null = 'application/octet-stream', filename?: string | null) {
    const path = typeof stream.path === 'string' ? stream.path : stream.path.toString();
    super(contentType, null, filename === undefined ? basename(path) : filename);
    this.path = path;
    this.#stream = stream;
    const opts = stream as unknown as { start?: number; end?: number };
    this.#start = typeof opts.start === 'number' ? opts.start : 0;
    this.#end = typeof opts.end === 'number' && Number.isFinite(opts.end) ? opts.end : undefined;
  }
  get replayable(): boolean {
    return true;
  }
  override async prepare(): Promise<void> {
    if (this.size !== null) return;
    const st = await stat(this.path);
    const end = this.#end === undefined ? st.size - 1 : Math.min(this.#end, st.size - 1);
    this.size = Math.max(0, end - this.#start + 1);
  }
  body(): AsyncIterable<Buffer> {
    let s = this.#stream;
    this.#stream = null;
    if (s === null || s.bytesRead > 0 || s.destroyed) {
      s?.destroy();
      s = createReadStream(this.path, this.#end === undefined ? { start: this.#start } : { start: this.#start, end: this.#end });
    }
    return s as AsyncIterable<Buffer>;
  }
  /** Closes the file if it was never sent. */
  close(): void {
    this.#stream?.destroy();
    this.#stream = null;
  }
}

/** A Blob or File: its size and type are known, and it can be read again. */
export class BlobPayload extends Payload {
  readonly blob: Blob;
  constructor(blob: Blob, contentType?: string | null, filename?: string | null) {
    const name = (blob as { name?: unknown }).name;
    super(contentType === undefined ? blob.type || 'application/octet-stream' : contentType, blob.size,
      filename === undefined ? (typeof name === 'string' ? name : null) : filename);
    this.blob = blob;
  }
  get replayable(): boolean {
    return true;
  }
  body(): AsyncIterable<Buffer> {
    return toBuffers(this.blob.stream() as unknown as AsyncIterable<unknown>);
  }
}

/** True for node streams and async iterables (but not strings or buffers). */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}

/** Turns a raw body value (bytes, string, stream, file, async iterable) into a Payload; else null. */
export function toPayload(value: unknown, contentType?: string | null, filename?: string | null): Payload | null {
  if (value instanceof Payload) return value;
  if (typeof value === 'string') return new StringPayload(value, contentType === undefined ? 'text/plain; charset=utf-8' : contentType, filename ?? null);
  if (value instanceof Uint8Array) return new BytesPayload(value, contentType === undefined ? 'application/octet-stream' : contentType, filename ?? null);
  if (value instanceof ArrayBuffer) return new BytesPayload(new Uint8Array(value), contentType ?? 'application/octet-stream', filename ?? null);
  if (value instanceof Blob) return new BlobPayload(value, contentType, filename);
  if (value instanceof ReadStream) return new FilePayload(value, contentType === undefined ? 'application/octet-stream' : contentType, filename);
  if (value instanceof Readable || isAsyncIterable(value)) {
    return new StreamPayload(value as AsyncIterable<unknown>, contentType === undefined ? 'application/octet-stream' : contentType, filename ?? null);
  }
  return null;
}
