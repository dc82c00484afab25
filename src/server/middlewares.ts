/**
 * Middlewares in aiohttp's form (`web_middlewares.py`): `async (request, handler) => response`.
 * The first middleware in the application's list is the outermost.
 */
import { HTTPException, HTTPPermanentRedirect, type HTTPMove } from './exceptions.js';
import type { Request } from './request.js';
import type { StreamResponse } from './response.js';
import type { HandlerFn, MaybePromise } from './router/resources.js';

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

/** Redirects a 404 to the first normalized path variant that resolves. */
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
      for (const path of candidates) {
        // From the outermost app, so a sub-application's own routes count.
        if (request._rootApp._resolves(request.method, path)) {
          const qs = request.queryString;
          throw new redirectClass(qs ? `${path}?${qs}` : path);
        }
      }
      throw err;
    }
  };
}
