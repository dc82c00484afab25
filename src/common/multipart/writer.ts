/**
 * MultipartWriter, as aiohttp's `multipart.MultipartWriter`: parts are payloads with headers,
 * written between boundary lines (RFC 2046 §5.1). Part bodies are streamed; the total size is known
 * (and sent as Content-Length) when every part's size is.
 */
import { randomBytes } from 'node:crypto';
import { CRLF_NUL, TOKEN } from '../http-syntax.js';
import { Payload, toPayload } from '../payload.js';

const CRLF = Buffer.from('\r\n');

/**
 * A part header the writer refuses to send: a name that is not an RFC 9110 token, or CR, LF or NUL
 * in a value, field name or file name, any of which would let the caller's data write its own part
 * headers or parts (the class of aiohttp's GHSA-2vrm-gr82-f7m5 and GHSA-m6qw-4cw2-hm4m). A
 * `TypeError`, as every other refused header value in the package; `code` is stable.
 */
export class InvalidPartHeaderError extends TypeError {
  override name = 'InvalidPartHeaderError';
  readonly code = 'ERR_MULTIPART_INVALID_PART_HEADER';
  /** The header (or `name`/`filename` parameter) that was refused. */
  readonly header: string;
  constructor(header: string, message: string) {
    super(message);
    this.header = header;
  }
}

/** Throws InvalidPartHeaderError unless `name: value` is a safe part header line. */
export function checkPartHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new InvalidPartHeaderError(name, `multipart part header name is not a token: ${JSON.stringify(name)}`);
  if (CRLF_NUL.test(value)) throw new InvalidPartHeaderError(name, `multipart part header ${name} has a value with CR, LF or NUL: ${JSON.stringify(value)}`);
}

/**
 * Escapes a Content-Disposition parameter as the WHATWG HTML form encoding does (`"` -> %22,
 * CR -> %0D, LF -> %0A; other characters as raw UTF-8), and a backslash as `\\`. Browsers send
 * the backslash raw; we differ because most receivers (aiohttp, busboy, Go, Django and our reader)
 * take `\\` and `\"` in a quoted-string as escapes (RFC 9110 §5.6.4) and would mangle a raw one.
 * NUL is refused with InvalidPartHeaderError: no receiver accepts it in a part header.
 */
export function escapeDispositionParam(value: string, param = 'name'): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let rep: string;
    if (c === 0x22) rep = '%22';
    else if (c === 0x0d) rep = '%0D';
    else if (c === 0x0a) rep = '%0A';
    else if (c === 0x5c) rep = '\\\\';
    else if (c === 0) throw new InvalidPartHeaderError(param, `multipart field names and file names cannot contain NUL: ${JSON.stringify(value)}`);
    else continue;
    out += value.slice(from, i) + rep;
    from = i + 1;
  }
  return from === 0 ? value : out + value.slice(from);
}

/** One part: its headers and its body. */
export interface MultipartPart {
  readonly headers: Array<[string, string]>;
  readonly payload: Payload;
}

/** A multipart body (`multipart/form-data` by default) with a random boundary. */
export class MultipartWriter extends Payload {
  readonly boundary: string;
  readonly subtype: string;
  readonly parts: MultipartPart[] = [];

  constructor(subtype = 'form-data', boundary?: string) {
    const b = boundary ?? randomBytes(16).toString('hex');
    if (!/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(b)) throw new RangeError(`invalid multipart boundary: ${b}`);
    super(`multipart/${subtype}; boundary=${b}`, null);
    this.boundary = b;
    this.subtype = subtype;
  }

  get replayable(): boolean {
    return this.parts.every((p) => p.payload.replayable);
  }

  /**
   * Appends a part; `value` is anything `data` accepts as a body. A header name that is not a
   * token, or CR, LF or NUL in a value, throws InvalidPartHeaderError.
   */
  append(value: unknown, headers: Array<[string, string]> = []): MultipartPart {
    for (const [k, v] of headers) checkPartHeader(k, v);
    const payload = toPayload(value);
    if (payload === null) throw new TypeError(`multipart: cannot send a value of type ${typeof value}`);
    const h = headers.slice();
    if (payload.contentType !== null && !h.some(([k]) => k.toLowerCase() === 'content-type')) {
      h.push(['Content-Type', payload.contentType]);
    }
    const part = { headers: h, payload };
    this.parts.push(part);
    return part;
  }

  /** Appends a form field part with its Content-Disposition. */
  appendFormField(name: string, payload: Payload, contentType: string | null, filename: string | null): void {
    let disp = `form-data; name="${escapeDispositionParam(name)}"`;
    if (filename !== null) disp += `; filename="${escapeDispositionParam(filename, 'filename')}"`;
    const headers: Array<[string, string]> = [['Content-Disposition', disp]];
    if (contentType !== null) {
      checkPartHeader('Content-Type', contentType);
      headers.push(['Content-Type', contentType]);
    }
    this.parts.push({ headers, payload });
  }

  #partHead(i: number): Buffer {
    const part = this.parts[i]!;
    let s = `--${this.boundary}\r\n`;
    // `parts` is public: headers changed after append() are checked again here.
    for (const [k, v] of part.headers) {
      checkPartHeader(k, v);
      s += `${k}: ${v}\r\n`;
    }
    return Buffer.from(s + '\r\n', 'utf8');
  }

  override async prepare(): Promise<void> {
    let total = 0;
    let known = true;
    for (let i = 0; i < this.parts.length; i++) {
      const p = this.parts[i]!.payload;
      await p.prepare();
      if (p.size === null) known = false;
      else total += this.#partHead(i).length + p.size + CRLF.length;
    }
    total += Buffer.byteLength(`--${this.boundary}--\r\n`);
    this.size = known ? total : null;
  }

  body(): AsyncIterable<Buffer> {
    return this.#generate();
  }

  async *#generate(): AsyncGenerator<Buffer> {
    for (let i = 0; i < this.parts.length; i++) {
      yield this.#partHead(i);
      const b = this.parts[i]!.payload.body();
      if (Buffer.isBuffer(b)) {
        if (b.length > 0) yield b;
      } else {
        for await (const chunk of b) yield chunk;
      }
      yield CRLF;
    }
    yield Buffer.from(`--${this.boundary}--\r\n`);
  }
}
