/**
 * Typed state keys, as aiohttp's `AppKey`: a key carries the type of its value, and keys match by
 * identity, never by name (aio-libs/aiohttp#7947), so two libraries can both use `'db'` safely.
 */

/** A typed key for application state: `app.set(DB, pool)`, `app.get(DB)` is typed `Pool`. */
export class AppKey<T> {
  declare readonly __type?: T;
  /** Keeps the three key kinds apart: a private member makes the class nominal, so an AppKey is no RequestKey. */
  private declare readonly _kind: undefined;
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  toString(): string {
    return `<AppKey(${this.name})>`;
  }
}

/** A typed key for per-request state: `request.set(USER, u)`, `request.get(USER)`. */
export class RequestKey<T> {
  declare readonly __type?: T;
  /** Keeps the three key kinds apart: a private member makes the class nominal, so an AppKey is no RequestKey. */
  private declare readonly _kind: undefined;
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  toString(): string {
    return `<RequestKey(${this.name})>`;
  }
}

/** A typed key for per-response state: `response.set(CACHED, true)`, `response.get(CACHED)` (aiohttp 3.14's `ResponseKey`). */
export class ResponseKey<T> {
  declare readonly __type?: T;
  /** Keeps the three key kinds apart: a private member makes the class nominal, so an AppKey is no RequestKey. */
  private declare readonly _kind: undefined;
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  toString(): string {
    return `<ResponseKey(${this.name})>`;
  }
}
