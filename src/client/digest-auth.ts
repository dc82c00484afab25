/**
 * HTTP Digest authentication as a client middleware, as aiohttp 3.12's `DigestAuthMiddleware`
 * (RFC 7616): on a 401 with a Digest challenge the request is sent again with credentials; later
 * requests to the same protection space answer the last challenge up front (nonce count + 1).
 *
 * The credentials belong to one origin, as in aiohttp 3.14.1 (GHSA-hpj7-wq8m-9hgp): the origin of
 * the first request the middleware handles, unless `origin` names it. A request to another origin
 * (a cross-origin redirect included) passes through untouched: no Authorization is added and its
 * challenges are not answered, unless the anchor origin's challenge listed that origin in its RFC
 * 7616 `domain` directive.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ClientMiddleware } from './middlewares.js';
import type { ClientRequest } from './request.js';
import type { ClientResponse } from './response.js';

const ALGORITHMS: Record<string, string> = {
  'MD5': 'md5', 'MD5-SESS': 'md5', 'SHA': 'sha1', 'SHA-SESS': 'sha1',
  'SHA-256': 'sha256', 'SHA-256-SESS': 'sha256', 'SHA-512': 'sha512', 'SHA-512-SESS': 'sha512',
  'SHA-512-256': 'sha512-256', 'SHA-512-256-SESS': 'sha512-256',
};

/** Parses the parameters of a `WWW-Authenticate: Digest ...` challenge; null if not Digest. */
export function parseDigestChallenge(header: string): Record<string, string> | null {
  const m = /^\s*Digest\s+/i.exec(header);
  if (m === null) return null;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  const rest = header.slice(m[0].length);
  for (let r = re.exec(rest); r !== null; r = re.exec(rest)) {
    out[r[1]!.toLowerCase()] = r[2] !== undefined ? r[2].replace(/\\(.)/g, '$1') : r[3] ?? '';
  }
  return out;
}

interface Challenge {
  readonly params: Record<string, string>;
  nc: number;
}

/** Options of `digestAuthMiddleware()`. */
export interface DigestAuthOptions {
  /** Answer the last challenge up front on later requests. Default true. */
  preemptive?: boolean;
  /** The origin the credentials are for; default the origin of the first request handled. */
  origin?: string | URL;
}

/** The origins a challenge's `domain` directive adds to the protection space (RFC 7616 §3.3). */
function domainOrigins(params: Record<string, string>, base: URL): Set<string> {
  const out = new Set<string>();
  for (const uri of (params.domain ?? '').split(/\s+/)) {
    if (uri === '') continue;
    try {
      const u = new URL(uri, base);
      if (u.protocol === 'http:' || u.protocol === 'https:') out.add(u.origin);
    } catch {
      // not a URI: ignored
    }
  }
  return out;
}

/**
 * Answers Digest challenges with `login` and `password`, for one origin (see the module comment).
 *
 * @example
 * new ClientSession({ middlewares: [digestAuthMiddleware('user', 'passwd')] })
 */
export function digestAuthMiddleware(login: string, password: string, options: DigestAuthOptions = {}): ClientMiddleware {
  const preemptive = options.preemptive ?? true;
  let anchor: string | null = options.origin === undefined ? null : new URL(String(options.origin)).origin;
  let space = new Set<string>();
  let last: Challenge | null = null;
  let lastOrigin = '';

  const authorize = (req: ClientRequest, ch: Challenge): string => {
    const p = ch.params;
    const algName = (p.algorithm ?? 'MD5').toUpperCase();
    const alg = ALGORITHMS[algName];
    if (alg === undefined) throw new RangeError(`digest auth: unsupported algorithm ${algName}`);
    const H = (s: string): string => createHash(alg).update(s, 'utf8').digest('hex');
    const realm = p.realm ?? '';
    const nonce = p.nonce ?? '';
    const qops = (p.qop ?? '').split(',').map((q) => q.trim()).filter(Boolean);
    const qop = qops.includes('auth') ? 'auth' : qops.length > 0 ? qops[0]! : '';
    if (qop !== '' && qop !== 'auth') throw new RangeError(`digest auth: unsupported qop ${qop}`);
    const uri = req._path;
    ch.nc++;
    const nc = ch.nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    let ha1 = H(`${login}:${realm}:${password}`);
    if (algName.endsWith('-SESS')) ha1 = H(`${ha1}:${nonce}:${cnonce}`);
    const ha2 = H(`${req.method}:${uri}`);
    const response = qop === '' ? H(`${ha1}:${nonce}:${ha2}`) : H(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
    const q = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    let header = `Digest username="${q(login)}", realm="${q(realm)}", nonce="${q(nonce)}", uri="${q(uri)}", response="${response}"`;
    if (p.algorithm !== undefined) header += `, algorithm=${p.algorithm}`;
    if (qop !== '') header += `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"`;
    if (p.opaque !== undefined) header += `, opaque="${q(p.opaque)}"`;
    return header;
  };

  return async (req, handler) => {
    const origin = req.url.origin;
    anchor ??= origin;
    if (origin !== anchor && !space.has(origin)) return handler(req);
    if (origin !== lastOrigin) last = null;
    if (preemptive && last !== null && !req.headers.has('authorization')) {
      req.headers.set('Authorization', authorize(req, last));
    }
    const resp: ClientResponse = await handler(req);
    if (resp.status !== 401) return resp;
    const challenges = resp.headers.getAll('www-authenticate').map(parseDigestChallenge).filter((c) => c !== null);
    const params = challenges[0];
    if (params === undefined || !req.replayable) return resp;
    // A stale nonce, or a first challenge: answer it once; a second 401 is the answer.
    const sentBefore = req.headers.get('authorization')?.startsWith('Digest ') ?? false;
    if (sentBefore && params.stale?.toLowerCase() !== 'true') return resp;
    await resp.read().catch(() => resp.release());
    if (origin === anchor) space = domainOrigins(params, req.url);
    last = { params, nc: 0 };
    lastOrigin = req.url.origin;
    req.headers.set('Authorization', authorize(req, last));
    return handler(req);
  };
}
