/**
 * Client cookie jars, as aiohttp's `cookiejar.py`, with RFC 6265 matching done by tough-cookie.
 * Cookies given without a URL (`new ClientSession({ cookies })`) are "shared": sent to every host,
 * as aiohttp does with cookies whose domain is empty.
 */
import { open, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Cookie, CookieJar as ToughCookieJar } from 'tough-cookie';
import type { SerializedCookieJar } from 'tough-cookie';

export { Cookie };

/** What `updateCookies` accepts: an object, pairs, a Map, or tough-cookie `Cookie`s. */
export type CookiesInit =
  | Readonly<Record<string, string>>
  | Iterable<readonly [string, string]>
  | ReadonlyMap<string, string>
  | Iterable<Cookie>;

/** The interface ClientSession needs from a jar. */
export interface AbstractCookieJar extends Iterable<Cookie> {
  /** Number of cookies stored. */
  readonly size: number;
  /** Stores cookies, for `responseUrl`'s host, or shared with every host when no URL is given. */
  updateCookies(cookies: CookiesInit, responseUrl?: URL | string): void;
  /** Stores the `Set-Cookie` header values of a response from `url`. */
  updateFromSetCookie(headers: readonly string[], url: URL): void;
  /** The cookies to send to `requestUrl`, name to value. */
  filterCookies(requestUrl: URL | string): Map<string, string>;
  /** The `Cookie` header value for `requestUrl`, or '' when there is none. */
  cookieHeader(requestUrl: URL): string;
  /** Removes cookies matching `predicate`, or all. */
  clear(predicate?: (cookie: Cookie) => boolean): void;
  /** Removes the cookies of `domain` and its subdomains. */
  clearDomain(domain: string): void;
}

/** Options of `new CookieJar()`. */
export interface CookieJarOptions {
  /** Accept cookies from hosts given as IP addresses (refused by default, as in aiohttp). */
  unsafe?: boolean;
  /** Quote values with characters outside RFC 6265 cookie-octets in the Cookie header. Default true. */
  quoteCookie?: boolean;
  /** Treat these origins as secure (send Secure cookies over http), e.g. `http://127.0.0.1:8080`. */
  treatAsSecureOrigin?: readonly (string | URL)[];
}

/** Serialised form of a jar (`jar.toJSON()`), keeping host-only flags. */
export interface CookieJarJSON {
  readonly version: 1;
  readonly cookies: SerializedCookieJar | undefined;
  readonly shared: Array<[string, string]>;
}

function* iterInit(cookies: CookiesInit): Generator<[string, string] | Cookie> {
  if (cookies instanceof Map) {
    for (const e of cookies as ReadonlyMap<string, string>) yield e;
  } else if (Symbol.iterator in (cookies as object)) {
    for (const e of cookies as Iterable<readonly [string, string] | Cookie>) {
      yield e instanceof Cookie ? e : [e[0], e[1]];
    }
  } else {
    for (const e of Object.entries(cookies as Record<string, string>)) yield e;
  }
}

// RFC 6265 §4.1.1 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
function isCookieOctets(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x2c || c === 0x3b || c === 0x5c) return false;
  }
  return true;
}

/** Quotes a cookie value as Python's SimpleCookie does when it has special characters. */
export function quoteCookieValue(v: string): string {
  if (isCookieOctets(v)) return v;
  let out = '"';
  for (const b of Buffer.from(v, 'utf8')) {
    if (b === 0x22 || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b < 0x20 || b > 0x7e) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out + '"';
}

/**
 * Whether a cookie from `url` must not be stored (RFC 6265bis): an empty name; `SameSite=None`
 * without `Secure`; a `__Secure-` prefix (any case) without `Secure` or from an insecure origin; a
 * `__Host-` prefix (any case) without `Secure`, from an insecure origin, with a `Domain` or with a
 * `Path` other than `/`. `secure` is whether the origin counts as secure.
 */
export function refusesCookie(c: Cookie, secure: boolean): boolean {
  if (c.key === '') return true;
  if (typeof c.sameSite === 'string' && c.sameSite.toLowerCase() === 'none' && !c.secure) return true;
  const lower = c.key.toLowerCase();
  if (lower.startsWith('__secure-') && (!c.secure || !secure)) return true;
  if (lower.startsWith('__host-') && (!c.secure || !secure || (c.domain != null && c.domain !== '') || c.path !== '/')) return true;
  return false;
}

function toUrl(u: URL | string): URL {
  return typeof u === 'string' ? new URL(u) : u;
}

/** A cookie jar following RFC 6265 (domain, path, expiry, Secure, host-only). */
export class CookieJar implements AbstractCookieJar {
  #jar: ToughCookieJar;
  #shared = new Map<string, string>();
  #count = 0;
  #toughUsed = false;
  readonly #unsafe: boolean;
  readonly #quote: boolean;
  readonly #secureOrigins: Set<string>;

  constructor(options: CookieJarOptions = {}) {
    this.#unsafe = options.unsafe ?? false;
    this.#quote = options.quoteCookie ?? true;
    this.#secureOrigins = new Set((options.treatAsSecureOrigin ?? []).map((o) => toUrl(o).origin));
    this.#jar = new ToughCookieJar(undefined, { rejectPublicSuffixes: true, looseMode: true });
  }

  /** Whether IP-address hosts may set cookies. */
  get unsafe(): boolean {
    return this.#unsafe;
  }

  /** Whether Cookie header values are quoted. */
  get quoteCookie(): boolean {
    return this.#quote;
  }

  get size(): number {
    return this.#allCookies().length + this.#shared.size;
  }

  #allCookies(): Cookie[] {
    return (this.#jar.serializeSync()?.cookies ?? []).map((c) => Cookie.fromJSON(c)).filter((c): c is Cookie => c !== undefined);
  }

  // Cheap and conservative: `#toughUsed` turns on once tough-cookie stored anything, so an empty
  // jar costs nothing per request; exact counts come from `size`, which serialises.
  #refreshCount(): void {
    this.#count = this.#shared.size + (this.#toughUsed ? 1 : 0);
  }

  updateCookies(cookies: CookiesInit, responseUrl?: URL | string): void {
    if (responseUrl === undefined || String(responseUrl) === '') {
      for (const e of iterInit(cookies)) {
        if (e instanceof Cookie) {
          if (e.domain) {
            this.#jar.setCookieSync(e, `http://${e.domain.replace(/^\./, '')}${e.path ?? '/'}`, { ignoreError: true });
            this.#toughUsed = true;
          }
          else if (e.key !== '') this.#shared.set(e.key, e.value);
        } else if (e[0] !== '') {
          this.#shared.set(e[0], e[1]);
        }
      }
      this.#refreshCount();
      return;
    }
    const url = toUrl(responseUrl);
    if (!this.#unsafe && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) return;
    const secure = this.#secureUrl(url).protocol === 'https:';
    for (const e of iterInit(cookies)) {
      const c = e instanceof Cookie ? e : new Cookie({ key: e[0], value: e[1], path: '/' });
      if (refusesCookie(c, secure)) continue;
      this.#jar.setCookieSync(c, url, { ignoreError: true });
      this.#toughUsed = true;
    }
    this.#refreshCount();
  }

  updateFromSetCookie(headers: readonly string[], url: URL): void {
    if (headers.length === 0) return;
    if (!this.#unsafe && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) return;
    const secure = this.#secureUrl(url).protocol === 'https:';
    for (const h of headers) {
      const c = Cookie.parse(h, { loose: true });
      if (c === undefined || refusesCookie(c, secure)) continue;
      this.#jar.setCookieSync(c, url, { ignoreError: true });
    }
    this.#toughUsed = true;
    this.#refreshCount();
  }

  #secureUrl(url: URL): URL {
    if (url.protocol === 'http:' && this.#secureOrigins.has(url.origin)) {
      const u = new URL(url.href);
      u.protocol = 'https:';
      return u;
    }
    return url;
  }

  filterCookies(requestUrl: URL | string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of this.#shared) out.set(k, v);
    if (this.#toughUsed) {
      for (const c of this.#jar.getCookiesSync(this.#secureUrl(toUrl(requestUrl)))) out.set(c.key, c.value);
    }
    return out;
  }

  cookieHeader(requestUrl: URL): string {
    // Fast path: an empty jar costs one comparison per request.
    if (this.#count === 0) return '';
    let out = '';
    for (const [k, v] of this.filterCookies(requestUrl)) {
      if (out.length > 0) out += '; ';
      out += k + '=' + (this.#quote ? quoteCookieValue(v) : v);
    }
    return out;
  }

  clear(predicate?: (cookie: Cookie) => boolean): void {
    if (predicate === undefined) {
      this.#jar.removeAllCookiesSync();
      this.#shared.clear();
      this.#toughUsed = false;
      this.#count = 0;
      return;
    }
    for (const [k, v] of this.#shared) {
      if (predicate(new Cookie({ key: k, value: v, path: '/' }))) this.#shared.delete(k);
    }
    const keep = this.#allCookies().filter((c) => !predicate(c));
    this.#replace(keep);
  }

  clearDomain(domain: string): void {
    const d = domain.toLowerCase().replace(/^\./, '');
    this.clear((c) => {
      const cd = (c.domain ?? '').toLowerCase();
      return cd === d || cd.endsWith('.' + d);
    });
  }

  #replace(cookies: Cookie[]): void {
    const serial = this.#jar.serializeSync();
    const fresh = new ToughCookieJar(undefined, { rejectPublicSuffixes: true, looseMode: true });
    if (serial !== undefined) {
      const data: SerializedCookieJar = { ...serial, cookies: cookies.map((c) => c.toJSON()) };
      this.#jar = ToughCookieJar.deserializeSync(data);
    } else {
      this.#jar = fresh;
    }
    this.#refreshCount();
  }

  *[Symbol.iterator](): Iterator<Cookie> {
    for (const [k, v] of this.#shared) yield new Cookie({ key: k, value: v, path: '/' });
    yield* this.#allCookies();
  }

  /** A JSON-safe snapshot of every cookie (host-only flags and expiry kept). */
  toJSON(): CookieJarJSON {
    return { version: 1, cookies: this.#jar.serializeSync(), shared: [...this.#shared] };
  }

  /** Replaces the jar's content with a snapshot from `toJSON()`. */
  loadJSON(data: CookieJarJSON | string): void {
    const obj = (typeof data === 'string' ? JSON.parse(data) : data) as CookieJarJSON;
    if (obj === null || typeof obj !== 'object' || obj.version !== 1) throw new TypeError('loadJSON: not a CookieJar snapshot');
    this.#jar = obj.cookies === undefined
      ? new ToughCookieJar(undefined, { rejectPublicSuffixes: true, looseMode: true })
      : ToughCookieJar.deserializeSync(obj.cookies);
    this.#shared = new Map(obj.shared);
    this.#toughUsed = (obj.cookies?.cookies.length ?? 0) > 0;
    this.#refreshCount();
  }

  /**
   * Writes the jar to a JSON file (aiohttp's `save`, without pickle), readable and writable by its
   * owner only (mode 0600, as aiohttp): the file holds session cookies. An existing file is
   * truncated and set to 0600 too.
   */
  async save(path: string): Promise<void> {
    const fh = await open(path, 'w', 0o600);
    try {
      await fh.chmod(0o600);
      await fh.writeFile(JSON.stringify(this.toJSON()));
    } finally {
      await fh.close();
    }
  }

  /** Reads a jar written by `save`. */
  async load(path: string): Promise<void> {
    this.loadJSON(await readFile(path, 'utf8'));
  }
}

/** A jar that stores nothing and sends nothing (aiohttp's `DummyCookieJar`). */
export class DummyCookieJar implements AbstractCookieJar {
  get size(): number {
    return 0;
  }
  updateCookies(): void {}
  updateFromSetCookie(): void {}
  filterCookies(): Map<string, string> {
    return new Map();
  }
  cookieHeader(): string {
    return '';
  }
  clear(): void {}
  clearDomain(): void {}
  *[Symbol.iterator](): Iterator<Cookie> {}
}

/** Parses `Set-Cookie` header values into name -> Cookie, as aiohttp's `response.cookies`. */
export function parseSetCookies(headers: readonly string[]): Record<string, Cookie> {
  const out: Record<string, Cookie> = {};
  for (const h of headers) {
    const c = Cookie.parse(h, { loose: true });
    if (c !== undefined) out[c.key] = c;
  }
  return out;
}
