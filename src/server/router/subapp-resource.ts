/**
 * Sub-application resources (aiohttp `PrefixedSubAppResource`, `MatchedSubAppResource`): every
 * path under a prefix, or every request for a domain, is handed to another Application with its
 * own router, middlewares, signals and state.
 */
import type { Application } from '../application.js';
import type { Request } from '../request.js';
import type { StreamResponse } from '../response.js';
import { AbstractResource, PrefixResource, type MaybePromise, type UrlQuery } from './resources.js';

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** Every path under `prefix` goes to `app`, which sees the path with the prefix cut off. */
export class PrefixedSubAppResource extends PrefixResource {
  readonly app: Application;

  constructor(prefix: string, app: Application) {
    super(prefix, undefined);
    this.app = app;
    const cut = this.prefix.length;
    this.addRoute('*', (request: Request): MaybePromise<StreamResponse> => app._handle(request, (request._routePath || request._pathSafe).slice(cut)));
  }

  _match(pathSafe: string): Readonly<Record<string, string>> | null {
    const p = this.prefix;
    if (!pathSafe.startsWith(p)) return null;
    return pathSafe.length === p.length || pathSafe.charCodeAt(p.length) === 47 ? EMPTY : null;
  }

  /** The prefix itself; use the sub-application's router to build URLs of its routes. */
  urlFor(_parts?: Record<string, string | number>, _query?: UrlQuery): string {
    return this._urlPrefix + this.prefix;
  }

  override _addPrefix(prefix: string): void {
    super._addPrefix(prefix);
    this.app.router._addPrefix(prefix);
  }
}

/** Hosts as given to `addDomain`: exact, or `*.example.com` for any subdomain. */
function hostMatcher(domain: string): (host: string) => boolean {
  if (typeof domain !== 'string' || domain === '') throw new TypeError('domain must be a non-empty string');
  const wildcard = domain.startsWith('*.');
  const bare = wildcard ? domain.slice(2) : domain;
  let url: URL;
  try {
    url = new URL(`http://${bare}`);
  } catch {
    throw new TypeError(`invalid domain ${JSON.stringify(domain)}`);
  }
  if (url.pathname !== '/' || url.username || url.search || bare.includes('*')) throw new TypeError(`invalid domain ${JSON.stringify(domain)}`);
  const withPort = url.port !== '';
  const want = withPort ? `${url.hostname}:${url.port}` : url.hostname;
  return (host) => {
    let h = host.toLowerCase();
    if (!withPort) {
      // Drop a port, keeping IPv6 literals in brackets whole.
      const colon = h.lastIndexOf(':');
      if (colon !== -1 && colon > h.lastIndexOf(']')) h = h.slice(0, colon);
    }
    if (h.endsWith('.')) h = h.slice(0, -1);
    return wildcard ? h.endsWith(`.${want}`) && h.length > want.length + 1 : h === want;
  };
}

/** Requests whose Host matches `domain` go to `app`; the router never matches it by path. */
export class MatchedSubAppResource extends AbstractResource {
  readonly app: Application;
  readonly domain: string;
  /** @internal Whether a Host header value matches. */
  readonly _matchHost: (host: string) => boolean;

  constructor(domain: string, app: Application) {
    super(undefined);
    this._matchHost = hostMatcher(domain);
    this.domain = domain.toLowerCase();
    this.app = app;
    this.addRoute('*', (request: Request): MaybePromise<StreamResponse> => app._handle(request, request._pathSafe));
  }

  get canonical(): string {
    return this.domain;
  }

  _match(): null {
    return null;
  }

  urlFor(): string {
    return '/';
  }
}
