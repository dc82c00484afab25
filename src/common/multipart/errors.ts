/**
 * Errors of the multipart reader. Each carries a stable `code` and the HTTP `status` the server
 * answers with, so `request.post()` / `request.multipart()` can map any of them to a response
 * without knowing the subclasses.
 */

const BRAND = Symbol.for('aiohttp-ts.MultipartError');

/** Options shared by every multipart error. */
export interface MultipartErrorOptions {
  readonly cause?: unknown;
}

/** Root of the multipart errors: a bad or oversized multipart body (status 400 unless a subclass says otherwise). */
export class MultipartError extends Error {
  override name = 'MultipartError';
  readonly code: string;
  readonly status: number;

  constructor(message: string, code = 'ERR_MULTIPART', status = 400, options?: MultipartErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = status;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** `instanceof` also recognises errors from a second installed copy of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== MultipartError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** The request's Content-Type is not multipart/* (415 Unsupported Media Type). */
export class MultipartContentTypeError extends MultipartError {
  override name = 'MultipartContentTypeError';
  constructor(message: string, options?: MultipartErrorOptions) {
    super(message, 'ERR_MULTIPART_CONTENT_TYPE', 415, options);
  }
}

/**
 * The body is not valid multipart: no boundary, a body that ends before the final boundary,
 * a forbidden byte in a part header, a part without a name where one is required, undecodable text.
 * `code` tells which: ERR_MULTIPART_BOUNDARY, ERR_MULTIPART_TRUNCATED, ERR_MULTIPART_INVALID_HEADER,
 * ERR_MULTIPART_MISSING_NAME, ERR_MULTIPART_DECODE, ERR_MULTIPART_SOURCE (the body stream failed).
 */
export class MalformedMultipartError extends MultipartError {
  override name = 'MalformedMultipartError';
  constructor(message: string, code: string, options?: MultipartErrorOptions) {
    super(message, code, 400, options);
  }
}

/** A configured limit was exceeded; `limit` names the option and `limitValue` its value. */
export class MultipartLimitError extends MultipartError {
  override name = 'MultipartLimitError';
  readonly limit: string;
  readonly limitValue: number;
  constructor(message: string, code: string, status: number, limit: string, limitValue: number) {
    super(message, code, status);
    this.limit = limit;
    this.limitValue = limitValue;
  }
}

/** More parts than `maxParts` (413). */
export class TooManyPartsError extends MultipartLimitError {
  override name = 'TooManyPartsError';
  constructor(max: number) {
    super(`multipart body has more than ${max} parts (maxParts)`, 'ERR_MULTIPART_TOO_MANY_PARTS', 413, 'maxParts', max);
  }
}

/** More non-file fields than `maxFields` (413). */
export class TooManyFieldsError extends MultipartLimitError {
  override name = 'TooManyFieldsError';
  constructor(max: number) {
    super(`multipart body has more than ${max} fields (maxFields)`, 'ERR_MULTIPART_TOO_MANY_FIELDS', 413, 'maxFields', max);
  }
}

/** A non-file part is larger than `maxFieldSize` (413). */
export class FieldTooLargeError extends MultipartLimitError {
  override name = 'FieldTooLargeError';
  constructor(field: string | undefined, max: number) {
    super(`multipart field ${JSON.stringify(field ?? '')} is larger than ${max} bytes (maxFieldSize)`,
      'ERR_MULTIPART_FIELD_TOO_LARGE', 413, 'maxFieldSize', max);
  }
}

/** A file part is larger than `maxFileSize` (413). */
export class FileTooLargeError extends MultipartLimitError {
  override name = 'FileTooLargeError';
  constructor(field: string | undefined, max: number) {
    super(`multipart file ${JSON.stringify(field ?? '')} is larger than ${max} bytes (maxFileSize)`,
      'ERR_MULTIPART_FILE_TOO_LARGE', 413, 'maxFileSize', max);
  }
}

/** The whole body, every part and boundary counted, is larger than `maxTotalSize` (413). */
export class BodyTooLargeError extends MultipartLimitError {
  override name = 'BodyTooLargeError';
  constructor(max: number) {
    super(`multipart body is larger than ${max} bytes (maxTotalSize)`, 'ERR_MULTIPART_BODY_TOO_LARGE', 413, 'maxTotalSize', max);
  }
}

/**
 * A part's header block is larger than `maxHeaderSize` or has more than `maxHeaderCount` lines.
 * 400, not 431: RFC 6585 §5 scopes 431 to the request's own header fields, and part headers are
 * body content (aiohttp answers an over-long part header line with 400 too).
 */
export class PartHeadersTooLargeError extends MultipartLimitError {
  override name = 'PartHeadersTooLargeError';
  constructor(limit: 'maxHeaderSize' | 'maxHeaderCount', max: number) {
    super(limit === 'maxHeaderSize'
      ? `multipart part headers are larger than ${max} bytes (maxHeaderSize)`
      : `multipart part has more than ${max} header lines (maxHeaderCount)`,
    limit === 'maxHeaderSize' ? 'ERR_MULTIPART_HEADER_TOO_LARGE' : 'ERR_MULTIPART_TOO_MANY_HEADERS', 400, limit, max);
  }
}
