/**
 * The client API (`aiohttp-ts/client`), as aiohttp's client: sessions, requests, responses, errors.
 *
 * @module aiohttp-ts/client
 */
// Our declarations use Buffer and node:* types: load Node's types for consumers even under
// `"types": []` (tsc --init's default); `preserve` keeps this line in the emitted .d.ts.
/// <reference types="node" preserve="true" />

// Session, requests and responses
export { ClientSession } from './session.js';
export type { ClientSessionOptions, RequestOptions, RaiseForStatus } from './session.js';
export { ClientRequest, RequestInfo, BasicAuth } from './request.js';
export type { RequestData, Progress, CIMultiDictProxy } from './request.js';
export { ClientResponse } from './response.js';
export type { JsonOptions, TextOptions } from './response.js';
export { parseLinkHeader } from './links.js';
export type { LinkInfo } from './links.js';
export { ClientTimeout, DEFAULT_TIMEOUT } from './timeout.js';
export type { ClientTimeoutOptions } from './timeout.js';

// WebSockets
export { ClientWebSocketResponse } from './ws.js';
export type { WSConnectOptions } from './ws.js';

// Connectors
export { TCPConnector, UnixConnector, Fingerprint } from './connector.js';
export type { TCPConnectorOptions, UnixConnectorOptions, ConnectorStats, SSLOption, AbstractResolver, ResolveResult } from './connector.js';

// Middlewares and tracing
export { buildChain, retryMiddleware } from './middlewares.js';
export type { ClientMiddleware, ClientHandler, RetryOptions } from './middlewares.js';
export { digestAuthMiddleware, parseDigestChallenge } from './digest-auth.js';
export type { DigestAuthOptions } from './digest-auth.js';
export { TraceConfig } from './tracing.js';
export type {
  TraceConfigOptions,
  TraceSignal,
  TraceRequestStartParams,
  TraceRequestChunkSentParams,
  TraceResponseChunkReceivedParams,
  TraceRequestEndParams,
  TraceRequestExceptionParams,
  TraceRequestRedirectParams,
  TraceRequestHeadersSentParams,
  TraceConnectionParams,
  TraceDnsParams,
} from './tracing.js';

// Errors
export {
  ClientError,
  ClientResponseError,
  ClientResponseParseError,
  ContentTypeError,
  WSServerHandshakeError,
  ClientHttpProxyError,
  TooManyRedirects,
  ClientConnectionError,
  ClientConnectionResetError,
  ClientOSError,
  ClientConnectorError,
  ClientConnectorDNSError,
  ClientProxyConnectionError,
  UnixClientConnectorError,
  ClientConnectorSSLError,
  ClientConnectorCertificateError,
  ServerConnectionError,
  ServerDisconnectedError,
  ServerTimeoutError,
  ConnectionTimeoutError,
  SocketTimeoutError,
  ServerFingerprintMismatch,
  ClientPayloadError,
  ContentTooLargeError,
  DecompressionRatioError,
  UnknownEncodingError,
  JSONDecodeError,
  InvalidURL,
  InvalidUrlClientError,
  InvalidUrlRedirectClientError,
  NonHttpUrlClientError,
  NonHttpUrlRedirectClientError,
  RedirectBodyError,
  ClientSessionClosedError,
  isTimeoutError,
  isOSError,
  fromUndiciError,
} from './errors.js';
export type { TimeoutKind, ClientResponseErrorOptions } from './errors.js';

// Bodies, forms, streams, cookies, URLs
export { FormData } from '../common/form-data.js';
export type { FormDataOptions, FormFieldOptions, FormFieldValue } from '../common/form-data.js';
export { MultipartWriter, InvalidPartHeaderError } from '../common/multipart/writer.js';
export { Payload, BytesPayload, StringPayload, JsonPayload, FormUrlEncodedPayload, StreamPayload, FilePayload, BlobPayload } from '../common/payload.js';
export { StreamReader, IncompleteReadError, LineTooLongError } from '../common/streams.js';
export { CookieJar, DummyCookieJar, Cookie } from '../common/cookies/cookie-jar.js';
export type { AbstractCookieJar, CookieJarOptions, CookieJarJSON, CookiesInit } from '../common/cookies/cookie-jar.js';
export { encodeParams } from '../common/url.js';
export type { Params, QueryValue } from '../common/url.js';
