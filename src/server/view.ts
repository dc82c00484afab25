/**
 * Class-based views (aiohttp `web_urldispatcher.py` `View`): one method per HTTP verb, chosen by
 * the request method; a verb the class does not define answers 405 listing those it does.
 */
import { HTTPMethodNotAllowed } from './exceptions.js';
import type { Request } from './request.js';
import type { StreamResponse } from './response.js';
import type { MaybePromise } from './router/resources.js';

const VERBS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace', 'connect'];

/** A view class: `new (request)` with methods named after verbs. */
export type ViewClass = (new (request: Request) => View) & { readonly prototype: View };

/**
 * Base class for class-based views.
 * @example
 * class Users extends web.View {
 *   async get() { return web.jsonResponse(await listUsers()); }
 * }
 * app.router.addView('/users', Users);
 */
export class View {
  readonly request: Request;
  constructor(request: Request) {
    this.request = request;
  }

  /** The verbs a view class implements, upper-cased. */
  static allowedMethods(cls: ViewClass): string[] {
    const proto = cls.prototype as unknown as Record<string, unknown>;
    return VERBS.filter((v) => typeof proto[v] === 'function').map((v) => v.toUpperCase());
  }
}

/** The handler that instantiates `cls` per request and calls its verb method. */
export function viewHandler(cls: ViewClass): (request: Request) => MaybePromise<StreamResponse> {
  const allowed = View.allowedMethods(cls);
  return (request) => {
    const verb = request.method.toLowerCase();
    const view = new cls(request) as unknown as Record<string, unknown>;
    const fn = VERBS.includes(verb) ? view[verb] : undefined;
    if (typeof fn !== 'function') throw new HTTPMethodNotAllowed(request.method, allowed);
    return (fn as () => MaybePromise<StreamResponse>).call(view);
  };
}
