/**
 * aiohttp-ts: the async HTTP client, server and WebSocket toolkit of Python's aiohttp, for Node.js.
 * The client API and the shared types live here; the server is the `web` namespace.
 */
export { MultiDict, CIMultiDict, MultiDictProxy } from './common/multidict.js';
export type { MultiDictInit, MultiDictLike } from './common/multidict.js';
export { AppKey, RequestKey, ResponseKey } from './common/keys.js';
export * as hdrs from './common/hdrs.js';
export { parseContentType, isJsonMimetype } from './common/content-type.js';
export type { ParsedContentType } from './common/content-type.js';
export * as web from './server/index.js';
export * from './client/index.js';
