/**
 * TraceConfig, as aiohttp's `tracing.py`: lists of callbacks run at points of a request's life.
 * Each callback gets `(session, traceConfigCtx, params)`; `traceConfigCtx` is a fresh object per
 * request (from `traceConfigCtx` factory) so callbacks can keep timing state on it.
 * Connection and DNS events come from the connector; undici does not tie sockets to requests, so
 * they are attributed to the oldest traced request waiting on that origin.
 */
import type { CIMultiDict } from '../common/multidict.js';
import type { ClientResponse } from './response.js';
import type { ClientSession } from './session.js';

/** One trace signal: callbacks run in order; async ones are awaited where the client can wait. */
export type TraceSignal<P> = Array<(session: ClientSession, ctx: Record<string, unknown>, params: P) => void | Promise<void>>;

/** Params of `onRequestStart`. */
export interface TraceRequestStartParams { readonly method: string; readonly url: URL; readonly headers: CIMultiDict }
/** Params of `onRequestChunkSent`: one body chunk written. */
export interface TraceRequestChunkSentParams { readonly method: string; readonly url: URL; readonly chunk: Buffer }
/** Params of `onResponseChunkReceived`: one body chunk read from the socket. */
export interface TraceResponseChunkReceivedParams { readonly method: string; readonly url: URL; readonly chunk: Buffer }
/** Params of `onRequestEnd`: status and headers have arrived. */
export interface TraceRequestEndParams { readonly method: string; readonly url: URL; readonly headers: CIMultiDict; readonly response: ClientResponse }
/** Params of `onRequestException`. */
export interface TraceRequestExceptionParams { readonly method: string; readonly url: URL; readonly headers: CIMultiDict; readonly exception: Error }
/** Params of `onRequestRedirect`: `response` is the redirect. */
export interface TraceRequestRedirectParams { readonly method: string; readonly url: URL; readonly headers: CIMultiDict; readonly response: ClientResponse }
/** Params of `onRequestHeadersSent` (fired once the request, body included, is written). */
export interface TraceRequestHeadersSentParams { readonly method: string; readonly url: URL; readonly headers: CIMultiDict }
/** Params of the connection signals (none). */
export type TraceConnectionParams = Record<string, never>;
/** Params of the DNS signals. */
export interface TraceDnsParams { readonly host: string }

/** Options of `new TraceConfig()`. */
export interface TraceConfigOptions {
  /** Builds the per-request context object; gets `traceRequestCtx` from the request's options. */
  traceConfigCtxFactory?: (traceRequestCtx: unknown) => Record<string, unknown>;
}

/**
 * Callbacks on request and connection events of every request of a session.
 *
 * @example
 * const tc = new TraceConfig();
 * tc.onRequestStart.push((session, ctx) => { ctx.start = performance.now(); });
 * tc.onRequestEnd.push((session, ctx, p) => console.log(p.url.href, performance.now() - (ctx.start as number)));
 * const session = new ClientSession({ traceConfigs: [tc] });
 */
export class TraceConfig {
  readonly onRequestStart: TraceSignal<TraceRequestStartParams> = [];
  readonly onRequestChunkSent: TraceSignal<TraceRequestChunkSentParams> = [];
  readonly onResponseChunkReceived: TraceSignal<TraceResponseChunkReceivedParams> = [];
  readonly onRequestEnd: TraceSignal<TraceRequestEndParams> = [];
  readonly onRequestException: TraceSignal<TraceRequestExceptionParams> = [];
  readonly onRequestRedirect: TraceSignal<TraceRequestRedirectParams> = [];
  readonly onRequestHeadersSent: TraceSignal<TraceRequestHeadersSentParams> = [];
  readonly onConnectionQueuedStart: TraceSignal<TraceConnectionParams> = [];
  readonly onConnectionQueuedEnd: TraceSignal<TraceConnectionParams> = [];
  readonly onConnectionCreateStart: TraceSignal<TraceConnectionParams> = [];
  readonly onConnectionCreateEnd: TraceSignal<TraceConnectionParams> = [];
  readonly onConnectionReuseconn: TraceSignal<TraceConnectionParams> = [];
  readonly onDnsResolvehostStart: TraceSignal<TraceDnsParams> = [];
  readonly onDnsResolvehostEnd: TraceSignal<TraceDnsParams> = [];
  readonly onDnsCacheHit: TraceSignal<TraceDnsParams> = [];
  readonly onDnsCacheMiss: TraceSignal<TraceDnsParams> = [];
  readonly #factory: (traceRequestCtx: unknown) => Record<string, unknown>;
  #frozen = false;

  constructor(options: TraceConfigOptions = {}) {
    this.#factory = options.traceConfigCtxFactory ?? ((traceRequestCtx) => ({ traceRequestCtx }));
  }

  /** A context object for one request. */
  traceConfigCtx(traceRequestCtx?: unknown): Record<string, unknown> {
    return this.#factory(traceRequestCtx);
  }

  /** Freezes the signal lists (done when a session starts using the config). */
  freeze(): void {
    if (this.#frozen) return;
    this.#frozen = true;
    for (const v of Object.values(this)) if (Array.isArray(v)) Object.freeze(v);
  }

  get frozen(): boolean {
    return this.#frozen;
  }
}

type SignalName = {
  [K in keyof TraceConfig]: TraceConfig[K] extends TraceSignal<infer _P> ? K : never;
}[keyof TraceConfig];
type ParamsOf<K extends SignalName> = TraceConfig[K] extends TraceSignal<infer P> ? P : never;

/** @internal The trace of one request: every config with its context. */
export class Trace {
  readonly #session: ClientSession;
  readonly #items: Array<[TraceConfig, Record<string, unknown>]>;
  constructor(session: ClientSession, configs: readonly TraceConfig[], traceRequestCtx: unknown) {
    this.#session = session;
    this.#items = configs.map((c) => [c, c.traceConfigCtx(traceRequestCtx)]);
  }

  /** Runs a signal's callbacks in order and waits for them. */
  async send<K extends SignalName>(name: K, params: ParamsOf<K>): Promise<void> {
    for (const [config, ctx] of this.#items) {
      const list = config[name] as TraceSignal<ParamsOf<K>>;
      for (const fn of list) await fn(this.#session, ctx, params);
    }
  }

  /** Runs a signal from a synchronous place; a failing callback becomes a process warning. */
  fire<K extends SignalName>(name: K, params: ParamsOf<K>): void {
    this.send(name, params).catch((err: unknown) => {
      process.emitWarning(`trace callback ${name} failed: ${String(err)}`, { code: 'AIOHTTP_TS_TRACE_ERROR' });
    });
  }
}
