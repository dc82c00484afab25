/**
 * The router (aiohttp `web_urldispatcher.py` `UrlDispatcher`). Resolution order: an exact-path Map
 * of plain resources first (static beats dynamic), then the dynamic resources whose first segment
 * is the request's, then those starting with a parameter; each group sorted so that at the first
 * differing segment, static text beats `{name}`, which beats `{name:regex}`. A path that matches
 * only with the wrong method collects the allowed methods for a 405.
 */
import { METH_ANY, METH_DELETE, METH_GET, METH_HEAD, METH_PATCH, METH_POST, METH_PUT } from '../../common/hdrs.js';
import { viewHandler, type ViewClass } from '../view.js';
import { StaticResource, type StaticOptions } from './static-resource.js';
import {
  AbstractResource,
  DynamicResource,
  PlainResource,
  PrefixResource,
  type Handler,
  type HandlerFn,
  type MatchResult,
  type ResourceRoute,
  type ResourceRouteOptions,
  type UrlQuery,
} from './resources.js';

/** Options for `router.addRoute` and friends. */
export interface RouteOptions extends ResourceRouteOptions {
  /** A unique name, for `router.urlFor(name)`. */
  name?: string;
}

/** Options for `router.addGet`. */
export interface GetRouteOptions extends RouteOptions {
  /** Also answer HEAD with this handler (default true). */
  allowHead?: boolean;
}

const NOT_FOUND: MatchResult = Object.freeze({ route: null, matchInfo: Object.freeze({}), allowedMethods: null });

/** Splits the first segment off a path: `/users/1` gives `users`. */
function firstSegment(path: string): string {
  const j = path.indexOf('/', 1);
  return j === -1 ? path.slice(1) : path.slice(1, j);
}

function compareShape(a: AbstractResource, b: AbstractResource): number {
  const sa = (a as DynamicResource)._shape;
  const sb = (b as DynamicResource)._shape;
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) if (sa[i] !== sb[i]) return sa[i]! - sb[i]!;
  return 0;
}

/**
 * Whether every `%` of a raw path starts a two-hex-digit escape and the escapes decode to valid
 * UTF-8 (`/%zz`, `/abc%`, `/%4`, the truncated `/%e4%b8` and `/%ff%fe` do not). The server answers
 * a path that fails this with 400 before routing, so the decoders below never meet one.
 */
export function isValidPercentPath(raw: string): boolean {
  if (raw.indexOf('%') === -1) return true;
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) return false;
  try {
    decodeURIComponent(raw);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes a path for routing the way aiohttp's `path_safe` does: every escape except `%2F` and
 * `%25`, so an encoded slash never splits a segment. Malformed escapes are left as they are.
 */
export function decodePathSafe(raw: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw.replace(/%(2F|25)/gi, '%25$1'));
  } catch {
    return raw;
  }
}

/** Fully decodes a path (`request.path`); a malformed escape leaves the raw path. */
export function decodePath(raw: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The application router: `app.router.addGet('/users/{id}', handler)`. */
export class UrlDispatcher {
  readonly #resources: AbstractResource[] = [];
  readonly #plain = new Map<string, AbstractResource[]>();
  readonly #byFirst = new Map<string, AbstractResource[]>();
  /** Resources whose first segment is a parameter, and any custom resource without an index key. */
  #wild: AbstractResource[] = [];
  readonly #named = new Map<string, AbstractResource>();
  #urlPrefix = '';
  #dirty = false;
  #frozen = false;

  /** Whether `freeze()` ran; a frozen router refuses new routes. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** Precomputes the index order; called by `Application.freeze()`. */
  freeze(): void {
    this.#sort();
    this.#frozen = true;
  }

  #checkMutable(): void {
    if (this.#frozen) throw new Error('Cannot register a route: the router is frozen (the application has started)');
  }

  /**
   * Registers a resource built elsewhere (static files, sub-applications); it is tried after the
   * indexed ones unless it is a Plain or Dynamic resource.
   */
  register<R extends AbstractResource>(resource: R): R {
    this.#checkMutable();
    const name = resource.name;
    if (name !== undefined) {
      if (this.#named.has(name)) throw new Error(`Duplicate route name ${JSON.stringify(name)}`);
      this.#named.set(name, resource);
    }
    this.#resources.push(resource);
    if (this.#urlPrefix) resource._addPrefix(this.#urlPrefix);
    if (resource instanceof PlainResource) {
      const same = this.#plain.get(resource.canonical);
      if (same) same.push(resource);
      else this.#plain.set(resource.canonical, [resource]);
    } else if ((resource instanceof DynamicResource || resource instanceof PrefixResource) && resource._firstSegment) {
      const key = resource._firstSegment;
      let bucket = this.#byFirst.get(key);
      if (!bucket) this.#byFirst.set(key, (bucket = []));
      bucket.push(resource);
    } else {
      this.#wild.push(resource);
    }
    this.#dirty = true;
    return resource;
  }

  /** The resource for `path`: the existing one when path and name agree, as aiohttp reuses its last resource. */
  addResource(path: string, options: Pick<RouteOptions, 'name'> = {}): AbstractResource {
    this.#checkMutable();
    if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) {
      throw new TypeError(`path should start with '/', got ${JSON.stringify(path)}`);
    }
    const { name } = options;
    // Unnamed routes join any resource with the same path; a name joins one with that name.
    for (const r of this.#resources) if (r.canonical === path && (name === undefined || r.name === name)) return r;
    return this.register(path.includes('{') || path.includes('}') ? new DynamicResource(path, name) : new PlainResource(path, name));
  }

  /**
   * Adds a handler for `method` (`'*'` for any) on `path`; `clientMaxSize` overrides the
   * application's body limit for this route.
   */
  addRoute<P extends string>(method: string, path: P, handler: Handler<P>, options: RouteOptions = {}): ResourceRoute {
    return this.addResource(path, options).addRoute(method, handler as unknown as HandlerFn, options);
  }

  /** Adds a GET handler, which also answers HEAD unless `allowHead` is false. */
  addGet<P extends string>(path: P, handler: Handler<P>, options: GetRouteOptions = {}): ResourceRoute {
    const { allowHead = true, ...rest } = options;
    const resource = this.addResource(path, rest);
    if (allowHead) resource.addRoute(METH_HEAD, handler as unknown as HandlerFn, rest);
    return resource.addRoute(METH_GET, handler as unknown as HandlerFn, rest);
  }

  addHead<P extends string>(path: P, handler: Handler<P>, options?: RouteOptions): ResourceRoute {
    return this.addRoute(METH_HEAD, path, handler, options);
  }
  addPost<P extends string>(path: P, handler: Handler<P>, options?: RouteOptions): ResourceRoute {
    return this.addRoute(METH_POST, path, handler, options);
  }
  addPut<P extends string>(path: P, handler: Handler<P>, options?: RouteOptions): ResourceRoute {
    return this.addRoute(METH_PUT, path, handler, options);
  }
  addPatch<P extends string>(path: P, handler: Handler<P>, options?: RouteOptions): ResourceRoute {
    return this.addRoute(METH_PATCH, path, handler, options);
  }
  addDelete<P extends string>(path: P, handler: Handler<P>, options?: RouteOptions): ResourceRoute {
    return this.addRoute(METH_DELETE, path, handler, options);
  }
  /** Adds a handler for every method. */
  addAny<P extends string>(path: P, handler: Handler<P>, options?: RouteOptions): ResourceRoute {
    return this.addRoute(METH_ANY, path, handler, options);
  }

  /** Adds a class-based view answering every verb it defines (others get 405). */
  addView<P extends string>(path: P, view: ViewClass, options?: RouteOptions): ResourceRoute {
    return this.addRoute(METH_ANY, path, viewHandler(view) as Handler<P>, options);
  }

  /** @internal Mounts this router's app under a sub-application prefix (for `urlFor`). */
  _addPrefix(prefix: string): void {
    this.#urlPrefix = prefix + this.#urlPrefix;
    for (const r of this.#resources) r._addPrefix(prefix);
  }

  /**
   * Serves files under `dir` at `prefix` (aiohttp `add_static`): GET and HEAD, Range and
   * conditional requests, no path can leave `dir`.
   */
  addStatic(prefix: string, dir: string, options: StaticOptions = {}): StaticResource {
    this.#checkMutable();
    return this.register(new StaticResource(prefix, dir, options));
  }

  /** The named resource, or undefined. */
  get(name: string): AbstractResource | undefined {
    return this.#named.get(name);
  }

  /** The URL of the named route with its parameters percent-encoded. */
  urlFor(name: string, parts?: Record<string, string | number>, query?: UrlQuery): string {
    const resource = this.#named.get(name);
    if (!resource) throw new RangeError(`no route named ${JSON.stringify(name)}`);
    return resource.urlFor(parts, query);
  }

  /** Every resource, in registration order. */
  resources(): readonly AbstractResource[] {
    return this.#resources;
  }

  /** Every route, in registration order. */
  *routes(): IterableIterator<ResourceRoute> {
    for (const r of this.#resources) yield* r.routes;
  }

  #sort(): void {
    if (!this.#dirty) return;
    for (const bucket of this.#byFirst.values()) bucket.sort(compareShape);
    const shaped = (r: AbstractResource): boolean => r instanceof DynamicResource || r instanceof PrefixResource;
    const dynamic = this.#wild.filter(shaped).sort(compareShape);
    this.#wild = [...dynamic, ...this.#wild.filter((r) => !shaped(r))];
    this.#dirty = false;
  }

  /**
   * Resolves a method and a routing path (decoded except `%2F`/`%25`, see `decodePathSafe`).
   * Parameterless matches are preallocated; only dynamic matches and 405s allocate.
   */
  resolve(method: string, pathSafe: string): MatchResult {
    if (this.#dirty) this.#sort();
    let allowed: Set<string> | null = null;
    const plain = this.#plain.get(pathSafe);
    if (plain !== undefined) {
      for (let i = 0; i < plain.length; i++) {
        const route = plain[i]!._routeFor(method);
        if (route !== undefined) return (route._staticMatch ??= Object.freeze({ route, matchInfo: Object.freeze({}), allowedMethods: null }));
        allowed ??= new Set();
        for (const m of plain[i]!.allowedMethods) allowed.add(m);
      }
    }
    const bucket = this.#byFirst.get(firstSegment(pathSafe));
    if (bucket !== undefined) {
      for (let i = 0; i < bucket.length; i++) {
        const r = this.#tryResource(bucket[i]!, method, pathSafe, allowed);
        if (r === null) continue;
        if (r.route !== null) return r;
        allowed = r.allowedMethods as Set<string>;
      }
    }
    const wild = this.#wild;
    for (let i = 0; i < wild.length; i++) {
      const r = this.#tryResource(wild[i]!, method, pathSafe, allowed);
      if (r === null) continue;
      if (r.route !== null) return r;
      allowed = r.allowedMethods as Set<string>;
    }
    return allowed === null ? NOT_FOUND : { route: null, matchInfo: NOT_FOUND.matchInfo, allowedMethods: allowed };
  }

  #tryResource(resource: AbstractResource, method: string, pathSafe: string, allowed: Set<string> | null): MatchResult | null {
    const info = resource._match(pathSafe);
    if (info === null) return null;
    const route = resource._routeFor(method);
    if (route !== undefined) return { route, matchInfo: info, allowedMethods: null };
    const merged = allowed ?? new Set<string>();
    for (const m of resource.allowedMethods) merged.add(m);
    return { route: null, matchInfo: info, allowedMethods: merged };
  }
}
