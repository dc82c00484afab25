/**
 * The server: aiohttp's `web` namespace. `import { web } from 'aiohttp-ts'` or
 * `import * as web from 'aiohttp-ts/web'`.
 *
 * @module aiohttp-ts/web
 */
// Our declarations use Buffer and node:* types: load Node's types for consumers even under
// `"types": []` (tsc --init's default); `preserve` keeps this line in the emitted .d.ts.
/// <reference types="node" preserve="true" />

// Application and lifecycle
export { Application, Signal, CleanupContext, CleanupError } from './application.js';
export type { ApplicationOptions, CleanupContextFn, Logger } from './application.js';
export { AppKey, RequestKey, ResponseKey } from '../common/keys.js';

// Routing
export { UrlDispatcher } from './router/url-dispatcher.js';
export type { RouteOptions, GetRouteOptions } from './router/url-dispatcher.js';
export { AbstractResource, PlainResource, DynamicResource, PrefixResource, ResourceRoute } from './router/resources.js';
export { StaticResource } from './router/static-resource.js';
export { PrefixedSubAppResource, MatchedSubAppResource } from './router/subapp-resource.js';
export type { StaticOptions } from './router/static-resource.js';
export type { Handler, HandlerFn, MatchResult, MaybePromise, ParamKeys, PathParams, UrlQuery } from './router/resources.js';
export { RouteDef, RouteTableDef, routes, route, get, head, post, put, patch, del as delete, any, view } from './router/route-def.js';
export { View } from './view.js';
export type { ViewClass } from './view.js';
export type { RouteDefOptions } from './router/route-def.js';

// Requests and responses
export { Request, BaseRequest } from './request.js';
export type { UpgradeInfo, RequestCloneOptions } from './request.js';
export { StreamResponse, Response, ResponseHeaders, ConnectionResetError, jsonResponse } from './response.js';
export type { StreamResponseOptions, ResponseOptions, JsonResponseOptions } from './response.js';
export { FileResponse, guessContentType } from './file-response.js';
export { FileField } from '../common/multipart/file-field.js';
export { MultipartReader, BodyPartReader, MultipartForm } from '../common/multipart/reader.js';
export type { MultipartLimits, ReadMultipartFormOptions } from '../common/multipart/reader.js';
export { EventSourceResponse, sse } from './sse.js';
export type { EventSourceResponseOptions, ServerSentEvent } from './sse.js';
export { chooseEncoding, isCompressible, ContentEncodingError, DecompressionLimitError } from './compression.js';
export type { CompressionOptions, ContentCoding } from './compression.js';
export type { FileResponseOptions } from './file-response.js';
export type { CookieOptions } from '../common/cookies/set-cookie.js';
export { InvalidHeaderError, CookieError } from '../common/header-errors.js';

// WebSockets
export { WebSocketResponse, serverWebSockets } from './ws.js';
// As aiohttp.web re-exports them: a server-only program needs the message types without the client.
export { WSMsgType, WSCloseCode } from '../websocket/models.js';
export type { WebSocketResponseOptions, WebSocketReady } from './ws.js';

// Middlewares
export { normalizePathMiddleware } from './middlewares.js';
export { forwardedMiddleware, parseForwarded } from './forwarded.js';
export type { ForwardedOptions } from './forwarded.js';
export type { Middleware, NormalizePathOptions } from './middlewares.js';

// HTTP exceptions
export {
  HTTPException, HTTPSuccessful, HTTPRedirection, HTTPError, HTTPClientError, HTTPServerError, HTTPMove,
  HTTPOk, HTTPCreated, HTTPAccepted, HTTPNonAuthoritativeInformation, HTTPNoContent, HTTPResetContent, HTTPPartialContent,
  HTTPMultipleChoices, HTTPMovedPermanently, HTTPFound, HTTPSeeOther, HTTPNotModified, HTTPUseProxy,
  HTTPTemporaryRedirect, HTTPPermanentRedirect,
  HTTPBadRequest, HTTPUnauthorized, HTTPPaymentRequired, HTTPForbidden, HTTPNotFound, HTTPMethodNotAllowed,
  HTTPNotAcceptable, HTTPProxyAuthenticationRequired, HTTPRequestTimeout, HTTPConflict, HTTPGone,
  HTTPLengthRequired, HTTPPreconditionFailed, HTTPRequestEntityTooLarge, HTTPRequestURITooLong,
  HTTPUnsupportedMediaType, HTTPRequestRangeNotSatisfiable, HTTPExpectationFailed, HTTPMisdirectedRequest,
  HTTPUnprocessableEntity, HTTPFailedDependency, HTTPUpgradeRequired, HTTPPreconditionRequired,
  HTTPTooManyRequests, HTTPRequestHeaderFieldsTooLarge, HTTPUnavailableForLegalReasons,
  HTTPInternalServerError, HTTPNotImplemented, HTTPBadGateway, HTTPServiceUnavailable, HTTPGatewayTimeout,
  HTTPVersionNotSupported, HTTPVariantAlsoNegotiates, HTTPInsufficientStorage, HTTPNotExtended,
  HTTPNetworkAuthenticationRequired,
} from './exceptions.js';
export type { HTTPExceptionOptions } from './exceptions.js';

// Running
export { AppRunner, BaseSite, TCPSite, UnixSite, SockSite, runApp } from './runner.js';
export type { AppRunnerOptions, TCPSiteOptions, RunAppOptions, AppOrFactory } from './runner.js';
export { resolveWorkers, isWorkerProcess } from './workers.js';
export { HealthCheck, healthRoutes } from './health.js';
export type { HealthRoutesOptions } from './health.js';
export type { WorkersOption } from './workers.js';
export { ServerProtocol } from './protocol.js';
export { AccessLogger, DEFAULT_ACCESS_LOG_FORMAT } from './access-log.js';
export type { AccessLogSink } from './access-log.js';
