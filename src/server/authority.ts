/**
 * Where a request says it is going (RFC 9112 §3.2.2): the authority of an absolute-form target,
 * else the Host header, never anything in the path. The checks keep `request.host` what the client
 * sent and `request.url.host` the same host (lower-cased, without a default port), so a front proxy
 * and this server read one authority the same way.
 */
import { isIP } from 'node:net';

/** RFC 3986 reg-name without pct-encoded octets (WHATWG URL would decode them) and without ',' (a list). */
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+;=]+$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const PORT = /^(?:0|[1-9][0-9]{0,4})$/;

/**
 * Whether `host` is a valid `uri-host [":" port]` (RFC 9110 §7.2) that WHATWG URL reads as the same
 * host: no userinfo, path, query, fragment, scheme, space, list or unclosed `[`, a port of at most
 * 65535, and no name WHATWG would turn into another one (`0x7f.1`, `2130706433` and `010.0.0.1` are
 * IPv4 addresses to a browser; `a.123` is no host at all).
 */
export function isValidHost(host: string): boolean {
  let name: string;
  let port: string | undefined;
  if (host.charCodeAt(0) === 91 /* '[' */) {
    const end = host.indexOf(']');
    if (end === -1) return false;
    name = host.slice(0, end + 1);
    if (!IPV6.test(name) || isIP(name.slice(1, -1)) !== 6) return false;
    const rest = host.slice(end + 1);
    if (rest !== '' && rest.charCodeAt(0) !== 58 /* ':' */) return false;
    port = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = host.indexOf(':');
    name = colon === -1 ? host : host.slice(0, colon);
    port = colon === -1 ? undefined : host.slice(colon + 1);
    if (!REG_NAME.test(name)) return false;
  }
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535)) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${name}/`).hostname;
  } catch {
    return false;
  }
  return name.charCodeAt(0) === 91 || hostname === name.toLowerCase();
}

/** A request target split into what routing and `request.url` use. */
export interface RequestTarget {
  /** The path as sent (no query); `/` for an absolute-form target without one. */
  readonly rawPath: string;
  /** The query without `?`. */
  readonly query: string;
  /** The authority of an absolute-form target, else the Host given (both validated); undefined for neither. */
  readonly authority: string | undefined;
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;

/**
 * Splits a request target: origin-form (`/p?q`), asterisk-form (`*`) or absolute-form
 * (`http://host/p?q`, whose authority wins over Host, RFC 9112 §3.2.2). Undefined for an
 * absolute-form target with another scheme or an invalid authority (userinfo included, RFC 9110
 * §4.2.4), and for anything else: those are a 400. `host` is the (already validated) Host header.
 */
export function parseTarget(target: string, host: string | undefined): RequestTarget | undefined {
  let rawPath = target;
  let authority = host;
  if (target.charCodeAt(0) !== 47 /* '/' */ && target !== '*') {
    const m = ABSOLUTE.exec(target);
    if (m === null) return undefined;
    const scheme = m[1]!.toLowerCase();
    if ((scheme !== 'http' && scheme !== 'https') || !isValidHost(m[2]!)) return undefined;
    authority = m[2]!;
    rawPath = m[3]!.charCodeAt(0) === 47 ? m[3]! : `/${m[3]!}`;
  }
  const q = rawPath.indexOf('?');
  return q === -1 ? { rawPath, query: '', authority } : { rawPath: rawPath.slice(0, q), query: rawPath.slice(q + 1), authority };
}
