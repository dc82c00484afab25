/** WebSocket errors, after aiohttp's `http_websocket.py` WebSocketError and `client_exceptions.py`. */

const kWebSocketError = Symbol.for('aiohttp-ts.WebSocketError');

/** Options shared by the WebSocket error constructors. */
export interface WebSocketErrorOptions {
  cause?: unknown;
  /** The close code this error closes the connection with (aiohttp's `WebSocketError.code`). */
  closeCode?: number;
}

/**
 * Root of the WebSocket errors. aiohttp's `WebSocketError.code` (the close code) is `closeCode`
 * here, because `code` is our stable string.
 */
export class WebSocketError extends Error {
  override name = 'WebSocketError';
  readonly code: string = 'ERR_WS';
  readonly closeCode: number | undefined;

  constructor(message: string, options: WebSocketErrorOptions & { code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.closeCode = options.closeCode;
    if (options.code !== undefined) this.code = options.code;
  }

  /** Matches errors from any installed copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== WebSocketError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kWebSocketError] === true;
  }

  get [kWebSocketError](): true {
    return true;
  }
}

/** Server side: the upgrade request cannot become a WebSocket (bad method, headers, version). */
export class WSHandshakeError extends WebSocketError {
  override name = 'WSHandshakeError';
  override readonly code: string = 'ERR_WS_HANDSHAKE';
  /** HTTP status that answers (or answered) the handshake. */
  readonly status: number;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;

  constructor(
    message: string,
    status: number,
    headers: Readonly<Record<string, string | string[] | undefined>> = {},
    options: WebSocketErrorOptions = {},
  ) {
    super(message, options);
    this.status = status;
    this.headers = headers;
  }
}

/**
 * Client side: the server's answer to the upgrade is not a valid WebSocket handshake (non-101
 * status, bad Sec-WebSocket-Accept, unexpected protocol or extension), as aiohttp's
 * `WSServerHandshakeError`. `status` is the response status (101 when the headers were wrong).
 */
export class WSServerHandshakeError extends WSHandshakeError {
  override name = 'WSServerHandshakeError';
  override readonly code: string = 'ERR_WS_SERVER_HANDSHAKE';
}

/** Client side: the TCP/TLS connection failed before any response; OS details copied from `cause`. */
export class WSConnectionError extends WebSocketError {
  override name = 'WSConnectionError';
  override readonly code: string = 'ERR_WS_CONNECTION';
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  readonly osCode: string | undefined;

  constructor(message: string, options: WebSocketErrorOptions = {}) {
    super(message, options);
    const cause = options.cause as { errno?: unknown; syscall?: unknown; code?: unknown } | undefined;
    this.errno = typeof cause?.errno === 'number' ? cause.errno : undefined;
    this.syscall = typeof cause?.syscall === 'string' ? cause.syscall : undefined;
    this.osCode = typeof cause?.code === 'string' ? cause.code : undefined;
  }
}

/** Sending on a connection that is closing or closed (aiohttp raises ConnectionResetError). */
export class WSConnectionClosedError extends WebSocketError {
  override name = 'WSConnectionClosedError';
  override readonly code: string = 'ERR_WS_CLOSED';
}

/** Common base of the WebSocket timeouts; test with `isWSTimeoutError`. */
export class WSTimeoutError extends WebSocketError {
  override name = 'WSTimeoutError';
  override readonly code: string = 'ERR_WS_TIMEOUT';
}

/** `receive()` waited longer than its timeout; the connection stays open. */
export class WSReceiveTimeoutError extends WSTimeoutError {
  override name = 'WSReceiveTimeoutError';
  override readonly code: string = 'ERR_WS_RECEIVE_TIMEOUT';
}

/** No PONG within heartbeat/2 after our PING (aiohttp's ServerTimeoutError); closed with 1006. */
export class WSHeartbeatTimeoutError extends WSTimeoutError {
  override name = 'WSHeartbeatTimeoutError';
  override readonly code: string = 'ERR_WS_HEARTBEAT_TIMEOUT';
}

/** The peer did not answer our close frame within the close timeout; the socket was dropped. */
export class WSCloseTimeoutError extends WSTimeoutError {
  override name = 'WSCloseTimeoutError';
  override readonly code: string = 'ERR_WS_CLOSE_TIMEOUT';
}

/** The opening handshake did not complete within its timeout. */
export class WSHandshakeTimeoutError extends WSTimeoutError {
  override name = 'WSHandshakeTimeoutError';
  override readonly code: string = 'ERR_WS_HANDSHAKE_TIMEOUT';
}

/** Tells whether `err` is one of the WebSocket timeouts (aiohttp's asyncio.TimeoutError cases). */
export function isWSTimeoutError(err: unknown): err is WSTimeoutError {
  return err instanceof WebSocketError && err.code.startsWith('ERR_WS_') && err.code.endsWith('TIMEOUT');
}

/**
 * `receiveStr()`/`receiveBytes()`/`receiveJson()` got another kind of message, as aiohttp's
 * `WSMessageTypeError`, which is a TypeError there too.
 */
export class WSMessageTypeError extends TypeError {
  override name = 'WSMessageTypeError';
  readonly code: string = 'ERR_WS_MESSAGE_TYPE';
}

const closeCodeErrorCodes: Readonly<Record<number, string>> = {
  1002: 'ERR_WS_PROTOCOL',
  1007: 'ERR_WS_INVALID_TEXT',
  1008: 'ERR_WS_POLICY_VIOLATION',
  1009: 'ERR_WS_MESSAGE_TOO_BIG',
};

/** Builds the error for a peer's protocol violation that closes the connection with `closeCode`. */
export function protocolError(message: string, closeCode: number, cause?: unknown): WebSocketError {
  return new WebSocketError(message, {
    code: closeCodeErrorCodes[closeCode] ?? 'ERR_WS_PROTOCOL',
    closeCode,
    cause,
  });
}
