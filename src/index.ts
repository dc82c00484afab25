/**
 * aiohttp-ts: the async HTTP client, server and WebSocket toolkit of Python's aiohttp, for Node.js.
 * The client API and the shared types live here; the server is the `web` namespace.
 *
 * @module aiohttp-ts
 */
// Our declarations use Buffer and node:* types: load Node's types for consumers even under
// `"types": []` (tsc --init's default); `preserve` keeps this line in the emitted .d.ts.
/// <reference types="node" preserve="true" />
export { MultiDict, CIMultiDict, MultiDictProxy } from './common/multidict.js';
export type { MultiDictInit, MultiDictLike } from './common/multidict.js';
export { AppKey, RequestKey, ResponseKey } from './common/keys.js';
export * as hdrs from './common/hdrs.js';
export { parseContentType, isJsonMimetype } from './common/content-type.js';
export type { ParsedContentType } from './common/content-type.js';
export * as web from './server/index.js';
export * from './client/index.js';

// WebSockets (shared by web.WebSocketResponse and the client's ClientWebSocketResponse)
export { WSMsgType, WSCloseCode, WSTextMessage, WSBinaryMessage } from './websocket/models.js';
export type {
  WSMessage, WSPingMessage, WSPongMessage, WSCloseMessage, WSClosingMessage, WSClosedMessage, WSErrorMessage,
} from './websocket/models.js';
export type {
  WSDataMessage, WSCloseOptions, WSSendOptions, WSSendJsonOptions, WSReceiveJsonOptions, WSExtraInfo, WebSocketLike,
} from './websocket/connection.js';
export type { CompressOption, DeflateOptions } from './websocket/ws-adapter.js';
// Handshake failures surface as the client's WSServerHandshakeError / ClientConnectorError and the
// server's HTTP exceptions, so the shared layer's handshake errors stay internal.
export {
  WebSocketError, WSConnectionClosedError, WSTimeoutError, WSReceiveTimeoutError, WSHeartbeatTimeoutError,
  WSCloseTimeoutError, WSMessageTypeError, isWSTimeoutError,
} from './websocket/errors.js';
export { WebSocketSet } from './websocket/websocket-set.js';
export type { CloseAllOptions } from './websocket/websocket-set.js';
