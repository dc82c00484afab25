/**
 * Reverse-proxy awareness, opt-in (aiohttp-remotes' job): `Forwarded` (RFC 7239) and
 * `X-Forwarded-For/Proto/Host` are believed only from trusted peers, and give the handler a
 * `request.clone({ remote, scheme, host })`. Headers from anyone else are ignored, so a client
 * cannot claim another address by sending them.
 */
import { BlockList, isIP } from 'node:net';
import { isValidHost } from './authority.js';
import { HTTPBadRequest } from './exceptions.js';
import type { Middleware } from './middlewares.js';
import type { Request } from './request.js';

/** Options of forwardedMiddleware. */
export interface ForwardedOptions {
  /**
   * The proxies in front of the app: addresses and CIDR ranges (`'127.0.0.1'`, `'10.0.0.0/8'`,
   * `'::1'`), or the number of proxies that each append one hop (then the peer is not checked).
   */
  trustedProxies: readonly string[] | number;
  /** Which headers to read: RFC 7239 `Forwarded`, `X-Forwarded-*`, or both (default; Forwarded wins). */
  headers?: 'forwarded' | 'x-forwarded' | 'both';
}

interface Hop {
  for: string | undefined;
  proto: string | undefined;
  host: string | undefined;
}

/** `::ffff:1.2.3.4` is an IPv4 peer on a dual-stack socket. */
function normalizeIp(addr: string): string {
  return addr.startsWith('::ffff:') && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr;
}

function buildTrust(list: readonly string[]): (addr: string) => boolean {
  const bl = new BlockList();
  for (const entry of list) {
    const [ip = '', bits] = entry.split('/');
    const family = isIP(ip);
    if (family === 0) throw new TypeError(`trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) bl.addAddress(ip, type);
    else {
      const n = Number(bits);
      if (!Number.isInteger(n) || n < 0 || n > (family === 4 ? 32 : 128)) throw new TypeError(`trustedProxies: bad prefix length in ${JSON.stringify(entry)}`);
      bl.addSubnet(ip, n, type);
    }
  }
  return (addr) => {
    const a = normalizeIp(addr);
    const family = isIP(a);
    return family !== 0 && bl.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** The address of a `for=` node (`"[2001:db8::1]:4711"`, `192.0.2.1:80`); undefined for `unknown` or obfuscated ones. */
function nodeAddress(node: string | undefined): string | undefined {
  if (node === undefined) return undefined;
  let n = node.trim();
  if (n.startsWith('[')) n = n.slice(1, n.indexOf(']') === -1 ? undefined : n.indexOf(']'));
  else if (isIP(n) === 0 && n.indexOf(':') === n.lastIndexOf(':')) n = n.split(':')[0]!;
  return isIP(n) !== 0 ? normalizeIp(n) : undefined;
}

/** Splits on `sep` outside double quotes. */
function splitQuoted(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && quoted && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Parses RFC 7239 `Forwarded` into hops, nearest proxy last. */
export function parseForwarded(header: string): Hop[] {
  const hops: Hop[] = [];
  for (const element of splitQuoted(header, ',')) {
    const hop: Hop = { for: undefined, proto: undefined, host: undefined };
    for (const pair of splitQuoted(element, ';')) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const key = pair.slice(0, eq).trim().toLowerCase();
      let value = pair.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      if (key === 'for' || key === 'proto' || key === 'host') hop[key] = value;
    }
    hops.push(hop);
  }
  return hops;
}

function splitList(v: string | undefined): string[] {
  return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * X-Forwarded-For/Proto/Host as hops. Proto and Host align with For when they have as many
 * entries; otherwise the last value (what the nearest proxy said) applies to every hop.
 */
function parseXForwarded(request: Request): Hop[] {
  const h = request.headers;
  const fors = splitList(h.getAll('x-forwarded-for').join(','));
  const protos = splitList(h.getAll('x-forwarded-proto').join(','));
  const hosts = splitList(h.getAll('x-forwarded-host').join(','));
  const n = Math.max(fors.length, protos.length, hosts.length);
  const pick = (list: string[], i: number): string | undefined => (list.length === n ? list[i] : list[list.length - 1]);
  return Array.from({ length: n }, (_, i) => ({ for: fors[i - (n - fors.length)], proto: pick(protos, i), host: pick(hosts, i) }));
}

/**
 * A middleware that believes reverse-proxy headers from trusted peers only and hands the handler a
 * request whose `remote`, `scheme`, `host` (and `secure`, `url`) are the client's.
 * @example
 * new web.Application({ middlewares: [web.forwardedMiddleware({ trustedProxies: ['127.0.0.1', '10.0.0.0/8'] })] });
 */
export function forwardedMiddleware(options: ForwardedOptions): Middleware {
  const { trustedProxies, headers = 'both' } = options;
  const hopsCount = typeof trustedProxies === 'number' ? trustedProxies : undefined;
  if (hopsCount !== undefined && (!Number.isSafeInteger(hopsCount) || hopsCount < 1)) throw new RangeError(`trustedProxies must be a positive integer or a list, got ${hopsCount}`);
  const trusted = hopsCount === undefined ? buildTrust(trustedProxies as readonly string[]) : () => true;
  return (request, handler) => {
    const peer = request.transport?.remoteAddress;
    if (hopsCount === undefined && (peer === undefined || !trusted(peer))) return handler(request);
    let hops: Hop[] = [];
    const fwd = headers !== 'x-forwarded' ? request.headers.getAll('forwarded') : [];
    if (fwd.length !== 0) hops = parseForwarded(fwd.join(','));
    else if (headers !== 'forwarded') hops = parseXForwarded(request);
    if (hops.length === 0) return handler(request);
    let hop: Hop | undefined;
    if (hopsCount !== undefined) hop = hops[Math.max(0, hops.length - hopsCount)];
    else {
      // Walk from the nearest proxy back while the address that reached it is a trusted proxy too.
      for (let i = hops.length - 1; i >= 0; i--) {
        hop = hops[i]!;
        const addr = nodeAddress(hop.for);
        if (addr === undefined || !trusted(addr)) break;
      }
    }
    if (hop === undefined) return handler(request);
    const remote = nodeAddress(hop.for);
    const proto = hop.proto?.toLowerCase();
    if (proto !== undefined && proto !== 'http' && proto !== 'https') throw new HTTPBadRequest({ text: `Invalid forwarded proto ${JSON.stringify(hop.proto)}` });
    if (hop.host !== undefined && !isValidHost(hop.host)) throw new HTTPBadRequest({ text: `Invalid forwarded host ${JSON.stringify(hop.host)}` });
    const clone: { remote?: string; scheme?: 'http' | 'https'; host?: string } = {};
    if (remote !== undefined) clone.remote = remote;
    if (proto !== undefined) clone.scheme = proto;
    if (hop.host !== undefined) clone.host = hop.host;
    return handler(request.clone(clone));
  };
}
