/**
 * FileResponse (aiohttp `web_fileresponse.py`): a file streamed from disk with back-pressure,
 * Content-Type from its extension, validators (ETag, Last-Modified) and the conditional and Range
 * requests of RFC 9110 §13 and §14, and pre-compressed `.br`/`.gz` siblings when accepted.
 */
import { randomBytes } from 'node:crypto';
import { close, constants as fsConstants, fstat, open, read, type Stats } from 'node:fs';
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
  /** Bytes read from disk per chunk (default 256 KiB); a file up to this size is sent with one read. */
  chunkSize?: number;
  status?: number;
  headers?: MultiDictInit<string>;
}

/** @internal What a static route decides about the files a FileResponse opens. */
export interface FileAccessPolicy {
  /** Whether the file at `filePath` (opened as `fd`, when it could be opened) may be served. */
  allows(fd: number | undefined, filePath: string): boolean | Promise<boolean>;
  /** A directory at the path answers 403 (true) or 404 (false). */
  readonly directoryForbidden: boolean;
}

/** Pre-compressed siblings, in the order of preference: brotli then gzip. */
const SIBLINGS: ReadonlyArray<readonly [encoding: string, suffix: string]> = [['br', '.br'], ['gzip', '.gz']];
/** More ranges than this in one request is an amplification attempt, not a media player. */
const MAX_RANGES = 100;
/** O_NONBLOCK: opening a FIFO (or a device) placed under the root returns at once instead of holding a pool thread. */
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);
const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP']);

/**
 * What a file path tells without touching the disk (its media type), and which pre-compressed
 * siblings it had when last looked at. Sibling lookups cost two opens that almost always fail, so
 * their result is reused for SIBLING_TTL_MS: a sibling added meanwhile is picked up that much
 * later, and one removed meanwhile is only tried and skipped; what is served is always opened.
 */
interface PathInfo {
  readonly contentType: string;
  readonly charset: string | undefined;
  /** Per entry of SIBLINGS: whether it was there, and until when (Date.now() ms) that is trusted. */
  readonly siblingSeen: [boolean, boolean];
  readonly siblingUntil: [number, number];
}
const SIBLING_TTL_MS = 1000;
const PATH_INFO_MAX = 1024;
const pathInfos = new Map<string, PathInfo>();

function pathInfo(filePath: string): PathInfo {
  let info = pathInfos.get(filePath);
  if (info === undefined) {
    const contentType = guessContentType(filePath);
    info = { contentType, charset: TEXT_LIKE.test(contentType) ? 'utf-8' : undefined, siblingSeen: [false, false], siblingUntil: [0, 0] };
    // Oldest first out: a Map iterates in insertion order.
    if (pathInfos.size >= PATH_INFO_MAX) pathInfos.delete(pathInfos.keys().next().value!);
    pathInfos.set(filePath, info);
  }
  return info;
}

/** A file opened for sending: its descriptor, its stats, its content coding (a sibling's) and what its path tells. */
interface OpenedFile {
  fd: number;
  st: Stats;
  encoding: string | undefined;
  variants: boolean;
  info: PathInfo;
}

function ignore(): void {}

// node:fs callbacks on plain descriptors: FileHandle's promise layer costs more per call, and each
// of these runs once or twice per request. Every descriptor is closed in a `finally`.
function openFile(p: string): Promise<number> {
  return new Promise((resolve, reject) => open(p, OPEN_FLAGS, (err, fd) => (err ? reject(err) : resolve(fd))));
}
function statFile(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));
}
function readAt(fd: number, buf: Buffer, offset: number, length: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, offset, length, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Closes without waiting: the response need not wait for it, and a failed close changes nothing. */
function closeSoon(fd: number): void {
  close(fd, ignore);
}

/** The encodings Accept-Encoding allows (q > 0), lower-cased; `*` stands for any. */
function acceptedEncodings(header: string | undefined): Set<string> | undefined {
  if (header === undefined || header === '') return undefined;
  const out = new Set<string>();
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
  /** @internal Set by static routes: the symlink policy and how a directory answers. */
  _policy: FileAccessPolicy | undefined;

  constructor(filePath: string, options: FileResponseOptions = {}) {
    const { chunkSize = 256 * 1024, ...rest } = options;
    super(rest);
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
    this.path = filePath;
    this.#chunkSize = chunkSize;
    this._policy = undefined;
  }

  /**
   * Opens `p` and checks it is a regular file the policy allows; undefined when it is missing or
   * not allowed. A directory throws 403 or 404 (by the policy); an unreadable file 403, unless
   * the policy refuses it, which keeps files outside a static root indistinguishable from missing ones.
   */
  async #tryOpen(p: string, sibling: boolean): Promise<{ fd: number; st: Stats } | undefined> {
    const policy = this._policy;
    let fd: number;
    try {
      fd = await openFile(p);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (sibling || (code !== undefined && NOT_FOUND_CODES.has(code))) return undefined;
      if (code === 'EISDIR') throw policy?.directoryForbidden === true ? new HTTPForbidden() : new HTTPNotFound();
      if (code === 'EACCES' || code === 'EPERM') {
        if (policy !== undefined && !(await policy.allows(undefined, p))) return undefined;
        throw new HTTPForbidden();
      }
      throw err;
    }
    // One close, in `finally`, unless the file is handed on. A descriptor closed twice is a bug with
    // teeth: between the two closes another request can open a file under the same number, and the
    // second close takes it from under that request (EBADF, a 500) or leaves it reading another file.
    let handedOn = false;
    try {
      if (policy !== undefined) {
        const ok = policy.allows(fd, p);
        if (ok !== true && (ok === false || !(await ok))) return undefined;
      }
      const st = await statFile(fd);
      if (st.isFile()) {
        handedOn = true;
        return { fd, st };
      }
      if (!sibling && st.isDirectory()) throw policy?.directoryForbidden === true ? new HTTPForbidden() : new HTTPNotFound();
      return undefined;
    } finally {
      if (!handedOn) closeSoon(fd);
    }
  }

  /** Opens the file or an accepted pre-compressed sibling; throws 404/403 as the file warrants. */
  async #openBest(request: Request<unknown>): Promise<OpenedFile> {
    const info = pathInfo(this.path);
    const accepted = acceptedEncodings(request._header('accept-encoding'));
    const now = Date.now();
    let variants = false;
    for (let i = 0; i < SIBLINGS.length; i++) {
      const [encoding, suffix] = SIBLINGS[i]!;
      const known = info.siblingUntil[i]! > now;
      if (known && !info.siblingSeen[i]) continue;
      const wanted = accepted !== undefined && (accepted.has(encoding) || accepted.has('*'));
      if (known && !wanted) {
        variants = true;
        continue;
      }
      const sib = await this.#tryOpen(this.path + suffix, true);
      info.siblingSeen[i] = sib !== undefined;
      info.siblingUntil[i] = now + SIBLING_TTL_MS;
      if (sib === undefined) continue;
      variants = true;
      if (wanted) return { fd: sib.fd, st: sib.st, encoding, variants, info };
      closeSoon(sib.fd);
    }
    const main = await this.#tryOpen(this.path, false);
    if (main === undefined) throw new HTTPNotFound();
    return { fd: main.fd, st: main.st, encoding: undefined, variants, info };
  }

  /** Checks preconditions and ranges, sends headers, then the file (or the ranges of it). */
  override async prepare(request: Request<unknown>): Promise<void> {
    if (this.prepared) return;
    const file = await this.#openBest(request);
    try {
      await this.#send(request, file);
    } finally {
      closeSoon(file.fd);
    }
  }

  async #send(request: Request<unknown>, file: OpenedFile): Promise<void> {
    const { fd, st, encoding, variants, info } = file;
    const size = st.size;
    const mtimeMs = st.mtimeMs;
    // Microseconds of mtime and the size: what changes when the file does, without BigInt stats.
    const etag = `"${Math.floor(mtimeMs * 1000).toString(16)}-${size.toString(16)}"`;
    const mtimeSec = Math.floor(mtimeMs / 1000) * 1000;
    const h = this.headers;
    const method = request.method;
    const getLike = method === 'GET' || method === 'HEAD';
    h.set('ETag', etag);
    h.set('Last-Modified', toHttpDate(mtimeMs));
    h.set('Accept-Ranges', 'bytes');
    if (variants) h.set('Vary', 'Accept-Encoding');
    if (encoding !== undefined) h.set('Content-Encoding', encoding);
    if (this.contentType === undefined) this._setDefaultType(info.contentType, info.charset);

    // RFC 9110 §13.2.2: If-Match, then If-Unmodified-Since, then If-None-Match, then If-Modified-Since.
    const ifMatch = request._header('if-match');
    if (ifMatch !== undefined ? !etagMatches(ifMatch, etag, true) : mtimeSec > httpDate(request._header('if-unmodified-since'))) {
      return this.#empty(request, 412);
    }
    const ifNoneMatch = request._header('if-none-match');
    if (ifNoneMatch !== undefined ? etagMatches(ifNoneMatch, etag, false) : getLike && mtimeSec <= httpDate(request._header('if-modified-since'))) {
      return this.#empty(request, getLike ? 304 : 412);
    }

    let ranges: Array<[number, number]> | null = null;
    const rangeHeader = request._header('range');
    if (rangeHeader !== undefined && method === 'GET' && this.status === 200) {
      const ifRange = request._header('if-range');
      // RFC 9110 §13.1.5: a Range applies only while the representation is unchanged.
      const fresh = ifRange === undefined || (ifRange.startsWith('"') ? ifRange === etag : httpDate(ifRange) === mtimeSec);
      if (fresh) ranges = parseRange(rangeHeader, size);
    }
    if (ranges !== null && ranges.length === 0) {
      h.set('Content-Range', `bytes */${size}`);
      return this.#empty(request, 416);
    }
    if (ranges === null || ranges.length === 1) {
      let start = 0;
      let end = size - 1;
      if (ranges !== null) {
        [start, end] = ranges[0]!;
        this.setStatus(206);
        h.set('Content-Range', `bytes ${start}-${end}/${size}`);
      }
      const length = end - start + 1;
      this.contentLength = length;
      if (method === 'HEAD' || length === 0) {
        await super.prepare(request);
        return this.writeEof();
      }
      if (length <= this.#chunkSize) {
        // One read, then headers and body in one go: no stream, no wait for 'drain'.
        const buf = await this.#read(fd, start, length);
        await super.prepare(request);
        return this.writeEof(buf);
      }
      await super.prepare(request);
      await this.#stream(fd, start, end);
      return this.writeEof();
    }
    this.setStatus(206);
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
      await this.#stream(fd, ranges[i]![0], ranges[i]![1]);
    }
    return this.writeEof(tail);
  }

  async #empty(request: Request<unknown>, status: number): Promise<void> {
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

  /** Reads exactly `length` bytes at `pos` into a fresh buffer (the socket may still hold the previous one). */
  async #read(fd: number, pos: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const bytesRead = await readAt(fd, buf, got, length - got, pos + got);
      if (bytesRead === 0) throw new Error(`${this.path} shrank while being sent`);
      got += bytesRead;
    }
    return buf;
  }

  /** Streams bytes start..end (inclusive); `write()` waits for the socket to drain, so memory stays at one chunk. */
  async #stream(fd: number, start: number, end: number): Promise<void> {
    for (let pos = start; pos <= end; ) {
      const want = Math.min(this.#chunkSize, end - pos + 1);
      await this.write(await this.#read(fd, pos, want));
      pos += want;
    }
  }
}
