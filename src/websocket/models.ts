/**
 * WebSocket message model shared by server and client, as aiohttp's `_websocket/models.py`:
 * one message kind per `WSMsgType`, narrowed with `switch (msg.type)`.
 */
import { isUtf8 } from 'node:buffer';
import { protocolError } from './errors.js';

/** Message kinds, with aiohttp's numeric values (frame opcodes plus the pseudo kinds from 256). */
export enum WSMsgType {
  CONTINUATION = 0x0,
  TEXT = 0x1,
  BINARY = 0x2,
  PING = 0x9,
  PONG = 0xa,
  CLOSE = 0x8,
  CLOSING = 0x100,
  CLOSED = 0x101,
  ERROR = 0x102,
}

/** Close codes of RFC 6455 §7.4.1 and the IANA registry, with aiohttp's names. */
export enum WSCloseCode {
  OK = 1000,
  GOING_AWAY = 1001,
  PROTOCOL_ERROR = 1002,
  UNSUPPORTED_DATA = 1003,
  ABNORMAL_CLOSURE = 1006,
  INVALID_TEXT = 1007,
  POLICY_VIOLATION = 1008,
  MESSAGE_TOO_BIG = 1009,
  MANDATORY_EXTENSION = 1010,
  INTERNAL_ERROR = 1011,
  SERVICE_RESTART = 1012,
  TRY_AGAIN_LATER = 1013,
  BAD_GATEWAY = 1014,
}

/** A function that parses JSON text, like aiohttp's `loads` argument. */
export type JSONDecoder = (text: string) => unknown;
/** A function that serialises a value to JSON text, like aiohttp's `dumps` argument. */
export type JSONEncoder = (value: unknown) => string;

/** A text message; `data` is the decoded string. */
export class WSTextMessage {
  readonly type = WSMsgType.TEXT;
  readonly data: string;
  readonly extra = null;
  constructor(data: string) {
    this.data = data;
  }

  /** Parses `data` as JSON, like aiohttp's `msg.json()`. */
  json<T = unknown>(loads: JSONDecoder = JSON.parse): T {
    return loads(this.data) as T;
  }
}

/** A binary message; `data` is the payload. */
export class WSBinaryMessage {
  readonly type = WSMsgType.BINARY;
  readonly data: Buffer;
  readonly extra = null;
  constructor(data: Buffer) {
    this.data = data;
  }

  /**
   * Parses `data` as UTF-8 JSON, like aiohttp's `msg.json()` on bytes. The bytes must be valid
   * UTF-8 (RFC 8259 §8.1): otherwise a WebSocketError with code `ERR_WS_INVALID_TEXT` (closeCode
   * 1007), never text with U+FFFD in place of the bad bytes.
   */
  json<T = unknown>(loads: JSONDecoder = JSON.parse): T {
    if (!isUtf8(this.data)) throw protocolError('JSON message is not valid UTF-8', 1007);
    return loads(this.data.toString('utf8')) as T;
  }
}

/** A ping frame, surfaced only when autoping is off. */
export interface WSPingMessage {
  readonly type: WSMsgType.PING;
  readonly data: Buffer;
  readonly extra: null;
}

/** A pong frame, surfaced only when autoping is off. */
export interface WSPongMessage {
  readonly type: WSMsgType.PONG;
  readonly data: Buffer;
  readonly extra: null;
}

/** The peer's close frame: `data` is its close code, `extra` its reason. */
export interface WSCloseMessage {
  readonly type: WSMsgType.CLOSE;
  readonly data: number;
  readonly extra: string;
}

/** Returned while our own close handshake is in progress. */
export interface WSClosingMessage {
  readonly type: WSMsgType.CLOSING;
  readonly data: null;
  readonly extra: null;
}

/** Returned by every receive once the connection is closed. */
export interface WSClosedMessage {
  readonly type: WSMsgType.CLOSED;
  readonly data: null;
  readonly extra: null;
}

/** A failure (protocol error, heartbeat timeout, ...); `data` is the error. */
export interface WSErrorMessage {
  readonly type: WSMsgType.ERROR;
  readonly data: Error;
  readonly extra: null;
}

/** Any message `receive()` can return; narrow it on `type`. */
export type WSMessage =
  | WSTextMessage
  | WSBinaryMessage
  | WSPingMessage
  | WSPongMessage
  | WSCloseMessage
  | WSClosingMessage
  | WSClosedMessage
  | WSErrorMessage;

/** The shared CLOSING message (aiohttp's `WS_CLOSING_MESSAGE`). */
export const WS_CLOSING_MESSAGE: WSClosingMessage = Object.freeze({ type: WSMsgType.CLOSING, data: null, extra: null });
/** The shared CLOSED message (aiohttp's `WS_CLOSED_MESSAGE`). */
export const WS_CLOSED_MESSAGE: WSClosedMessage = Object.freeze({ type: WSMsgType.CLOSED, data: null, extra: null });

/** Builds a PING message. */
export function pingMessage(data: Buffer): WSPingMessage {
  return { type: WSMsgType.PING, data, extra: null };
}

/** Builds a PONG message. */
export function pongMessage(data: Buffer): WSPongMessage {
  return { type: WSMsgType.PONG, data, extra: null };
}

/** Builds a CLOSE message from the peer's close code and reason. */
export function closeMessage(code: number, reason: string): WSCloseMessage {
  return { type: WSMsgType.CLOSE, data: code, extra: reason };
}

/** Builds an ERROR message. */
export function errorMessage(err: Error): WSErrorMessage {
  return { type: WSMsgType.ERROR, data: err, extra: null };
}
