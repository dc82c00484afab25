/**
 * The application (aiohttp `web_app.py`): router, middlewares, lifecycle signals, cleanup
 * contexts and typed state. `freeze()` precomputes the router index and one middleware chain per
 * route, so a request does no composition work.
 */
import type { AppKey } from '../common/keys.js';
import { resolveCompression, type CompressionOptions, type ResolvedCompression } from './compression.js';
import { HTTPMethodNotAllowed, HTTPNotFound } from './exceptions.js';
import type { Middleware } from './middlewares.js';
import type { Request } from './request.js';
import type { StreamResponse } from './response.js';
import type { HandlerFn, MaybePromise } from './router/resources.js';
import type { RouteDef } from './router/route-def.js';
import { UrlDispatcher } from './router/url-dispatcher.js';
import { MatchedSubAppResource, PrefixedSubAppResource } from './router/subapp-resource.js';
import type { ResourceRoute } from './router/resources.js';

/** A list of async callbacks run in order by `send()`; frozen with the application (aiohttp `Signal`). */
export class Signal<A extends unknown[]> implements Iterable<(...args: A) => MaybePromise<void>> {
  readonly #handlers: Array<(...args: A) => MaybePromise<void>> = [];
  #frozen = false;

  /** Appends callbacks; a frozen signal throws. */
  push(...fns: Array<(...args: A) => MaybePromise<void>>): number {
    if (this.#frozen) throw new Error('Cannot modify frozen signal');
    for (const fn of fns) if (typeof fn !== 'function') throw new TypeError('signal handlers must be functions');
    return this.#handlers.push(...fns);
  }

  /** Removes a callback; returns whether it was there. */
  remove(fn: (...args: A) => MaybePromise<void>): boolean {
    if (this.#frozen) throw new Error('Cannot modify frozen signal');
    const i = this.#handlers.indexOf(fn);
    if (i === -1) return false;
    this.#handlers.splice(i, 1);
    return true;
  }

  get length(): number {
    return this.#handlers.length;
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  freeze(): void {
    this.#frozen = true;
  }

  /** Calls every callback in order, awaiting each. */
  async send(...args: A): Promise<void> {
    const hs = this.#handlers;
    for (let i = 0; i < hs.length; i++) await hs[i]!(...args);
  }

  [Symbol.iterator](): Iterator<(...args: A) => MaybePromise<void>> {
    return this.#handlers[Symbol.iterator]();
  }
}

/** A cleanup context: setup before its single `yield`, teardown after it. */
export type CleanupContextFn = (app: Application) => AsyncGenerator<unknown, void, unknown> | AsyncIterator<unknown>;

/** Several errors from cleanup callbacks. */
export class CleanupError extends AggregateError {
  override name = 'CleanupError';
  readonly code: string = 'ERR_CLEANUP';
}

/** Cleanup contexts, run on startup in order and torn down on cleanup in reverse (aiohttp `CleanupContext`). */
export class CleanupContext implements Iterable<CleanupContextFn> {
  readonly #fns: CleanupContextFn[] = [];
  #running: AsyncIterator<unknown>[] = [];
  #frozen = false;

  /** Appends cleanup contexts; a frozen application throws. */
  push(...fns: CleanupContextFn[]): number {
    if (this.#frozen) throw new Error('Cannot modify frozen signal');
    for (const fn of fns) if (typeof fn !== 'function') throw new TypeError('cleanup contexts must be async generator functions');
    return this.#fns.push(...fns);
  }

  get length(): number {
    return this.#fns.length;
  }

  freeze(): void {
    this.#frozen = true;
  }

  [Symbol.iterator](): Iterator<CleanupContextFn> {
    return this.#fns[Symbol.iterator]();
  }

  /** @internal */
  async _onStartup(app: Application): Promise<void> {
    for (const fn of this.#fns) {
      const it = fn(app);
      const first = await it.next();
      if (first.done) throw new Error(`cleanup context ${fn.name || '<anonymous>'} did not yield`);
      this.#running.push(it);
    }
  }

  /** @internal */
  async _onCleanup(): Promise<void> {
    const errors: unknown[] = [];
    const running = this.#running.reverse();
    this.#running = [];
    for (const it of running) {
      try {
        const r = await it.next();
        if (!r.done) errors.push(new Error("a cleanup context has more than one 'yield'"));
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new CleanupError(errors, 'Multiple errors on cleanup stage');
  }
}

/** Where the application logs unhandled errors; `console` by default. */
export interface Logger {
  error(...args: unknown[]): void;
  warn?(...args: unknown[]): void;
  info?(...args: unknown[]): void;
}

/** Options of Application. */
export interface ApplicationOptions {
  /** Applied in order: the first is the outermost. */
  middlewares?: Iterable<Middleware>;
  /** Largest body `request.read()` accepts, in bytes (default 1 MiB); 0 disables the limit. A route may set its own. */
  clientMaxSize?: number;
  logger?: Logger;
  /** Compress responses (br, gzip, deflate from Accept-Encoding) unless small, encoded or incompressible. */
  compression?: boolean | CompressionOptions;
}

/** Builds an exception without capturing a stack: for router 404/405s the stack says nothing. */
function stackless<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function notFound(): never {
  throw stackless(() => new HTTPNotFound());
}

function notAllowed(request: Request): never {
  throw stackless(() => new HTTPMethodNotAllowed(request.method, request._match?.allowedMethods ?? []));
}

function checkMiddleware(m: unknown): void {
  if (typeof m !== 'function') throw new TypeError('middlewares must be functions (request, handler) => response');
}

/**
 * `list` behind a proxy that refuses every change once `frozen()` (push, splice, index writes, length
 * writes all go through these traps), and checks that added items are middlewares. A proxy keeps it
 * a real array for readers (`Array.isArray`, indexing, iteration); it is read only when the app freezes.
 */
function guardList(list: Middleware[], frozen: () => boolean): Middleware[] {
  const refuse = (): never => {
    throw new Error('Cannot modify frozen list: app.middlewares cannot change once the application is frozen (it freezes when first served); add middlewares before that');
  };
  return new Proxy(list, {
    set(target, key, value, receiver) {
      if (frozen()) refuse();
      if (typeof key === 'string' && key !== 'length') checkMiddleware(value);
      return Reflect.set(target, key, value, receiver);
    },
    defineProperty(target, key, desc) {
      if (frozen()) refuse();
      if (typeof key === 'string' && key !== 'length' && 'value' in desc) checkMiddleware(desc.value);
      return Reflect.defineProperty(target, key, desc);
    },
    deleteProperty(target, key) {
      if (frozen()) refuse();
      return Reflect.deleteProperty(target, key);
    },
  });
}

/**
 * A web application: routes, middlewares, signals and state.
 * @example
 * const app = new web.Application();
 * app.router.addGet('/', () => new web.Response({ text: 'Hello' }));
 * await web.runApp(app, { port: 8080 });
 */
export class Application {
  readonly router: UrlDispatcher;
  /**
   * Applied in order, the first outermost. An ordinary array until the application is frozen (when
   * it is first served): `app.middlewares.push(mw)` works before that and throws after it, like
   * aiohttp's FrozenList.
   */
  readonly middlewares: Middleware[];
  readonly clientMaxSize: number;
  readonly logger: Logger;
  /** @internal Response compression for every response of this app, unless a response says otherwise. */
  readonly _compression: ResolvedCompression | undefined;
  readonly onStartup = new Signal<[Application]>();
  readonly onShutdown = new Signal<[Application]>();
  readonly onCleanup = new Signal<[Application]>();
  readonly onResponsePrepare = new Signal<[Request, StreamResponse]>();
  readonly cleanupCtx = new CleanupContext();
  readonly #state = new Map<AppKey<unknown>, unknown>();
  #frozen = false;
  #stateFrozen = false;
  #closing = false;
  /** Between startup() and the end of cleanup(). */
  #running = false;
  readonly #subapps: Application[] = [];
  readonly #domains: MatchedSubAppResource[] = [];
  /** @internal The 404 handler wrapped in the middlewares. */
  _notFoundChain: HandlerFn = notFound;
  /** @internal The 405 handler wrapped in the middlewares. */
  _notAllowedChain: HandlerFn = notAllowed;

  constructor(options: ApplicationOptions = {}) {
    const { middlewares = [], clientMaxSize = 1024 ** 2, logger = console } = options;
    if (!Number.isSafeInteger(clientMaxSize) || clientMaxSize < 0) throw new RangeError(`clientMaxSize must be a non-negative integer, got ${clientMaxSize}`);
    const list = [...middlewares];
    for (const m of list) checkMiddleware(m);
    this.middlewares = guardList(list, () => this.#frozen);
    this.clientMaxSize = clientMaxSize;
    this.logger = logger;
    const c = options.compression;
    this._compression = c === undefined || c === false ? undefined : resolveCompression(c === true ? {} : c);
    this.router = new UrlDispatcher();
  }

  /** @internal Set while a runner shuts down: responses then close their connection (sub-applications too). */
  get _closing(): boolean {
    return this.#closing;
  }
  set _closing(value: boolean) {
    this.#closing = value;
    for (const a of this.#subapps) a._closing = value;
  }

  /**
   * Mounts `subapp` under `prefix`: its routes answer at `prefix + path`, this app's middlewares
   * run first and then its own, its signals run with this app's, and `request.app` is the sub-app.
   * @example
   * const admin = new web.Application({ middlewares: [requireLogin] });
   * admin.router.addGet('/users', listUsers, { name: 'users' });
   * app.addSubapp('/admin', admin);
   * admin.router.urlFor('users'); // '/admin/users'
   */
  addSubapp(prefix: string, subapp: Application): PrefixedSubAppResource {
    this.#checkSubapp(subapp);
    const resource = new PrefixedSubAppResource(prefix, subapp);
    subapp.router._addPrefix(resource.prefix);
    this.router.register(resource);
    this.#adopt(subapp);
    return resource;
  }

  /**
   * Sends requests whose Host is `domain` (`example.com`, `example.com:8080` or `*.example.com`) to
   * `subapp`; domains are checked before this app's routes.
   */
  addDomain(domain: string, subapp: Application): MatchedSubAppResource {
    this.#checkSubapp(subapp);
    const resource = new MatchedSubAppResource(domain, subapp);
    this.router.register(resource);
    this.#domains.push(resource);
    this.#adopt(subapp);
    return resource;
  }

  #checkSubapp(subapp: Application): void {
    if (this.#frozen) throw new Error('Cannot add a sub-application: the application has started');
    if (!(subapp instanceof Application)) throw new TypeError('subapp must be an Application');
    if (subapp === this) throw new TypeError('an application cannot be its own sub-application');
    if (subapp.frozen) throw new Error('Cannot add a frozen application as a sub-application');
  }

  /** aiohttp `_reg_subapp_signals`: the sub-app's lifecycle runs inside this app's. */
  #adopt(subapp: Application): void {
    this.#subapps.push(subapp);
    this.onStartup.push(() => subapp.startup());
    this.onShutdown.push(() => subapp.shutdown());
    this.onCleanup.push(() => subapp.cleanup());
  }

  /** Registers route definitions: `[web.get('/', h)]` or a `web.routes()` table. */
  addRoutes(defs: Iterable<RouteDef>): ResourceRoute[] {
    const out: ResourceRoute[] = [];
    for (const def of defs) out.push(...def.register(this.router));
    return out;
  }

  /** Stores typed state; refused once startup has finished (startup hooks and cleanup contexts may set it). */
  set<T>(key: AppKey<T>, value: T): void {
    if (this.#stateFrozen) throw new Error(`Cannot set ${key.name}: changing the state of a started application is forbidden`);
    this.#state.set(key as AppKey<unknown>, value);
  }

  /** The state for `key`; a missing key throws a RangeError naming it. */
  get<T>(key: AppKey<T>): T {
    if (!this.#state.has(key as AppKey<unknown>)) throw new RangeError(`application state has no key ${key.name}`);
    return this.#state.get(key as AppKey<unknown>) as T;
  }

  has(key: AppKey<unknown>): boolean {
    return this.#state.has(key);
  }

  delete(key: AppKey<unknown>): boolean {
    if (this.#stateFrozen) throw new Error(`Cannot delete ${key.name}: changing the state of a started application is forbidden`);
    return this.#state.delete(key);
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  /** Freezes routes, signals and state, and precomputes each route's middleware chain. */
  freeze(): void {
    if (this.#frozen) return;
    this.#frozen = true;
    for (const a of this.#subapps) a.freeze();
    this.router.freeze();
    this.onStartup.freeze();
    this.onShutdown.freeze();
    this.onCleanup.freeze();
    this.onResponsePrepare.freeze();
    this.cleanupCtx.freeze();
    for (const route of this.router.routes()) route._chain = this.#wrap(route.handler);
    this._notFoundChain = this.#wrap(notFound);
    this._notAllowedChain = this.#wrap(notAllowed);
  }

  /** A route with no middlewares calls its handler directly (STYLE §4). */
  #wrap(handler: HandlerFn): HandlerFn {
    let h = handler;
    for (let i = this.middlewares.length - 1; i >= 0; i--) {
      const mw = this.middlewares[i]!;
      const next = h;
      h = (request) => mw(request, next);
    }
    return h;
  }

  /** @internal Whether `path` (a full routing path) reaches a route here or in a sub-application. */
  _resolves(method: string, path: string): boolean {
    const m = this.router.resolve(method, path);
    const r = m.route?.resource;
    if (r instanceof PrefixedSubAppResource) return r.app._resolves(method, path.slice(r.prefix.length));
    return m.route !== null;
  }

  /** Runs cleanup contexts' setup, then onStartup; refused while a previous run has not been cleaned up. */
  async startup(): Promise<void> {
    if (this.#running) throw new Error('Cannot start the application: it is already running (call cleanup() on its runner, or close its TestServer/TestClient, first)');
    this.#running = true;
    try {
      await this.cleanupCtx._onStartup(this);
      await this.onStartup.send(this);
    } catch (err) {
      this.#running = false;
      throw err;
    }
    // As aiohttp's runner: routes and signals freeze before startup, state only after it.
    this.#stateFrozen = true;
  }

  /** Runs onShutdown. */
  async shutdown(): Promise<void> {
    await this.onShutdown.send(this);
  }

  /**
   * Tears cleanup contexts down in reverse, then runs onCleanup. The application is then as before
   * its startup (state writable, keep-alive on), so another runner may serve it: a TestClient's app
   * can go on to `runApp`.
   */
  async cleanup(): Promise<void> {
    let ctxError: unknown;
    try {
      await this.cleanupCtx._onCleanup();
    } catch (err) {
      ctxError = err;
    }
    try {
      await this.onCleanup.send(this);
    } finally {
      this.#stateFrozen = false;
      this._closing = false;
      this.#running = false;
    }
    if (ctxError !== undefined) throw ctxError;
  }

  /**
   * @internal Resolves the route and runs its chain; may return synchronously. `path` is given when
   * a sub-application resource hands the request over (its prefix cut off).
   */
  _handle(request: Request, path?: string): MaybePromise<StreamResponse> {
    if (!this.#frozen) this.freeze();
    if (path === undefined) {
      path = request._pathSafe;
      const domains = this.#domains;
      if (domains.length !== 0) {
        const host = request.host;
        for (let i = 0; i < domains.length; i++) {
          const route = domains[i]!._routeFor(request.method)!;
          if (!domains[i]!._matchHost(host)) continue;
          request._match = (route._staticMatch ??= Object.freeze({ route, matchInfo: Object.freeze({}), allowedMethods: null }));
          return route._chain(request);
        }
      }
    } else {
      request._enterApp(this);
      request._routePath = path;
    }
    const match = this.router.resolve(request.method, path);
    request._match = match;
    const route = match.route;
    if (route !== null) return route._chain(request);
    return match.allowedMethods === null ? this._notFoundChain(request) : this._notAllowedChain(request);
  }
}
