/**
 * Middlewares in aiohttp's form (`web_middlewares.py`): `async (request, handler) => response`.
 * The first middleware in the application's list is the outermost.
 */
import { HTTPException, HTTPPermanentRedirect, type HTTPMove } from './exceptions.js';
import type { Request } from './request.js';
import type { StreamResponse } from './response.js';
import type { HandlerFn, MaybePromise } from './router/resources.js';
import { decodePathSafe } from './router/url-dispatcher.js';

/** A middleware: may run code around `handler`, catch its HTTP exceptions, or replace its response. */
export type Middleware = (request: Request, handler: HandlerFn) => MaybePromise<StreamResponse>;

/** Options of normalizePathMiddleware, as aiohttp's `normalize_path_middleware`. */
export interface NormalizePathOptions {
  /** Try the path with a trailing slash added (default true). */
  appendSlash?: boolean;
  /** Try the path with the trailing slash removed (default false). */
  removeSlash?: boolean;
  /** Try the path with repeated slashes merged (default true). */
  mergeSlashes?: boolean;
  redirectClass?: new (location: string) => HTTPMove;
}

/**
 * A redirect target that cannot leave the site: leading slashes are merged into one (aiohttp's
 * CVE-2021-21330 fix: `//evil.example/` in Location is another host) and `\` is sent as `%5C`
 * (browsers read `/\evil.example` as `//evil.example`; the router decodes `%5C` back, so the
 * target still resolves to the same route).
 */
function safeRedirectPath(path: string): string {
  return path.replace(/^\/{2,}/, '/').replace(/\\/g, '%5C');
}

/**
 * Redirects a 404 to the first normalized path variant that resolves. The Location is always a
 * path on this site, whatever the options: never `//host` nor a raw backslash.
 */
export function normalizePathMiddleware(options: NormalizePathOptions = {}): Middleware {
  const { appendSlash = true, removeSlash = false, mergeSlashes = true, redirectClass = HTTPPermanentRedirect } = options;
  if (appendSlash && removeSlash) throw new TypeError('appendSlash and removeSlash cannot both be true');
  return async (request, handler) => {
    try {
      return await handler(request);
    } catch (err) {
      if (!(err instanceof HTTPException) || err.status !== 404) throw err;
      const raw = request.rawPath;
      const candidates: string[] = [];
      const merged = mergeSlashes ? raw.replace(/\/{2,}/g, '/') : raw;
      if (merged !== raw) candidates.push(merged);
      if (appendSlash && !raw.endsWith('/')) candidates.push(`${merged}/`);
      if (removeSlash && raw.endsWith('/') && raw.length > 1) candidates.push(merged.slice(0, -1));
      for (const candidate of candidates) {
        const path = safeRedirectPath(candidate);
        // From the outermost app, so a sub-application's own routes count; resolved as routing reads a path.
        if (path !== raw && path !== '' && request._rootApp._resolves(request.method, decodePathSafe(path))) {
          const qs = request.queryString;
          throw new redirectClass(qs ? `${path}?${qs}` : path);
        }
      }
      throw err;
    }
  };
}
