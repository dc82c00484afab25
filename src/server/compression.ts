/**
 * Server-side content codings: choosing a response encoding from Accept-Encoding (RFC 9110
 * §12.5.3) and compressing with node:zlib; decoding request bodies with a size cap, so a small
 * compressed body cannot expand past the application's limit (decompression bombs).
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/** A content coding the server can produce. */
export type ContentCoding = 'br' | 'gzip' | 'deflate';

/** Options of response compression (app-level `compression` option or `response.enableCompression`). */
export interface CompressionOptions {
  /** Bodies with a known length below this many bytes are sent as they are (default 1024). */
  threshold?: number;
  /** Codings offered, in the server's order of preference (default br, gzip, deflate). */
  encodings?: readonly ContentCoding[];
}

/** @internal Compression settings with defaults filled in; `force` skips negotiation. */
export interface ResolvedCompression {
  readonly threshold: number;
  readonly encodings: readonly ContentCoding[];
  readonly force: ContentCoding | undefined;
}

const CODINGS: readonly ContentCoding[] = ['br', 'gzip', 'deflate'];

/** @internal Fills in defaults and checks the options. */
export function resolveCompression(options: CompressionOptions = {}, force?: ContentCoding): ResolvedCompression {
  const { threshold = 1024, encodings = CODINGS } = options;
  if (!Number.isSafeInteger(threshold) || threshold < 0) throw new RangeError(`threshold must be a non-negative integer, got ${threshold}`);
  for (const e of encodings) if (!CODINGS.includes(e)) throw new TypeError(`unsupported encoding ${JSON.stringify(e)}: use br, gzip or deflate`);
  if (force !== undefined && !CODINGS.includes(force)) throw new TypeError(`unsupported encoding ${JSON.stringify(force)}: use br, gzip or deflate`);
  return Object.freeze({ threshold, encodings: Object.freeze([...encodings]), force });
}

/**
 * The best of `offered` for an Accept-Encoding header: highest q-value wins, ties go to the
 * server's order; a coding not listed takes the q of `*`, else it is not acceptable.
 */
export function chooseEncoding(acceptEncoding: string | undefined, offered: readonly ContentCoding[] = CODINGS): ContentCoding | undefined {
  if (acceptEncoding === undefined || acceptEncoding === '') return undefined;
  const q = new Map<string, number>();
  for (const item of acceptEncoding.split(',')) {
    const [name = '', ...params] = item.split(';');
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    const n = name.trim().toLowerCase();
    if (n && !Number.isNaN(weight)) q.set(n === 'x-gzip' ? 'gzip' : n, weight);
  }
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const e of offered) {
    const w = q.get(e) ?? q.get('*') ?? 0;
    if (w > bestQ) {
      best = e;
      bestQ = w;
    }
  }
  return best;
}

/** Media types whose content is already compressed: recompressing them costs CPU for nothing. */
const INCOMPRESSIBLE = /^(image\/(?!svg\+xml)|audio\/|video\/|font\/woff2?$)|^application\/(zip|gzip|x-gzip|x-bzip2|x-xz|x-7z-compressed|x-rar-compressed|zstd|vnd\.rar|x-brotli|wasm-compressed)$/;

/** Whether a media type is worth compressing; text/event-stream is excluded as it must not be buffered. */
export function isCompressible(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const ct = contentType.toLowerCase();
  return !INCOMPRESSIBLE.test(ct) && ct !== 'text/event-stream';
}

/** Dynamic content favours speed: brotli at quality 4 is about gzip's cost with a better ratio. */
const BROTLI_OPTIONS: zlib.BrotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

/** A streaming compressor for `encoding`. */
export function createCompressor(encoding: ContentCoding): zlib.BrotliCompress | zlib.Gzip | zlib.Deflate {
  if (encoding === 'br') return zlib.createBrotliCompress(BROTLI_OPTIONS);
  return encoding === 'gzip' ? zlib.createGzip() : zlib.createDeflate();
}

/** Compresses a whole buffer synchronously (small bodies). */
export function compressSync(encoding: ContentCoding, data: Uint8Array): Buffer {
  if (encoding === 'br') return zlib.brotliCompressSync(data, BROTLI_OPTIONS);
  return encoding === 'gzip' ? zlib.gzipSync(data) : zlib.deflateSync(data);
}

/** Compresses a whole buffer on the zlib thread pool. */
export function compress(encoding: ContentCoding, data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cb = (err: Error | null, out: Buffer): void => (err ? reject(err) : resolve(out));
    if (encoding === 'br') zlib.brotliCompress(data, BROTLI_OPTIONS, cb);
    else if (encoding === 'gzip') zlib.gzip(data, cb);
    else zlib.deflate(data, cb);
  });
}

/** Raised when a request body's decoded size passes its cap. */
export class DecompressionLimitError extends Error {
  override name = 'DecompressionLimitError';
  readonly code: string = 'ERR_DECOMPRESSION_LIMIT';
  readonly limit: number;
  constructor(limit: number) {
    super(`decompressed request body exceeds ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * A request body that does not decode with its Content-Encoding (a bad header, corrupt or truncated
 * data), as aiohttp's `ContentEncodingError`: the client's fault, a 400 however the body is read.
 */
export class ContentEncodingError extends Error {
  override name = 'ContentEncodingError';
  readonly code: string = 'ERR_CONTENT_ENCODING';
  constructor(encoding: string, cause: Error) {
    super(`Invalid ${encoding} request body: ${cause.message}`, { cause });
  }
}

/** Counts decoded bytes and fails the stream past `limit` (0: no limit). */
class SizeCap extends Transform {
  readonly #limit: number;
  #size = 0;
  constructor(limit: number) {
    super();
    this.#limit = limit;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#limit > 0 && this.#size > this.#limit) cb(new DecompressionLimitError(this.#limit));
    else cb(null, chunk);
  }
}

/** Whether a Content-Encoding value is one this server can decode (`identity` included). */
export function isDecodable(contentEncoding: string): boolean {
  const e = contentEncoding.trim().toLowerCase();
  return e === '' || e === 'identity' || e === 'gzip' || e === 'x-gzip' || e === 'deflate' || e === 'br';
}

/**
 * The decoded body of `source` for a request Content-Encoding, failing with
 * DecompressionLimitError past `limit` decoded bytes (0: no limit) and with ContentEncodingError
 * when the data does not decode. `source` is unpiped, never
 * destroyed, so a 413 can still reach the client. `deflate` means zlib-wrapped, as in RFC 9110.
 */
export function decodeBody(source: Readable, contentEncoding: string, limit: number): Readable {
  const e = contentEncoding.trim().toLowerCase();
  let decoder: Transform;
  if (e === 'br') decoder = zlib.createBrotliDecompress();
  else if (e === 'gzip' || e === 'x-gzip') decoder = zlib.createGunzip();
  else if (e === 'deflate') decoder = zlib.createInflate();
  else throw new TypeError(`unsupported Content-Encoding ${JSON.stringify(contentEncoding)}`);
  const cap = new SizeCap(limit);
  const stop = (err: Error): void => {
    source.unpipe(decoder);
    decoder.destroy();
    cap.destroy(err);
  };
  decoder.on('error', (err: Error) => stop(new ContentEncodingError(e, err)));
  cap.on('error', () => {
    source.unpipe(decoder);
    decoder.destroy();
  });
  source.on('error', stop);
  source.pipe(decoder).pipe(cap);
  return cap;
}

/** The parts of a response negotiation reads and writes (a StreamResponse). */
interface NegotiableResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly headers: { get(name: string): string | undefined; has(name: string): boolean; set(name: string, value: string): unknown };
}

/**
 * @internal Chooses the coding for a response, or none: skipped for HEAD, statuses without content,
 * partial content, bodies already encoded, `no-transform`, incompressible types and known lengths
 * under the threshold. When the choice depends on Accept-Encoding, `Vary: Accept-Encoding` is added.
 */
export function negotiateEncoding(
  settings: ResolvedCompression,
  method: string,
  acceptEncoding: string | undefined,
  response: NegotiableResponse,
  length: number | undefined,
): ContentCoding | undefined {
  const h = response.headers;
  const st = response.status;
  if (method === 'HEAD' || st < 200 || st === 204 || st === 206 || st === 304) return undefined;
  if (h.has('content-encoding') || h.has('content-range')) return undefined;
  if (length !== undefined && length < settings.threshold) return undefined;
  if (!isCompressible(response.contentType)) return undefined;
  if (/(^|,)\s*no-transform\s*(,|$)/i.test(h.get('cache-control') ?? '')) return undefined;
  const enc = settings.force ?? chooseEncoding(acceptEncoding, settings.encodings);
  if (settings.force === undefined) {
    const vary = h.get('vary');
    if (vary === undefined) h.set('Vary', 'Accept-Encoding');
    else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) h.set('Vary', `${vary}, Accept-Encoding`);
  }
  if (enc !== undefined) h.set('Content-Encoding', enc);
  return enc;
}
