/**
 * Route definitions (aiohttp `web_routedef.py`): `web.get(path, handler)` values for
 * `app.addRoutes([...])`, and `web.routes()`, a RouteTableDef collecting them.
 */
import { METH_ANY, METH_DELETE, METH_GET, METH_HEAD, METH_PATCH, METH_POST, METH_PUT } from '../../common/hdrs.js';
import type { Handler, HandlerFn, ResourceRoute } from './resources.js';
import { viewHandler, type ViewClass } from '../view.js';
import type { GetRouteOptions, UrlDispatcher } from './url-dispatcher.js';

/** Options of a route definition: `name`, `clientMaxSize`, and `allowHead` for GET. */
export type RouteDefOptions = GetRouteOptions;

/** One route to register later with `app.addRoutes`. */
export class RouteDef {
  readonly method: string;
  readonly path: string;
  readonly handler: HandlerFn;
  readonly options: RouteDefOptions;
  constructor(method: string, path: string, handler: HandlerFn, options: RouteDefOptions = {}) {
    this.method = method;
    this.path = path;
    this.handler = handler;
    this.options = options;
  }

  /** Adds this route to a router; returns the routes created. */
  register(router: UrlDispatcher): ResourceRoute[] {
    if (this.method === METH_GET) {
      const route = router.addGet(this.path, this.handler, this.options);
      return [route];
    }
    const { allowHead: _allowHead, ...rest } = this.options;
    return [router.addRoute(this.method, this.path, this.handler, rest)];
  }
}

/** A route definition for any method. */
export function route<P extends string>(method: string, path: P, handler: Handler<P>, options?: RouteDefOptions): RouteDef {
  return new RouteDef(method.toUpperCase(), path, handler as unknown as HandlerFn, options);
}
/** A GET route definition (it also answers HEAD unless `allowHead: false`). */
export function get<P extends string>(path: P, handler: Handler<P>, options?: RouteDefOptions): RouteDef {
  return route(METH_GET, path, handler, options);
}
/** A HEAD route definition. */
export function head<P extends string>(path: P, handler: Handler<P>, options?: RouteDefOptions): RouteDef {
  return route(METH_HEAD, path, handler, options);
}
/** A POST route definition. */
export function post<P extends string>(path: P, handler: Handler<P>, options?: RouteDefOptions): RouteDef {
  return route(METH_POST, path, handler, options);
}
/** A PUT route definition. */
export function put<P extends string>(path: P, handler: Handler<P>, options?: RouteDefOptions): RouteDef {
  return route(METH_PUT, path, handler, options);
}
/** A PATCH route definition. */
export function patch<P extends string>(path: P, handler: Handler<P>, options?: RouteDefOptions): RouteDef {
  return route(METH_PATCH, path, handler, options);
}
/** A DELETE route definition (`delete` is reserved, so it is exported as `web.delete` from `del`). */
export function del<P extends string>(path: P, handler: Handler<P>, options?: RouteDefOptions): RouteDef {
  return route(METH_DELETE, path, handler, options);
}
/** A route definition answering every method. */
export function any<P extends string>(path: P, handler: Handler<P>, options?: RouteDefOptions): RouteDef {
  return route(METH_ANY, path, handler, options);
}

/** A class-based view definition. */
export function view<P extends string>(path: P, cls: ViewClass, options?: RouteDefOptions): RouteDef {
  return new RouteDef(METH_ANY, path, viewHandler(cls), options);
}

type Register<P extends string> = <H extends Handler<P>>(handler: H) => H;

/**
 * Collects route definitions, aiohttp's `RouteTableDef`: `routes.get('/x')(handler)` registers and
 * returns the handler; `app.addRoutes(routes)` adds them all.
 */
export class RouteTableDef implements Iterable<RouteDef> {
  readonly #items: RouteDef[] = [];

  #add<P extends string>(method: string, path: P, options?: RouteDefOptions): Register<P> {
    return (handler) => {
      this.#items.push(route(method, path, handler, options));
      return handler;
    };
  }

  route<P extends string>(method: string, path: P, options?: RouteDefOptions): Register<P> {
    return this.#add(method, path, options);
  }
  get<P extends string>(path: P, options?: RouteDefOptions): Register<P> {
    return this.#add(METH_GET, path, options);
  }
  head<P extends string>(path: P, options?: RouteDefOptions): Register<P> {
    return this.#add(METH_HEAD, path, options);
  }
  post<P extends string>(path: P, options?: RouteDefOptions): Register<P> {
    return this.#add(METH_POST, path, options);
  }
  put<P extends string>(path: P, options?: RouteDefOptions): Register<P> {
    return this.#add(METH_PUT, path, options);
  }
  patch<P extends string>(path: P, options?: RouteDefOptions): Register<P> {
    return this.#add(METH_PATCH, path, options);
  }
  delete<P extends string>(path: P, options?: RouteDefOptions): Register<P> {
    return this.#add(METH_DELETE, path, options);
  }
  any<P extends string>(path: P, options?: RouteDefOptions): Register<P> {
    return this.#add(METH_ANY, path, options);
  }

  get length(): number {
    return this.#items.length;
  }
  [Symbol.iterator](): Iterator<RouteDef> {
    return this.#items[Symbol.iterator]();
  }
}

/** A new RouteTableDef. */
export function routes(): RouteTableDef {
  return new RouteTableDef();
}
