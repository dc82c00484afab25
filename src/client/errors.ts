/**
 * Client errors, one class per aiohttp `client_exceptions.py` class with the same tree. Where
 * aiohttp uses a second base (`OSError`, `asyncio.TimeoutError`) we keep the first and offer a
 * guard (`isTimeoutError`, `isOSError`). Every error has a stable `code`.
 */
import type { CIMultiDictProxy, RequestInfo } from './request.js';
import type { ClientResponse } from './response.js';

const BRAND = Symbol.for('aiohttp-ts.ClientError');

/** Root of every client error. */
export class ClientError extends Error {
  override name = 'ClientError';
  readonly code: string = 'ERR_CLIENT';
  /** @internal */
  readonly [BRAND] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Survives two installed copies of this package (see nodejs/undici#4472); subclasses keep the
    // normal prototype check.
    if (this === ClientError) return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** Options shared by errors about a response. */
export interface ClientResponseErrorOptions {
  status?: number;
  message?: string;
  headers?: CIMultiDictProxy | null;
  cause?: unknown;
}

/** A response was received but is not acceptable (status >= 400, wrong content type, ...). */
export class ClientResponseError extends ClientError {
  override name = 'ClientResponseError';
  override readonly code: string = 'ERR_CLIENT_RESPONSE';
  readonly status: number;
  readonly requestInfo: RequestInfo;
  /** The responses of the redirects followed before this one, oldest first (aiohttp's `history`). */
  readonly history: readonly ClientResponse[];
  readonly headers: CIMultiDictProxy | null;

  constructor(requestInfo: RequestInfo, history: readonly ClientResponse[], options: ClientResponseErrorOptions = {}) {
    super(options.message ?? '', options.cause === undefined ? undefined : { cause: options.cause });
    this.requestInfo = requestInfo;
    this.history = history;
    this.status = options.status ?? 0;
    this.headers = options.headers ?? null;
  }

  /** aiohttp's `str(err)`: `404, message='Not Found', url='http://h/x'`. */
  override toString(): string {
    return `${this.status}, message='${this.message}', url='${this.requestInfo.realUrl.href}'`;
  }
}

/**
 * The server's status line or headers are not valid HTTP/1.1 (bad status code or version, a header
 * that is not a token, CR/LF/NUL where they may not be, a control byte in the reason phrase, a
 * version other than HTTP/1.x, a transfer coding other than chunked, a head over `maxHeaderSize`),
 * or is an interim 100 response, which undici cannot skip. As aiohttp
 * (which raises ClientResponseError from the parser's error), `status` is 400: no status was read.
 * Errors in the body's framing after the head (bad chunk sizes) are ClientPayloadError.
 */
export class ClientResponseParseError extends ClientResponseError {
  override name = 'ClientResponseParseError';
  override readonly code: string = 'ERR_CLIENT_RESPONSE_PARSE';
}

/** `response.json()` found a mimetype that is not JSON. */
export class ContentTypeError extends ClientResponseError {
  override name = 'ContentTypeError';
  override readonly code: string = 'ERR_CLIENT_CONTENT_TYPE';
}

/** The WebSocket handshake was refused. */
export class WSServerHandshakeError extends ClientResponseError {
  override name = 'WSServerHandshakeError';
  override readonly code: string = 'ERR_CLIENT_WS_HANDSHAKE';
}

/** The HTTP proxy answered CONNECT with an error status. */
export class ClientHttpProxyError extends ClientResponseError {
  override name = 'ClientHttpProxyError';
  override readonly code: string = 'ERR_CLIENT_PROXY';
}

/** More redirects than `maxRedirects`. */
export class TooManyRedirects extends ClientResponseError {
  override name = 'TooManyRedirects';
  override readonly code: string = 'ERR_CLIENT_TOO_MANY_REDIRECTS';
}

/** Anything about the connection to the server. */
export class ClientConnectionError extends ClientError {
  override name = 'ClientConnectionError';
  override readonly code: string = 'ERR_CLIENT_CONNECTION';
}

/** The connection was reset while writing the request. */
export class ClientConnectionResetError extends ClientConnectionError {
  override name = 'ClientConnectionResetError';
  override readonly code: string = 'ERR_CLIENT_CONNECTION_RESET';
}

/** An OS-level socket error; `errno` and `syscall` come from the cause. */
export class ClientOSError extends ClientConnectionError {
  override name = 'ClientOSError';
  override readonly code: string = 'ERR_CLIENT_OS';
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const c = options?.cause as { errno?: unknown; syscall?: unknown } | undefined;
    this.errno = typeof c?.errno === 'number' ? c.errno : undefined;
    this.syscall = typeof c?.syscall === 'string' ? c.syscall : undefined;
  }
}

/** Connecting to the host failed; names the host and port. */
export class ClientConnectorError extends ClientOSError {
  override name = 'ClientConnectorError';
  override readonly code: string = 'ERR_CLIENT_CONNECTOR';
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, message: string, options?: { cause?: unknown }) {
    super(`Cannot connect to host ${host}:${port} ssl:default [${message}]`, options);
    this.host = host;
    this.port = port;
  }
}

/** The host name could not be resolved. */
export class ClientConnectorDNSError extends ClientConnectorError {
  override name = 'ClientConnectorDNSError';
  override readonly code: string = 'ERR_CLIENT_DNS';
}

/** Connecting to the proxy failed. */
export class ClientProxyConnectionError extends ClientConnectorError {
  override name = 'ClientProxyConnectionError';
  override readonly code: string = 'ERR_CLIENT_PROXY_CONNECTION';
}

/** Connecting to the Unix socket failed. */
export class UnixClientConnectorError extends ClientConnectorError {
  override name = 'UnixClientConnectorError';
  override readonly code: string = 'ERR_CLIENT_UNIX_CONNECTOR';
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('localhost', 0, message, options);
    this.path = path;
    this.message = `Cannot connect to unix socket ${path} ssl:default [${message}]`;
  }
}

/** A TLS error while connecting. */
export class ClientConnectorSSLError extends ClientConnectorError {
  override name = 'ClientConnectorSSLError';
  override readonly code: string = 'ERR_CLIENT_SSL';
}

/** The server certificate did not verify. */
export class ClientConnectorCertificateError extends ClientConnectorSSLError {
  override name = 'ClientConnectorCertificateError';
  override readonly code: string = 'ERR_CLIENT_CERTIFICATE';
}

/** The server side of the connection failed. */
export class ServerConnectionError extends ClientConnectionError {
  override name = 'ServerConnectionError';
  override readonly code: string = 'ERR_CLIENT_SERVER_CONNECTION';
}

/** The server closed the connection before the response was complete. */
export class ServerDisconnectedError extends ServerConnectionError {
  override name = 'ServerDisconnectedError';
  override readonly code: string = 'ERR_CLIENT_SERVER_DISCONNECTED';
}

/** Which limit of a ClientTimeout fired. */
export type TimeoutKind = 'total' | 'connect' | 'sockConnect' | 'sockRead';

/** A timeout fired; `timeout` names which limit (aiohttp raises plain TimeoutError for `total`). */
export class ServerTimeoutError extends ServerConnectionError {
  override name = 'ServerTimeoutError';
  override readonly code: string = 'ERR_CLIENT_TIMEOUT';
  readonly timeout: TimeoutKind;
  constructor(timeout: TimeoutKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.timeout = timeout;
  }
}

/** Getting a connection took longer than `connect` or `sockConnect`. */
export class ConnectionTimeoutError extends ServerTimeoutError {
  override name = 'ConnectionTimeoutError';
  override readonly code: string = 'ERR_CLIENT_CONNECTION_TIMEOUT';
}

/** No bytes arrived for `sockRead` seconds. */
export class SocketTimeoutError extends ServerTimeoutError {
  override name = 'SocketTimeoutError';
  override readonly code: string = 'ERR_CLIENT_SOCKET_TIMEOUT';
}

/** The server certificate fingerprint did not match. */
export class ServerFingerprintMismatch extends ServerConnectionError {
  override name = 'ServerFingerprintMismatch';
  override readonly code: string = 'ERR_CLIENT_FINGERPRINT';
}

/** The response body was malformed or cut short. */
export class ClientPayloadError extends ClientError {
  override name = 'ClientPayloadError';
  override readonly code: string = 'ERR_CLIENT_PAYLOAD';
}

/** The decoded body grew beyond the configured cap (compression bombs included). */
export class ContentTooLargeError extends ClientPayloadError {
  override name = 'ContentTooLargeError';
  override readonly code: string = 'ERR_CLIENT_CONTENT_TOO_LARGE';
  readonly limit: number;
  constructor(limit: number, url: string) {
    super(`Response body of ${url} exceeds the limit of ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * A compressed body inflated more than `maxDecompressRatio` times its compressed size (checked once
 * 1 MiB has been decoded): a compression bomb stopped early, long before `maxDecompressSize`.
 */
export class DecompressionRatioError extends ClientPayloadError {
  override name = 'DecompressionRatioError';
  override readonly code: string = 'ERR_CLIENT_DECOMPRESSION_RATIO';
  /** The ratio that was exceeded. */
  readonly limit: number;
  constructor(limit: number, decoded: number, compressed: number, url: string) {
    super(`Response body of ${url} inflated ${decoded} bytes from ${compressed} compressed bytes, more than ${limit} times its size`);
    this.limit = limit;
  }
}

/**
 * `text()` or `json()` was asked for a character encoding (the response's charset, or the one
 * passed) that is not known; `encoding` names it.
 */
export class UnknownEncodingError extends ClientPayloadError {
  override name = 'UnknownEncodingError';
  override readonly code: string = 'ERR_CLIENT_UNKNOWN_ENCODING';
  readonly encoding: string;
  constructor(encoding: string, url: string, options?: { cause?: unknown }) {
    super(`Unknown encoding ${JSON.stringify(encoding)} for the body of ${url}; pass a known one, e.g. text('utf-8')`, options);
    this.encoding = encoding;
  }
}

/**
 * `json()` found a body that is not JSON: invalid UTF-8 (the body is decoded strictly, never with
 * U+FFFD replacements) or text the parser refused (the parser's error is the `cause`).
 */
export class JSONDecodeError extends ClientPayloadError {
  override name = 'JSONDecodeError';
  override readonly code: string = 'ERR_CLIENT_JSON_DECODE';
}

/** The URL is malformed or not http(s). */
export class InvalidURL extends ClientError {
  override name = 'InvalidURL';
  override readonly code: string = 'ERR_CLIENT_INVALID_URL';
  readonly url: string;
  readonly description: string | undefined;
  constructor(url: string, description?: string, options?: { cause?: unknown }) {
    super(description ? `${url} - ${description}` : url, options);
    this.url = url;
    this.description = description;
  }
}

/** The URL of a request is invalid. */
export class InvalidUrlClientError extends InvalidURL {
  override name = 'InvalidUrlClientError';
  override readonly code: string = 'ERR_CLIENT_INVALID_URL_REQUEST';
}

/** A redirect's Location is invalid. */
export class InvalidUrlRedirectClientError extends InvalidUrlClientError {
  override name = 'InvalidUrlRedirectClientError';
  override readonly code: string = 'ERR_CLIENT_INVALID_URL_REDIRECT';
}

/** The URL scheme is not http or https. */
export class NonHttpUrlClientError extends InvalidURL {
  override name = 'NonHttpUrlClientError';
  override readonly code: string = 'ERR_CLIENT_NON_HTTP_URL';
}

/** A redirect points to a non-http(s) URL, or from https down to http when not allowed. */
export class NonHttpUrlRedirectClientError extends NonHttpUrlClientError {
  override name = 'NonHttpUrlRedirectClientError';
  override readonly code: string = 'ERR_CLIENT_NON_HTTP_URL_REDIRECT';
}

/** A redirect that keeps the body (307/308; 301/302 other than after POST) needs it again but it was a one-shot stream. */
export class RedirectBodyError extends ClientError {
  override name = 'RedirectBodyError';
  override readonly code: string = 'ERR_CLIENT_REDIRECT_BODY';
}

/** The session was closed. */
export class ClientSessionClosedError extends ClientError {
  override name = 'ClientSessionClosedError';
  override readonly code: string = 'ERR_CLIENT_SESSION_CLOSED';
}

/** True for every client timeout (aiohttp's `asyncio.TimeoutError` base). */
export function isTimeoutError(err: unknown): err is ServerTimeoutError {
  return err instanceof ServerTimeoutError;
}

/** True for errors that aiohttp derives from OSError. */
export function isOSError(err: unknown): err is ClientOSError {
  return err instanceof ClientOSError;
}

/** Where an undici error happened, to word the mapped error. */
export interface UndiciErrorContext {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly socketPath?: string | undefined;
  readonly proxy?: boolean | undefined;
}

const SSL_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_TLS_CERT_ALTNAME_INVALID', 'EPROTO', 'ECONNRESET_TLS',
]);

/**
 * Maps an undici (or socket) error to our tree by `err.code`, never by `instanceof` on undici
 * classes: two undici copies would break it (nodejs/undici#3987).
 */
export function fromUndiciError(err: unknown, ctx: UndiciErrorContext): Error {
  if (err instanceof ClientError) return err;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  const opts = { cause: err };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new ConnectionTimeoutError('sockConnect', `Connection timeout to host ${ctx.url}`, opts);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new SocketTimeoutError('sockRead', `Timeout on reading data from socket (${ctx.url})`, opts);
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'ECONNRESET':
    case 'EPIPE':
      return new ServerDisconnectedError(`Server disconnected (${ctx.url}): ${msg}`, opts);
    case 'ERR_CLIENT_FINGERPRINT':
      return new ServerFingerprintMismatch(`${msg} (${ctx.url})`, opts);
    case 'UND_ERR_HEADERS_OVERFLOW':
      return new ClientPayloadError(`Response head is too large (${ctx.url}): ${msg}`, opts);
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return new ClientPayloadError(`Response payload is not completed (${ctx.url}): ${msg}`, opts);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new ClientConnectorDNSError(ctx.host, ctx.port, msg, opts);
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
      return new ClientError(`${msg} (${ctx.url})`, opts);
    default:
      break;
  }
  // undici's HTTPParserError often has no code; ClientResponse turns one raised before the head
  // was complete into ClientResponseParseError.
  if (code.startsWith('HPE_') || (e as { name?: unknown } | null)?.name === 'HTTPParserError') {
    return new ClientPayloadError(`Invalid HTTP response (${ctx.url}): ${msg}`, opts);
  }
  if (code.startsWith('UND_ERR_PRX') || code === 'UND_ERR_PROXY') {
    return new ClientProxyConnectionError(ctx.host, ctx.port, msg, opts);
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY') {
    return new ClientConnectorCertificateError(ctx.host, ctx.port, msg, opts);
  }
  if (SSL_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return new ClientConnectorSSLError(ctx.host, ctx.port, msg, opts);
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' ||
      code === 'ENOENT' || code === 'EACCES' || code === 'ETIMEDOUT') {
    if (ctx.socketPath !== undefined) return new UnixClientConnectorError(ctx.socketPath, msg, opts);
    if (ctx.proxy) return new ClientProxyConnectionError(ctx.host, ctx.port, msg, opts);
    return new ClientConnectorError(ctx.host, ctx.port, msg, opts);
  }
  if (code.startsWith('E')) return new ClientOSError(`${msg} (${ctx.url})`, opts);
  return new ClientError(`${msg} (${ctx.url})`, opts);
}
