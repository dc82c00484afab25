/**
 * HTTP exceptions, one class per status, with aiohttp's names and tree (aiohttp `web_exceptions.py`).
 * As in aiohttp 4, an exception is not a response: handlers and middlewares throw it, and
 * `protocol.ts` turns it into one (text `404: Not Found`, or JSON when the client asks for it).
 */
import { STATUS_CODES } from 'node:http';
import { INVALID_HEADER_VALUE, InvalidHeaderError, describeInvalidChar } from '../common/header-errors.js';

/** Options shared by every HTTP exception. */
export interface HTTPExceptionOptions {
  reason?: string;
  /** Body text; defaults to `"<status>: <reason>"` for statuses that have a body. */
  text?: string;
  body?: Uint8Array | string;
  headers?: Record<string, string> | Iterable<readonly [string, string]>;
  contentType?: string;
}

const BRAND = Symbol.for('aiohttp-ts.HTTPException');
const NO_OPTIONS: HTTPExceptionOptions = Object.freeze({});
// RFC 9110 §15.2, §15.3.5, §15.4.5: these statuses never carry content.
const EMPTY_BODY = new Set([100, 101, 102, 103, 204, 205, 304]);

/** True when `status` must be sent without content. */
export function isEmptyBodyStatus(status: number): boolean {
  return EMPTY_BODY.has(status);
}

/**
 * Root of every HTTP exception; `instanceof` also recognises one from another copy of this package.
 * @example
 * throw new web.HTTPNotFound({ text: 'no such user' });
 */
export class HTTPException extends Error {
  /** The status this class stands for; subclasses override it. */
  static readonly statusCode: number = -1;
  /** Stable error code; on the prototype, like `name` (the class name), to keep construction cheap. */
  declare readonly code: string;
  readonly status: number;
  readonly reason: string;
  /** The body text, or undefined when `body` was given or the status has no content. */
  readonly text: string | undefined;
  readonly body: Uint8Array | string | undefined;
  readonly headers: Array<[string, string]>;
  readonly contentType: string | undefined;

  constructor(options: HTTPExceptionOptions = NO_OPTIONS) {
    const status = (new.target as typeof HTTPException).statusCode;
    if (status === -1) throw new TypeError(`${new.target.name} is abstract: throw a concrete status class`);
    let reason = options.reason;
    if (reason === undefined) reason = STATUS_CODES[status] ?? '';
    else if (INVALID_HEADER_VALUE.test(reason)) throw new InvalidHeaderError(`reason cannot be sent: ${describeInvalidChar(reason)}`, undefined);
    let text = options.text;
    if (text === undefined && options.body === undefined && !EMPTY_BODY.has(status)) text = `${status}: ${reason}`;
    super(text ?? reason);
    this.status = status;
    this.reason = reason;
    this.text = text;
    this.body = options.body;
    const h = options.headers;
    this.headers = h === undefined ? [] : Symbol.iterator in h
      ? Array.from(h as Iterable<readonly [string, string]>, ([k, v]): [string, string] => [k, v])
      : Object.entries(h);
    this.contentType = options.contentType;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === HTTPException) return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}
Object.defineProperty(HTTPException.prototype, BRAND, { value: true });
Object.defineProperty(HTTPException.prototype, 'code', { value: 'ERR_HTTP_EXCEPTION', writable: true, configurable: true });
Object.defineProperty(HTTPException.prototype, 'name', {
  get(this: HTTPException): string {
    return this.constructor.name;
  },
  configurable: true,
});

/** 2xx statuses. */
export class HTTPSuccessful extends HTTPException {}
/** 3xx statuses. */
export class HTTPRedirection extends HTTPException {}
/** 4xx and 5xx statuses. */
export class HTTPError extends HTTPException {}
/** 4xx statuses. */
export class HTTPClientError extends HTTPError {}
/** 5xx statuses. */
export class HTTPServerError extends HTTPError {}

/** 200 OK. */ export class HTTPOk extends HTTPSuccessful { static override readonly statusCode = 200; }
/** 201 Created. */ export class HTTPCreated extends HTTPSuccessful { static override readonly statusCode = 201; }
/** 202 Accepted. */ export class HTTPAccepted extends HTTPSuccessful { static override readonly statusCode = 202; }
/** 203 Non-Authoritative Information. */ export class HTTPNonAuthoritativeInformation extends HTTPSuccessful { static override readonly statusCode = 203; }
/** 204 No Content. */ export class HTTPNoContent extends HTTPSuccessful { static override readonly statusCode = 204; }
/** 205 Reset Content. */ export class HTTPResetContent extends HTTPSuccessful { static override readonly statusCode = 205; }
/** 206 Partial Content. */ export class HTTPPartialContent extends HTTPSuccessful { static override readonly statusCode = 206; }

/** A redirection carrying a `Location` header. */
export class HTTPMove extends HTTPRedirection {
  readonly location: string;
  constructor(location: string | URL, options: HTTPExceptionOptions = {}) {
    const loc = String(location);
    if (!loc) throw new TypeError('HTTP redirects need a location to redirect to');
    if (INVALID_HEADER_VALUE.test(loc)) throw new InvalidHeaderError(`location cannot be sent in a Location header: ${describeInvalidChar(loc)}`, 'Location');
    super(options);
    this.location = loc;
    this.headers.push(['Location', loc]);
  }
}
/** 300 Multiple Choices. */ export class HTTPMultipleChoices extends HTTPMove { static override readonly statusCode = 300; }
/** 301 Moved Permanently. */ export class HTTPMovedPermanently extends HTTPMove { static override readonly statusCode = 301; }
/** 302 Found. */ export class HTTPFound extends HTTPMove { static override readonly statusCode = 302; }
/** 303 See Other. */ export class HTTPSeeOther extends HTTPMove { static override readonly statusCode = 303; }
/** 304 Not Modified. */ export class HTTPNotModified extends HTTPRedirection { static override readonly statusCode = 304; }
/** 305 Use Proxy. */ export class HTTPUseProxy extends HTTPMove { static override readonly statusCode = 305; }
/** 307 Temporary Redirect. */ export class HTTPTemporaryRedirect extends HTTPMove { static override readonly statusCode = 307; }
/** 308 Permanent Redirect. */ export class HTTPPermanentRedirect extends HTTPMove { static override readonly statusCode = 308; }

/** 400 Bad Request. */ export class HTTPBadRequest extends HTTPClientError { static override readonly statusCode = 400; }
/** 401 Unauthorized. */ export class HTTPUnauthorized extends HTTPClientError { static override readonly statusCode = 401; }
/** 402 Payment Required. */ export class HTTPPaymentRequired extends HTTPClientError { static override readonly statusCode = 402; }
/** 403 Forbidden. */ export class HTTPForbidden extends HTTPClientError { static override readonly statusCode = 403; }
/** 404 Not Found. */ export class HTTPNotFound extends HTTPClientError { static override readonly statusCode = 404; }

/** 405 Method Not Allowed, with the `Allow` header listing `allowedMethods`. */
export class HTTPMethodNotAllowed extends HTTPClientError {
  static override readonly statusCode = 405;
  readonly method: string;
  readonly allowedMethods: ReadonlySet<string>;
  constructor(method: string, allowedMethods: Iterable<string>, options: HTTPExceptionOptions = {}) {
    super(options);
    this.method = method.toUpperCase();
    this.allowedMethods = new Set(allowedMethods);
    this.headers.push(['Allow', [...this.allowedMethods].sort().join(',')]);
  }
}

/** 406 Not Acceptable. */ export class HTTPNotAcceptable extends HTTPClientError { static override readonly statusCode = 406; }
/** 407 Proxy Authentication Required. */ export class HTTPProxyAuthenticationRequired extends HTTPClientError { static override readonly statusCode = 407; }
/** 408 Request Timeout. */ export class HTTPRequestTimeout extends HTTPClientError { static override readonly statusCode = 408; }
/** 409 Conflict. */ export class HTTPConflict extends HTTPClientError { static override readonly statusCode = 409; }
/** 410 Gone. */ export class HTTPGone extends HTTPClientError { static override readonly statusCode = 410; }
/** 411 Length Required. */ export class HTTPLengthRequired extends HTTPClientError { static override readonly statusCode = 411; }
/** 412 Precondition Failed. */ export class HTTPPreconditionFailed extends HTTPClientError { static override readonly statusCode = 412; }

/** 413 Content Too Large: the body is over the application's `clientMaxSize`. */
export class HTTPRequestEntityTooLarge extends HTTPClientError {
  static override readonly statusCode = 413;
  readonly maxSize: number;
  readonly actualSize: number;
  constructor(maxSize: number, actualSize: number, options: HTTPExceptionOptions = {}) {
    super({ text: `Maximum request body size ${maxSize} exceeded, actual body size ${actualSize}`, ...options });
    this.maxSize = maxSize;
    this.actualSize = actualSize;
  }
}

/** 414 URI Too Long. */ export class HTTPRequestURITooLong extends HTTPClientError { static override readonly statusCode = 414; }
/** 415 Unsupported Media Type. */ export class HTTPUnsupportedMediaType extends HTTPClientError { static override readonly statusCode = 415; }
/** 416 Range Not Satisfiable. */ export class HTTPRequestRangeNotSatisfiable extends HTTPClientError { static override readonly statusCode = 416; }
/** 417 Expectation Failed. */ export class HTTPExpectationFailed extends HTTPClientError { static override readonly statusCode = 417; }
/** 421 Misdirected Request. */ export class HTTPMisdirectedRequest extends HTTPClientError { static override readonly statusCode = 421; }
/** 422 Unprocessable Content. */ export class HTTPUnprocessableEntity extends HTTPClientError { static override readonly statusCode = 422; }
/** 424 Failed Dependency. */ export class HTTPFailedDependency extends HTTPClientError { static override readonly statusCode = 424; }
/** 426 Upgrade Required. */ export class HTTPUpgradeRequired extends HTTPClientError { static override readonly statusCode = 426; }
/** 428 Precondition Required. */ export class HTTPPreconditionRequired extends HTTPClientError { static override readonly statusCode = 428; }
/** 429 Too Many Requests. */ export class HTTPTooManyRequests extends HTTPClientError { static override readonly statusCode = 429; }
/** 431 Request Header Fields Too Large. */ export class HTTPRequestHeaderFieldsTooLarge extends HTTPClientError { static override readonly statusCode = 431; }

/** 451 Unavailable For Legal Reasons, with an optional `Link` to the blocking authority. */
export class HTTPUnavailableForLegalReasons extends HTTPClientError {
  static override readonly statusCode = 451;
  readonly link: string | undefined;
  constructor(link?: string | URL, options: HTTPExceptionOptions = {}) {
    super(options);
    this.link = link === undefined ? undefined : String(link);
    if (this.link !== undefined) this.headers.push(['Link', `<${this.link}>; rel="blocked-by"`]);
  }
}

/** 500 Internal Server Error. */ export class HTTPInternalServerError extends HTTPServerError { static override readonly statusCode = 500; }
/** 501 Not Implemented. */ export class HTTPNotImplemented extends HTTPServerError { static override readonly statusCode = 501; }
/** 502 Bad Gateway. */ export class HTTPBadGateway extends HTTPServerError { static override readonly statusCode = 502; }
/** 503 Service Unavailable. */ export class HTTPServiceUnavailable extends HTTPServerError { static override readonly statusCode = 503; }
/** 504 Gateway Timeout. */ export class HTTPGatewayTimeout extends HTTPServerError { static override readonly statusCode = 504; }
/** 505 HTTP Version Not Supported. */ export class HTTPVersionNotSupported extends HTTPServerError { static override readonly statusCode = 505; }
/** 506 Variant Also Negotiates. */ export class HTTPVariantAlsoNegotiates extends HTTPServerError { static override readonly statusCode = 506; }
/** 507 Insufficient Storage. */ export class HTTPInsufficientStorage extends HTTPServerError { static override readonly statusCode = 507; }
/** 510 Not Extended. */ export class HTTPNotExtended extends HTTPServerError { static override readonly statusCode = 510; }
/** 511 Network Authentication Required. */ export class HTTPNetworkAuthenticationRequired extends HTTPServerError { static override readonly statusCode = 511; }
