/**
 * FileResponse (aiohttp `web_fileresponse.py`): a file streamed from disk with back-pressure,
 * Content-Type from its extension, validators (ETag, Last-Modified) and the conditional and Range
 * requests of RFC 9110 §13 and §14, and pre-compressed `.br`/`.gz` siblings when accepted.
 */
import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { MultiDictInit } from '../common/multidict.js';
import { HTTPForbidden, HTTPNotFound } from './exceptions.js';
import type { Request } from './request.js';
import { StreamResponse } from './response.js';

/** A hand table of common types: enough for web assets without a mime database dependency. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html', '.htm': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.json': 'application/json', '.map': 'application/json', '.txt': 'text/plain', '.md': 'text/markdown', '.csv': 'text/csv',
  '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/vnd.microsoft.icon', '.bmp': 'image/bmp',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.otf': 'font/otf', '.wasm': 'application/wasm',
  '.pdf': 'application/pdf', '.zip': 'application/zip', '.gz': 'application/gzip', '.tar': 'application/x-tar',
  '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.wav': 'audio/wav', '.mp4': 'video/mp4', '.webm': 'video/webm',
  '.yaml': 'application/yaml', '.yml': 'application/yaml', '.webmanifest': 'application/manifest+json',
};
const TEXT_LIKE = /^text\/|^application\/(json|xml|javascript|yaml|manifest\+json)$|\+xml$/;

/** The media type for a file name (`application/octet-stream` when unknown). */
export function guessContentType(filename: string): string {
  return MIME_TYPES[path.extname(filename).toLowerCase()] ?? 'application/octet-stream';
}

/** Options of FileResponse. */
export interface FileResponseOptions {
  /** Bytes read from disk per chunk (default 256 KiB). */
  chunkSize?: number;
  status?: number;
  headers?: MultiDictInit<string>;
}

/** Pre-compressed siblings, in the order of preference: brotli then gzip. */
const SIBLINGS: ReadonlyArray<readonly [encoding: string, suffix: string]> = [['br', '.br'], ['gzip', '.gz']];
/** More ranges than this in one request is an amplification attempt, not a media player. */
const MAX_RANGES = 100;

/** The encodings Accept-Encoding allows (q > 0), lower-cased; `*` stands for any. */
function acceptedEncodings(header: string | undefined): Set<string> {
  const out = new Set<string>();
  if (header === undefined) return out;
  for (const item of header.split(',')) {
    const [name = '', ...params] = item.split(';');
    const q = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    const n = name.trim().toLowerCase();
    if (n) out.add(n);
  }
  return out;
}

/** Parses an HTTP date; NaN when invalid. Seconds precision, as the header carries. */
function httpDate(value: string | undefined): number {
  return value === undefined ? NaN : Date.parse(value);
}

/** Whether an If-Match / If-None-Match list contains `etag` (weak comparison unless `strong`). */
function etagMatches(header: string, etag: string, strong: boolean): boolean {
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  for (const raw of header.split(',')) {
    const t = raw.trim();
    if (strong) {
      if (t === etag && !t.startsWith('W/')) return true;
    } else if (t.replace(/^W\//, '') === bare) return true;
  }
  return false;
}

/** Parses `bytes=a-b, c-, -n` into inclusive ranges; null when the header must be ignored, [] when unsatisfiable. */
function parseRange(header: string, size: number): Array<[number, number]> | null {
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (m === null) return null;
  const specs = m[1]!.split(',');
  if (specs.length > MAX_RANGES) return [];
  const out: Array<[number, number]> = [];
  for (const raw of specs) {
    const spec = raw.trim();
    const r = /^(\d*)-(\d*)$/.exec(spec);
    if (r === null || (r[1] === '' && r[2] === '')) return null; // RFC 9110 §14.2: an invalid Range is ignored
    if (r[1] === '') {
      const n = Number(r[2]);
      if (n === 0) continue;
      out.push([Math.max(0, size - n), size - 1]);
      continue;
    }
    const start = Number(r[1]);
    const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
    if (r[2] !== '' && Number(r[2]) < start) return null;
    if (start >= size) continue;
    out.push([start, end]);
  }
  return out;
}

function toHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * A response that sends a file from disk.
 * @example
 * app.router.addGet('/report', () => new web.FileResponse('/srv/report.pdf'));
 */
export class FileResponse extends StreamResponse {
  readonly path: string;
  readonly #chunkSize: number;
  /** @internal Set by static routes: may this path be opened (symlink policy for siblings)? */
  _allowPath: ((p: string) => Promise<boolean>) | undefined;

  constructor(filePath: string, options: FileResponseOptions = {}) {
    const { chunkSize = 256 * 1024, ...rest } = options;
    super(rest);
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
    this.path = filePath;
    this.#chunkSize = chunkSize;
    this._allowPath = undefined;
  }

  /** Opens the file or an accepted pre-compressed sibling; returns the handle, its stats and its encoding. */
  async #openBest(request: Request<any>): Promise<{ fh: FileHandle; st: BigIntStats; encoding: string | undefined; variants: boolean }> {
    const accepted = acceptedEncodings(request.headers.get('accept-encoding'));
    let variants = false;
    for (const [encoding, suffix] of SIBLINGS) {
      const p = this.path + suffix;
      const fh = await open(p, 'r').catch(() => undefined);
      if (fh === undefined) continue;
      const st = await fh.stat({ bigint: true });
      const ok = st.isFile() && (this._allowPath === undefined || (await this._allowPath(p)));
      if (ok) variants = true;
      if (ok && (accepted.has(encoding) || accepted.has('*'))) return { fh, st, encoding, variants };
      await fh.close();
    }
    const fh = await open(this.path, 'r');
    try {
      const st = await fh.stat({ bigint: true });
      return { fh, st, encoding: undefined, variants };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Checks preconditions and ranges, sends headers, then the file (or the ranges of it). */
  override async prepare(request: Request<any>): Promise<void> {
    if (this.prepared) return;
    let best;
    try {
      best = await this.#openBest(request);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EACCES' || code === 'EPERM') throw new HTTPForbidden();
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP') throw new HTTPNotFound();
      throw err;
    }
    const { fh, st, encoding, variants } = best;
    try {
      if (!st.isFile()) throw new HTTPNotFound();
      await this.#send(request, fh, st, encoding, variants);
    } finally {
      await fh.close();
    }
  }

  async #send(request: Request<any>, fh: FileHandle, st: BigIntStats, encoding: string | undefined, variants: boolean): Promise<void> {
    const size = Number(st.size);
    const mtimeMs = Number(st.mtimeMs);
    const etag = `"${st.mtimeNs.toString(16)}-${st.size.toString(16)}"`;
    const lastModified = toHttpDate(mtimeMs);
    const mtimeSec = Math.floor(mtimeMs / 1000) * 1000;
    const h = this.headers;
    const reqH = request.headers;
    const method = request.method;
    const getLike = method === 'GET' || method === 'HEAD';
    h.set('ETag', etag);
    h.set('Last-Modified', lastModified);
    h.set('Accept-Ranges', 'bytes');
    if (variants) h.set('Vary', 'Accept-Encoding');
    if (encoding !== undefined) h.set('Content-Encoding', encoding);
    if (this.contentType === undefined) {
      const ct = guessContentType(this.path);
      this.contentType = ct;
      if (TEXT_LIKE.test(ct) && this.charset === undefined) this.charset = 'utf-8';
    }

    // RFC 9110 §13.2.2: If-Match, then If-Unmodified-Since, then If-None-Match, then If-Modified-Since.
    const ifMatch = reqH.get('if-match');
    const ifUnmodified = httpDate(reqH.get('if-unmodified-since'));
    if ((ifMatch !== undefined && !etagMatches(ifMatch, etag, true)) || (ifMatch === undefined && mtimeSec > ifUnmodified)) {
      return this.#empty(request, 412);
    }
    const ifNoneMatch = reqH.get('if-none-match');
    if (ifNoneMatch !== undefined ? etagMatches(ifNoneMatch, etag, false) : getLike && mtimeSec <= httpDate(reqH.get('if-modified-since'))) {
      return this.#empty(request, getLike ? 304 : 412);
    }

    let ranges: Array<[number, number]> | null = null;
    const rangeHeader = reqH.get('range');
    if (rangeHeader !== undefined && method === 'GET' && this.status === 200) {
      const ifRange = reqH.get('if-range');
      // RFC 9110 §13.1.5: a Range applies only while the representation is unchanged.
      const fresh = ifRange === undefined || (ifRange.startsWith('"') ? ifRange === etag : httpDate(ifRange) === mtimeSec);
      if (fresh) ranges = parseRange(rangeHeader, size);
    }
    if (ranges !== null && ranges.length === 0) {
      h.set('Content-Range', `bytes */${size}`);
      return this.#empty(request, 416);
    }
    if (ranges === null) {
      this.contentLength = size;
      await super.prepare(request);
      if (method !== 'HEAD') await this.#stream(fh, 0, size - 1);
      return this.writeEof();
    }
    this.setStatus(206);
    if (ranges.length === 1) {
      const [start, end] = ranges[0]!;
      h.set('Content-Range', `bytes ${start}-${end}/${size}`);
      this.contentLength = end - start + 1;
      await super.prepare(request);
      await this.#stream(fh, start, end);
      return this.writeEof();
    }
    const boundary = randomBytes(12).toString('hex');
    const partType = this._contentTypeHeader() ?? 'application/octet-stream';
    const heads = ranges.map(([s, e], i) => Buffer.from(`${i ? '\r\n' : ''}--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: bytes ${s}-${e}/${size}\r\n\r\n`));
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    let total = tail.length;
    for (let i = 0; i < ranges.length; i++) total += heads[i]!.length + ranges[i]![1] - ranges[i]![0] + 1;
    this.contentType = `multipart/byteranges; boundary=${boundary}`;
    this.contentLength = total;
    await super.prepare(request);
    for (let i = 0; i < ranges.length; i++) {
      await this.write(heads[i]!);
      await this.#stream(fh, ranges[i]![0], ranges[i]![1]);
    }
    return this.writeEof(tail);
  }

  async #empty(request: Request<any>, status: number): Promise<void> {
    this.setStatus(status);
    this.headers.delete('Content-Encoding');
    if (status !== 304) {
      this.headers.delete('ETag');
      this.headers.delete('Last-Modified');
    }
    this.contentLength = 0;
    await super.prepare(request);
    return this.writeEof();
  }

  /** Streams bytes start..end (inclusive); `write()` waits for the socket to drain, so memory stays at one chunk. */
  async #stream(fh: FileHandle, start: number, end: number): Promise<void> {
    let pos = start;
    while (pos <= end) {
      const want = Math.min(this.#chunkSize, end - pos + 1);
      // A fresh buffer per chunk: the socket may still hold the previous one.
      const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(want), 0, want, pos);
      if (bytesRead === 0) throw new Error(`${this.path} shrank while being sent`);
      await this.write(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
      pos += bytesRead;
    }
  }
}
