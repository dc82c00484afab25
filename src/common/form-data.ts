/**
 * FormData, as aiohttp's `formdata.FormData`: fields become `application/x-www-form-urlencoded`
 * unless a field is a file, bytes, or has a filename or content type, which makes it
 * `multipart/form-data` with each file streamed.
 */
import { Readable } from 'node:stream';
import { Blob } from 'node:buffer';
import { checkPartHeader, escapeDispositionParam, MultipartWriter } from './multipart/writer.js';
import { FormUrlEncodedPayload, isAsyncIterable, Payload, toPayload } from './payload.js';
import { quoteQueryPart } from './url.js';

/** Options of `addField`. */
export interface FormFieldOptions {
  /** File name sent in Content-Disposition (makes the form multipart). */
  filename?: string | null;
  /** Content-Type of the part (makes the form multipart). */
  contentType?: string | null;
}

/** Options of `new FormData()`. */
export interface FormDataOptions {
  /** Force multipart even without files. */
  multipart?: boolean;
  /** Boundary of the multipart body (random by default). */
  boundary?: string;
}

/** A field value: text, bytes, a file stream, any readable stream or async iterable. */
export type FormFieldValue = string | number | Uint8Array | Blob | Readable | AsyncIterable<unknown> | Payload;

interface Field {
  readonly name: string;
  readonly value: FormFieldValue;
  readonly filename: string | null;
  readonly contentType: string | null;
}

/** Form fields for a request body: `data: form`. */
export class FormData {
  readonly #fields: Field[] = [];
  #multipart: boolean;
  readonly #boundary: string | undefined;

  /** `fields` may be an object or pairs of plain text fields. */
  constructor(fields?: Iterable<readonly [string, FormFieldValue]> | Record<string, FormFieldValue>, options: FormDataOptions = {}) {
    this.#multipart = options.multipart ?? false;
    this.#boundary = options.boundary;
    if (fields !== undefined) this.addFields(fields);
  }

  /** True when the body will be multipart/form-data. */
  get isMultipart(): boolean {
    return this.#multipart;
  }

  /**
   * Adds one field; files and streams are read only when the request is sent. CR, LF or NUL in
   * `contentType`, or NUL in `name` or `filename`, throws InvalidPartHeaderError (CR and LF in
   * names are sent escaped, as browsers do).
   */
  addField(name: string, value: FormFieldValue, options: FormFieldOptions = {}): this {
    if (typeof name !== 'string') throw new TypeError('addField: name must be a string');
    let filename = options.filename ?? null;
    const contentType = options.contentType ?? null;
    escapeDispositionParam(name);
    if (filename !== null) escapeDispositionParam(filename, 'filename');
    if (contentType !== null) checkPartHeader('Content-Type', contentType);
    const isStream = value instanceof Readable || value instanceof Payload || value instanceof Blob || (typeof value === 'object' && isAsyncIterable(value));
    if (isStream) {
      this.#multipart = true;
    } else if (value instanceof Uint8Array) {
      this.#multipart = true;
      if (filename === null) filename = name;
    } else if (typeof value !== 'string' && typeof value !== 'number') {
      throw new TypeError(`addField: value of "${name}" must be a string, number, bytes or stream, got ${typeof value}`);
    }
    if (filename !== null || contentType !== null) this.#multipart = true;
    this.#fields.push({ name, value, filename, contentType });
    return this;
  }

  /** Adds several fields from an object or pairs. */
  addFields(fields: Iterable<readonly [string, FormFieldValue]> | Record<string, FormFieldValue>): this {
    const entries = Symbol.iterator in fields ? (fields as Iterable<readonly [string, FormFieldValue]>) : Object.entries(fields);
    for (const [k, v] of entries) this.addField(k, v);
    return this;
  }

  /** Builds the body payload. */
  toPayload(): Payload {
    if (!this.#multipart) {
      let out = '';
      for (const f of this.#fields) {
        if (out.length > 0) out += '&';
        out += quoteQueryPart(f.name) + '=' + quoteQueryPart(String(f.value));
      }
      return new FormUrlEncodedPayload(out);
    }
    const writer = new MultipartWriter('form-data', this.#boundary);
    for (const f of this.#fields) {
      const v = typeof f.value === 'number' ? String(f.value) : f.value;
      const isText = typeof v === 'string' && f.filename === null;
      const payload = toPayload(v, isText ? null : undefined);
      if (payload === null) throw new TypeError(`FormData: cannot encode field "${f.name}"`);
      const filename = f.filename ?? (isText ? null : payload.filename);
      const contentType = f.contentType ?? (isText ? null : payload.contentType);
      writer.appendFormField(f.name, payload, contentType, filename);
    }
    return writer;
  }
}
