/**
 * Resources and routes (aiohttp `web_urldispatcher.py`): a resource is a path pattern, its routes
 * are the handlers per method. Plain resources match one exact path; dynamic ones compile
 * `{name}` / `{name:regex}` segments to one RegExp.
 */
import type { Request } from '../request.js';
import type { StreamResponse } from '../response.js';

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** Names of the `{name}` and `{name:regex}` parameters of a path literal. */
export type ParamKeys<P extends string> = P extends `${string}{${infer Inner}}${infer Rest}`
  ? (Inner extends `${infer N}:${string}` ? N : Inner) | ParamKeys<Rest>
  : never;

/** The `matchInfo` shape of a path: one string per parameter; any string key for a non-literal path. */
export type PathParams<P extends string> = string extends P
  ? Record<string, string>
  : { readonly [K in ParamKeys<P>]: string };

/** A request handler whose `request.matchInfo` is typed from the route path `P`. */
export type Handler<P extends string = string> = (request: Request<PathParams<P>>) => MaybePromise<StreamResponse>;

/** A handler as middlewares see it: any request, any params. */
export type HandlerFn = (request: Request) => MaybePromise<StreamResponse>;

/** Query for `urlFor`: a record, pairs, or URLSearchParams. */
export type UrlQuery = Record<string, string | number> | Iterable<readonly [string, string | number]> | URLSearchParams;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EMPTY_PARAMS: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

/** Per-route settings given when a route is added. */
export interface ResourceRouteOptions {
  /**
   * Largest request body this route accepts, in bytes, instead of the application's
   * `clientMaxSize` (0 = none); it also caps the streaming `request.multipart()`.
   */
  clientMaxSize?: number;
}

/** One method of a resource, bound to its handler. */
export class ResourceRoute {
  readonly method: string;
  readonly handler: HandlerFn;
  readonly resource: AbstractResource;
  /** The route's own body limit; undefined means the application's `clientMaxSize`. */
  readonly clientMaxSize: number | undefined;
  /** @internal The handler wrapped in the app's middlewares, set by `Application.freeze()`. */
  _chain: HandlerFn;
  /** @internal A preallocated match for parameterless resources, so plain routes resolve allocation-free. */
  _staticMatch: MatchResult | undefined;

  constructor(method: string, handler: HandlerFn, resource: AbstractResource, options: ResourceRouteOptions = {}) {
    if (typeof handler !== 'function') throw new TypeError(`handler for ${method} ${resource.canonical} must be a function`);
    const max = options.clientMaxSize;
    if (max !== undefined && (!Number.isSafeInteger(max) || max < 0)) throw new RangeError(`clientMaxSize must be a non-negative integer, got ${max}`);
    this.method = method;
    this.handler = handler;
    this.resource = resource;
    this.clientMaxSize = max;
    this._chain = handler;
    this._staticMatch = undefined;
  }

  get name(): string | undefined {
    return this.resource.name;
  }

  /** The URL of this route's resource. */
  urlFor(parts?: Record<string, string | number>, query?: UrlQuery): string {
    return this.resource.urlFor(parts, query);
  }
}

/** What resolving a request gives: the route, its params, or the methods a 405 should list. */
export interface MatchResult {
  readonly route: ResourceRoute | null;
  readonly matchInfo: Readonly<Record<string, string>>;
  /** Set only when the path matched but the method did not. */
  readonly allowedMethods: ReadonlySet<string> | null;
}

/** Base of every resource: a path pattern with one route per method. */
export abstract class AbstractResource {
  readonly name: string | undefined;
  readonly #routes = new Map<string, ResourceRoute>();
  /** @internal Prefixes of the sub-applications this resource's app is mounted under, for `urlFor`. */
  _urlPrefix: string;

  constructor(name: string | undefined) {
    this._urlPrefix = '';
    if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(name)) {
      throw new TypeError(`incorrect route name ${JSON.stringify(name)}: use letters, digits, '_', '.', ':' and '-'`);
    }
    this.name = name;
  }

  /** The path pattern as registered. */
  abstract get canonical(): string;
  /** Matches a path (with `%2F` and `%25` still encoded); returns decoded params or null. */
  abstract _match(pathSafe: string): Readonly<Record<string, string>> | null;
  /** Builds the URL of this resource; `parts` fill its parameters, percent-encoded. */
  abstract urlFor(parts?: Record<string, string | number>, query?: UrlQuery): string;

  /** @internal Mounting under a sub-application prefix: `urlFor` then starts with it. */
  _addPrefix(prefix: string): void {
    this._urlPrefix = prefix + this._urlPrefix;
  }

  /** Adds a route; a second handler for the same method is refused. */
  addRoute(method: string, handler: HandlerFn, options?: ResourceRouteOptions): ResourceRoute {
    const m = method.toUpperCase();
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Z]+$/.test(m)) throw new TypeError(`invalid HTTP method ${JSON.stringify(method)}`);
    if (this.#routes.has(m) || this.#routes.has('*')) {
      throw new Error(`Added route will never be executed, method ${m} is already registered for ${this.canonical}`);
    }
    const route = new ResourceRoute(m, handler, this, options);
    this.#routes.set(m, route);
    return route;
  }

  /** The route for `method`, falling back to a `*` route. */
  _routeFor(method: string): ResourceRoute | undefined {
    return this.#routes.get(method) ?? this.#routes.get('*');
  }

  get routes(): IterableIterator<ResourceRoute> {
    return this.#routes.values();
  }

  /** Methods this resource answers. */
  get allowedMethods(): Set<string> {
    return new Set(this.#routes.keys());
  }
}

/** Formats a query for `urlFor`. */
export function queryString(query: UrlQuery | undefined): string {
  if (query === undefined) return '';
  const params = query instanceof URLSearchParams ? query : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    const pairs = Symbol.iterator in query ? (query as Iterable<readonly [string, string | number]>) : Object.entries(query);
    for (const [k, v] of pairs) params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Percent-encodes a path while keeping `/` (and the sub-delims RFC 3986 §3.3 allows in a path). */
export function encodePath(path: string): string {
  return encodeURI(path).replace(/[?#]/g, encodeURIComponent);
}

/** A resource matching one exact path. */
export class PlainResource extends AbstractResource {
  readonly #path: string;
  constructor(path: string, name?: string) {
    super(name);
    this.#path = path;
  }
  get canonical(): string {
    return this.#path;
  }
  _match(pathSafe: string): Readonly<Record<string, string>> | null {
    return pathSafe === this.#path ? EMPTY_PARAMS : null;
  }
  urlFor(parts?: Record<string, string | number>, query?: UrlQuery): string {
    if (parts && Object.keys(parts).length) throw new TypeError(`route ${this.canonical} has no parameters to fill`);
    return this._urlPrefix + encodePath(this.#path) + queryString(query);
  }
}

/**
 * A resource owning every path under a prefix (static files, sub-applications). The dispatcher
 * indexes it by its first segment and tries it after more specific resources of that segment.
 */
export abstract class PrefixResource extends AbstractResource {
  /** The prefix without a trailing slash, e.g. `/static`. */
  readonly prefix: string;
  /** @internal First segment of the prefix (the dispatcher's index key). */
  readonly _firstSegment: string;
  /** @internal Sorts after static text and parameters of the same segments. */
  readonly _shape: number[];

  constructor(prefix: string, name: string | undefined) {
    super(name);
    if (typeof prefix !== 'string' || !prefix.startsWith('/')) throw new TypeError(`prefix should start with '/', got ${JSON.stringify(prefix)}`);
    prefix = prefix.replace(/\/+$/, '');
    if (prefix === '') throw new TypeError("prefix cannot be '/'");
    if (/[{}]/.test(prefix)) throw new TypeError(`prefix cannot have parameters: ${JSON.stringify(prefix)}`);
    this.prefix = prefix;
    const segs = prefix.split('/').slice(1);
    this._firstSegment = segs[0]!;
    this._shape = [...segs.map(() => 0), 3];
  }

  get canonical(): string {
    return this.prefix;
  }
}

interface PatternPart {
  readonly text: string;
  /** Set for a parameter. */
  readonly param: string | undefined;
  /** True for `{name:regex}`. */
  readonly custom: boolean;
}

/** Splits `/a/{b}/{c:\d+}` into static text and parameters; braces inside a regex may nest. */
function parsePattern(path: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let i = 0;
  let text = '';
  while (i < path.length) {
    const ch = path[i]!;
    if (ch === '}') throw new TypeError(`invalid path pattern ${JSON.stringify(path)}: unbalanced '}'`);
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    if (text) parts.push({ text, param: undefined, custom: false });
    text = '';
    let depth = 1;
    let j = i + 1;
    while (j < path.length && depth) {
      if (path[j] === '\\') j++;
      else if (path[j] === '{') depth++;
      else if (path[j] === '}') depth--;
      j++;
    }
    if (depth) throw new TypeError(`invalid path pattern ${JSON.stringify(path)}: unbalanced '{'`);
    const inner = path.slice(i + 1, j - 1);
    const colon = inner.indexOf(':');
    const name = colon === -1 ? inner : inner.slice(0, colon);
    if (!NAME_RE.test(name)) throw new TypeError(`invalid parameter name ${JSON.stringify(name)} in ${JSON.stringify(path)}`);
    if (parts.some((p) => p.param === name)) throw new TypeError(`duplicate parameter ${JSON.stringify(name)} in ${JSON.stringify(path)}`);
    parts.push({ text: colon === -1 ? '[^{}/]+' : inner.slice(colon + 1), param: name, custom: colon !== -1 });
    i = j;
  }
  if (text) parts.push({ text, param: undefined, custom: false });
  return parts;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Decodes a param matched on a path where only `%2F` and `%25` were left encoded. */
function decodeSafe(value: string): string {
  return value.indexOf('%') === -1 ? value : value.replace(/%2F/gi, '/').replace(/%25/g, '%');
}

/** A resource whose path has `{name}` or `{name:regex}` parameters. */
export class DynamicResource extends AbstractResource {
  readonly #path: string;
  readonly #parts: PatternPart[];
  readonly #re: RegExp;
  readonly #names: string[];
  /** Index in the match array of each parameter's group (a custom regex may have groups of its own). */
  readonly #groups: number[];
  /** @internal First path segment when it is static (the dispatcher's index key), else ''. */
  readonly _firstSegment: string;
  /** @internal Specificity per segment: 0 static, 1 `{name}`, 2 `{name:regex}`; lower sorts first. */
  readonly _shape: number[];

  constructor(path: string, name?: string) {
    super(name);
    this.#path = path;
    this.#parts = parsePattern(path);
    this.#names = [];
    this.#groups = [];
    let src = '^';
    for (const p of this.#parts) {
      if (p.param === undefined) src += escapeRegExp(p.text);
      else {
        src += `(${p.text})`;
        this.#names.push(p.param);
      }
    }
    try {
      this.#re = new RegExp(`${src}$`);
    } catch (err) {
      throw new TypeError(`bad regex in path pattern ${JSON.stringify(path)}: ${(err as Error).message}`, { cause: err });
    }
    // Positional groups, not named ones: exec() then builds no `groups` object per request.
    let group = 1;
    for (const p of this.#parts) {
      if (p.param === undefined) continue;
      this.#groups.push(group);
      group += p.custom ? new RegExp(`(${p.text})|`).exec('')!.length - 1 : 1;
    }
    const first = this.#parts[0];
    const slash = first?.param === undefined ? first?.text.indexOf('/', 1) ?? -1 : -1;
    this._firstSegment = slash > 0 ? first!.text.slice(1, slash) : '';
    this._shape = path.split('/').slice(1).map((seg) => (seg.includes('{') ? (/\{[^}]*:/.test(seg) ? 2 : 1) : 0));
  }

  get canonical(): string {
    return this.#path;
  }

  _match(pathSafe: string): Readonly<Record<string, string>> | null {
    const m = this.#re.exec(pathSafe);
    if (m === null) return null;
    const names = this.#names;
    const out: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) out[names[i]!] = decodeSafe(m[this.#groups[i]!]!);
    return out;
  }

  urlFor(parts: Record<string, string | number> = {}, query?: UrlQuery): string {
    let url = this._urlPrefix;
    for (const p of this.#parts) {
      if (p.param === undefined) {
        url += encodePath(p.text);
        continue;
      }
      const v = parts[p.param];
      if (v === undefined) throw new TypeError(`urlFor(${this.name ?? this.canonical}): missing parameter ${JSON.stringify(p.param)}`);
      // A `{name}` value is one segment, so '/' is encoded; a custom regex may span segments.
      url += p.custom ? String(v).split('/').map(encodeURIComponent).join('/') : encodeURIComponent(String(v));
    }
    return url + queryString(query);
  }
}
