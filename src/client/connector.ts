/**
 * Connectors, as aiohttp's `connector.py`: a pool of keep-alive connections shared by a session.
 * This is the only file that imports undici (see STYLE.md §1): everything above it talks to the
 * `DispatchSink` interface, so an undici handler-API change touches this file alone.
 */
import { createHash } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { Agent, ProxyAgent, Socks5ProxyAgent, buildConnector } from 'undici';
import type { Dispatcher } from 'undici';

/**
 * Pins a server certificate by its SHA-256 digest, as aiohttp's `Fingerprint`; the chain is not
 * verified, only the digest (MD5 and SHA-1 digests are refused as insecure, as aiohttp does).
 */
export class Fingerprint {
  readonly fingerprint: Buffer;
  constructor(fingerprint: Buffer | string) {
    const buf = typeof fingerprint === 'string' ? Buffer.from(fingerprint.replace(/:/g, ''), 'hex') : fingerprint;
    if (buf.length === 16 || buf.length === 20) throw new RangeError('md5 and sha1 are insecure and not supported. Use sha256.');
    if (buf.length !== 32) throw new RangeError('fingerprint has invalid length');
    this.fingerprint = Buffer.from(buf);
  }
  /** @internal */
  _matches(socket: TLSSocket): boolean {
    const cert = socket.getPeerCertificate();
    if (cert === null || typeof cert.fingerprint256 !== 'string') return false;
    return Buffer.from(cert.fingerprint256.replace(/:/g, ''), 'hex').equals(this.fingerprint);
  }
}

/** TLS settings: `false` skips verification, a Fingerprint pins the certificate, an object goes to `tls.connect`. */
export type SSLOption = boolean | ConnectionOptions | Fingerprint;

/** Options of `new TCPConnector()`. */
export interface TCPConnectorOptions {
  /** Most connections in use at once, all hosts together; 0 means no limit. Default 100. */
  limit?: number;
  /** Most connections to one host (scheme, host, port); 0 means no limit. Default 0. */
  limitPerHost?: number;
  /** Seconds an idle connection stays open. Default 15. */
  keepaliveTimeout?: number;
  /** Close every connection after its response (no keep-alive). */
  forceClose?: boolean;
  /** Cache DNS answers. Default true. */
  useDnsCache?: boolean;
  /** Seconds a DNS answer is cached; null caches forever. Default 10. */
  ttlDnsCache?: number | null;
  /**
   * Most host names kept in the DNS cache; the oldest answer is evicted first, so a client fed many
   * distinct names (crawlers, redirects chosen by servers) stays bounded (aiohttp bounds its cache
   * too, GHSA-hcc4-c3v8-rx92). Default 1024.
   */
  dnsCacheMaxSize?: number;
  /** Resolves host names instead of `dns.lookup` (aiohttp's `resolver`). */
  resolver?: AbstractResolver;
  /** IP family to resolve: 0 (both), 4 or 6. */
  family?: 0 | 4 | 6;
  /** Local address to bind to. */
  localAddr?: string;
  /** TLS: `false` disables verification; an object is merged into `tls.connect` options. */
  ssl?: SSLOption;
  /** Extra trusted CA certificates (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (PEM). */
  cert?: string | Buffer;
  /** Client certificate key (PEM). */
  key?: string | Buffer;
  /** Offer HTTP/2 to TLS servers (ALPN); beyond aiohttp (aio-libs/aiohttp#5999). */
  http2?: boolean;
  /** Seconds allowed to open a socket (aiohttp's `sock_connect` at connector level). Default 30. */
  connectTimeout?: number;
  /** Dispatcher-level response size cap in bytes (raw, before decompression). */
  maxResponseSize?: number;
  /** Largest response head (status line and headers) in bytes; aiohttp's max_field_size role. Default 16 KiB. */
  maxHeaderSize?: number;
  /**
   * @internal Opens a socket-like duplex for an origin instead of a TCP/TLS connection; the
   * in-process mode of `aiohttp-ts/test-utils` plugs an in-memory transport here.
   */
  _connect?: (origin: string) => Duplex;
}

/** One address of a host, as aiohttp's `ResolveResult`. */
export interface ResolveResult {
  /** The name that was resolved. */
  readonly hostname: string;
  /** The IP address. */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** A DNS resolver for `TCPConnector({ resolver })`, as aiohttp's `AbstractResolver`. */
export interface AbstractResolver {
  /** The addresses of `host`; `family` 0 means either. Rejects when the name does not resolve. */
  resolve(host: string, port: number, family: 0 | 4 | 6): Promise<ResolveResult[]>;
}

/** Options of `new UnixConnector()`. */
export interface UnixConnectorOptions extends TCPConnectorOptions {
  /** Path of the Unix domain socket every request goes to. */
  path: string;
}

/** Pool counters per origin, to check reuse and leaks. */
export interface ConnectorStats {
  /** Open sockets per origin. */
  readonly connected: Record<string, number>;
  /** Open sockets, all origins. */
  readonly totalConnected: number;
  /** Requests waiting for the total `limit`. */
  readonly queued: number;
  /** Requests holding a connection slot. */
  readonly active: number;
}

/** What the session hands to a connector for one HTTP exchange. */
export interface DispatchRequest {
  origin: string;
  path: string;
  method: string;
  headers: string[];
  body: Buffer | AsyncIterable<Buffer> | null;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  proxy: ProxySettings | null;
  /** Per-request TLS: `false` skips verification, an object adds `tls.connect` options. */
  ssl: SSLOption | undefined;
}

/** A proxy to go through: `http://` (CONNECT tunnel) or `socks5://`. */
export interface ProxySettings {
  readonly url: string;
  /** Value of Proxy-Authorization for HTTP proxies, if any. */
  readonly authorization: string | null;
  /** User name and password for SOCKS5 proxies, if any. */
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly headers?: Record<string, string>;
}

/** Receives the events of one exchange; implemented by the client's request/response code. */
export interface DispatchSink {
  /** True when trace signals are wanted (connection queue/create/reuse, DNS). */
  readonly traced: boolean;
  /** True once the caller gave up (timeout); a queued request is then dropped. */
  readonly cancelled: boolean;
  onQueued(start: boolean): void;
  onConnectionCreate(start: boolean): void;
  onConnectionReuse(): void;
  onDns(event: 'start' | 'end' | 'hit' | 'miss', host: string): void;
  /** The request is being written on a connection; `abort` cancels it. */
  onStart(abort: (reason: Error) => void): void;
  onBodySent(chunk: Buffer): void;
  onRequestSent(): void;
  /** An interim (1xx) response was skipped; false stops (the sink has failed the exchange). */
  onInterim(): boolean;
  /**
   * Status line and headers; return false to pause the body until `resume()`. `version` is the
   * status line's HTTP version (`'1.1'`), or null where it cannot be read (HTTP/2, proxies).
   */
  onHeaders(status: number, rawHeaders: Buffer[], statusText: string, resume: () => void, version: string | null): boolean;
  /** A body chunk; return false to pause until `resume()`. */
  onData(chunk: Buffer): boolean;
  onEnd(): void;
  onError(err: Error): void;
}

/**
 * The socket undici last read from. undici reads a chunk and parses it in the same synchronous
 * stack, so while a handler's onHeaders runs this is the socket whose status line was just parsed.
 */
let readingSocket: Duplex | null = null;
let parserSymbol: symbol | undefined;

/** Makes `socket` known to `statusLineVersion()` (undici's parser reads it with `read()`). */
function watchReads(socket: Duplex): void {
  const read = socket.read.bind(socket);
  socket.read = (size?: number): unknown => {
    readingSocket = socket;
    return read(size) as unknown;
  };
}

/**
 * The HTTP version of the status line undici's HTTP/1 parser (llhttp) is handling right now, or
 * null. undici hands handlers no version; llhttp has it (`llhttp_get_http_major/minor`).
 */
function statusLineVersion(statusCode: number): string | null {
  const socket = readingSocket;
  readingSocket = null;
  if (socket === null) return null;
  // undici's kParser symbol, found once (one per undici instance) and then reused.
  if (parserSymbol === undefined || !(parserSymbol in socket)) parserSymbol = Object.getOwnPropertySymbols(socket).find((k) => k.description === 'parser');
  const sym = parserSymbol;
  const parser = sym === undefined ? undefined : (socket as unknown as Record<symbol, unknown>)[sym] as {
    llhttp?: { llhttp_get_http_major?: (p: number) => number; llhttp_get_http_minor?: (p: number) => number };
    ptr?: number | null;
    statusCode?: unknown;
  } | null | undefined;
  const ll = parser?.llhttp;
  // The parser must be on this very status line (a stale socket's idle parser is at 0).
  if (parser?.statusCode !== statusCode || typeof parser.ptr !== 'number' || typeof ll?.llhttp_get_http_major !== 'function' || typeof ll.llhttp_get_http_minor !== 'function') return null;
  return `${ll.llhttp_get_http_major(parser.ptr)}.${ll.llhttp_get_http_minor(parser.ptr)}`;
}

/** Identity numbers for TLS option values that cannot be compared by content (functions, contexts). */
const objectIds = new WeakMap<object, number>();
let lastObjectId = 0;

function tlsKeyPart(v: unknown): unknown {
  if (typeof v === 'string') return v.length > 128 ? `sha256:${createHash('sha256').update(v).digest('hex')}` : v;
  if (v === undefined || typeof v === 'bigint') return `${typeof v}:${String(v)}`;
  if (v === null || typeof v !== 'object' && typeof v !== 'function') return v;
  if (Array.isArray(v)) return v.map(tlsKeyPart);
  if (ArrayBuffer.isView(v)) return `sha256:${createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex')}`;
  let id = objectIds.get(v);
  if (id === undefined) objectIds.set(v, (id = ++lastObjectId));
  return `#${id}`;
}

/** A pool key for a per-request TLS setting: equal content gives an equal key (servername included). */
function tlsKey(ssl: false | ConnectionOptions | Fingerprint): string {
  if (ssl === false) return 'unverified';
  if (ssl instanceof Fingerprint) return `fingerprint:${ssl.fingerprint.toString('hex')}`;
  const opts = ssl as Record<string, unknown>;
  return JSON.stringify(Object.keys(opts).sort().map((k) => [k, tlsKeyPart(opts[k])]));
}

interface DnsEntry {
  readonly addresses: LookupAddress[];
  readonly expires: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Adapts undici's handler calls to a DispatchSink and returns the pool slot when done. */
class Handler {
  readonly #sink: DispatchSink;
  readonly #owner: TCPConnector;
  readonly #origin: string;
  #done = false;
  constructor(sink: DispatchSink, owner: TCPConnector, origin: string) {
    this.#sink = sink;
    this.#owner = owner;
    this.#origin = origin;
  }
  onConnect(abort: (err?: Error) => void): void {
    if (this.#sink.traced) this.#owner._traceStarted(this.#origin, this.#sink);
    this.#sink.onStart(abort);
  }
  // undici's types say (chunkSize, total); at runtime the legacy hook gets the chunk itself.
  onBodySent(chunk: unknown): void {
    if (typeof chunk === 'string') this.#sink.onBodySent(Buffer.from(chunk));
    else if (Buffer.isBuffer(chunk)) this.#sink.onBodySent(chunk);
    else if (chunk instanceof Uint8Array) this.#sink.onBodySent(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  onRequestSent(): void {
    this.#sink.onRequestSent();
  }
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx interim responses (100 Continue, 103 Early Hints) are not the response.
    if (statusCode < 200) return this.#sink.onInterim();
    return this.#sink.onHeaders(statusCode, rawHeaders, statusText, resume, statusLineVersion(statusCode));
  }
  onData(chunk: Buffer): boolean {
    return this.#sink.onData(chunk);
  }
  onComplete(): void {
    this.#finish();
    this.#sink.onEnd();
  }
  onError(err: Error): void {
    this.#finish();
    this.#sink.onError(err);
  }
  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#sink.traced) this.#owner._traceForget(this.#origin, this.#sink);
    this.#owner._releaseSlot();
  }
}

/**
 * A keep-alive connection pool over TCP (and TLS), as aiohttp's `TCPConnector`.
 *
 * @example
 * const session = new ClientSession({ connector: new TCPConnector({ limit: 10, ssl: false }) });
 */
export class TCPConnector {
  readonly limit: number;
  readonly limitPerHost: number;
  readonly forceClose: boolean;
  readonly #agent: Agent;
  readonly #tlsAgents = new Map<string, Agent>();
  readonly #socketPath: string | undefined;
  readonly #proxies = new Map<string, Dispatcher>();
  readonly #tls: ConnectionOptions;
  readonly #options: TCPConnectorOptions;
  #active = 0;
  #queue: Array<() => void> = [];
  #closed = false;
  readonly #dns = new Map<string, DnsEntry>();
  readonly #ttlMs: number | null;
  readonly #dnsMax: number;
  readonly #useDns: boolean;
  readonly #family: 0 | 4 | 6;
  // Traced requests not yet on a connection, per origin, so connection and DNS events can be
  // attributed to the request that waits for them (undici does not say which request a socket is for).
  readonly #pendingTraced = new Map<string, DispatchSink[]>();
  readonly #createdFor = new WeakSet<DispatchSink>();

  constructor(options: TCPConnectorOptions = {}, socketPath?: string) {
    this.#options = options;
    this.limit = options.limit ?? 100;
    this.limitPerHost = options.limitPerHost ?? 0;
    this.forceClose = options.forceClose ?? false;
    this.#useDns = options.useDnsCache ?? true;
    this.#ttlMs = options.ttlDnsCache === null ? null : (options.ttlDnsCache ?? 10) * 1000;
    this.#dnsMax = options.dnsCacheMaxSize ?? 1024;
    if (!Number.isInteger(this.#dnsMax) || this.#dnsMax < 1) throw new RangeError('dnsCacheMaxSize must be an integer >= 1');
    this.#family = options.family ?? 0;
    if (this.limit < 0 || this.limitPerHost < 0) throw new RangeError('limit and limitPerHost must be >= 0');
    const tls: ConnectionOptions = {};
    if (options.ssl === false || options.ssl instanceof Fingerprint) tls.rejectUnauthorized = false;
    else if (typeof options.ssl === 'object') Object.assign(tls, options.ssl);
    if (options.ca !== undefined) tls.ca = options.ca;
    if (options.cert !== undefined) tls.cert = options.cert;
    if (options.key !== undefined) tls.key = options.key;
    this.#tls = tls;
    this.#socketPath = socketPath;
    this.#agent = this.#makeAgent(tls, options.ssl instanceof Fingerprint ? options.ssl : null);
  }

  #makeAgent(tls: ConnectionOptions, fingerprint: Fingerprint | null): Agent {
    const options = this.#options;
    const connectOpts: Record<string, unknown> = {
      ...tls,
      timeout: Math.round((options.connectTimeout ?? 30) * 1000),
    };
    if (this.#socketPath !== undefined) connectOpts.socketPath = this.#socketPath;
    else connectOpts.lookup = this.#lookup;
    if (options.localAddr !== undefined) connectOpts.localAddress = options.localAddr;
    if (options.http2) connectOpts.allowH2 = true;
    const open = options._connect;
    const base: buildConnector.connector = open === undefined ? buildConnector(connectOpts as buildConnector.BuildOptions) : (opts, cb) => {
      // Called back on a later tick, as a real connect is: undici drops a resume made synchronously.
      process.nextTick(() => {
        let socket: Duplex;
        try {
          socket = open(`${opts.protocol}//${opts.hostname}${opts.port ? ':' + opts.port : ''}`);
        } catch (err) {
          (cb as (e: Error | null, s: null) => void)(err as Error, null);
          return;
        }
        (cb as (e: null, s: Socket) => void)(null, socket as Socket);
      });
    };
    const connect: buildConnector.connector = (opts, cb) => {
      const origin = `${opts.protocol}//${opts.hostname}${opts.port ? ':' + opts.port : ''}`;
      const sink = this.#pendingTraced.size > 0 ? this.#claimCreate(origin) : null;
      sink?.onConnectionCreate(true);
      base(opts, (err, socket) => {
        if (err === null && fingerprint !== null && opts.protocol === 'https:' && !fingerprint._matches(socket as TLSSocket)) {
          (socket as Socket).destroy();
          const e = Object.assign(new Error(`certificate fingerprint mismatch for ${opts.hostname}`), { code: 'ERR_CLIENT_FINGERPRINT' });
          (cb as (e: Error | null, s: Socket | null) => void)(e, null);
          return;
        }
        if (sink !== null && err === null) sink.onConnectionCreate(false);
        if (err === null && socket !== null) watchReads(socket as Duplex);
        (cb as (e: Error | null, s: Socket | null) => void)(err, socket as Socket | null);
      });
    };
    const keepAlive = Math.max(1, Math.round((options.keepaliveTimeout ?? 15) * 1000));
    const agentOpts: Agent.Options = {
      connect,
      keepAliveTimeout: keepAlive,
      // Our value caps the server's Keep-Alive hint, as aiohttp's keepalive_timeout is the client's limit.
      keepAliveMaxTimeout: keepAlive,
      pipelining: 1,
      allowH2: options.http2 ?? false,
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    if (this.limitPerHost > 0) agentOpts.connections = this.limitPerHost;
    if (options.maxResponseSize !== undefined) agentOpts.maxResponseSize = options.maxResponseSize;
    if (options.maxHeaderSize !== undefined) agentOpts.maxHeaderSize = options.maxHeaderSize;
    return new Agent(agentOpts);
  }

  /**
   * The pool for a per-request `ssl` setting: the default one, or one per distinct setting, so a
   * connection opened under one SNI name or one set of TLS options never serves another (undici
   * keys its pools by origin only), and equal settings share a pool however often they are passed.
   */
  #agentFor(ssl: SSLOption | undefined): Agent {
    if (ssl === undefined || ssl === true) return this.#agent;
    const key = tlsKey(ssl);
    let agent = this.#tlsAgents.get(key);
    if (agent === undefined) {
      agent = ssl instanceof Fingerprint
        ? this.#makeAgent({ ...this.#tls, rejectUnauthorized: false }, ssl)
        : this.#makeAgent(ssl === false ? { ...this.#tls, rejectUnauthorized: false } : { ...this.#tls, ...ssl }, null);
      this.#tlsAgents.set(key, agent);
    }
    return agent;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Pool counters: open sockets per origin, queued and active requests. */
  stats(): ConnectorStats {
    const connected: Record<string, number> = {};
    let total = 0;
    for (const agent of [this.#agent, ...this.#tlsAgents.values()]) {
      for (const [origin, s] of Object.entries(agent.stats as Record<string, { connected?: number }>)) {
        connected[origin] = (connected[origin] ?? 0) + (s.connected ?? 0);
        total += s.connected ?? 0;
      }
    }
    return { connected, totalConnected: total, queued: this.#queue.length, active: this.#active };
  }

  #lookup = (hostname: string, options: LookupOptions | number | LookupCallback, callback?: LookupCallback): void => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts: LookupOptions = typeof options === 'object' ? options : typeof options === 'number' ? { family: options } : {};
    const family = this.#family !== 0 ? this.#family : (typeof opts.family === 'number' ? opts.family : 0);
    const key = `${hostname}/${family}`;
    const sink = this.#pendingTraced.size > 0 ? this.#firstPendingForHost(hostname) : null;
    const answer = (addresses: LookupAddress[]): void => {
      if (opts.all) cb(null, addresses);
      else cb(null, addresses[0]!.address, addresses[0]!.family);
    };
    if (this.#useDns) {
      const hit = this.#dns.get(key);
      if (hit !== undefined && (hit.expires === 0 || hit.expires > Date.now())) {
        sink?.onDns('hit', hostname);
        answer(hit.addresses);
        return;
      }
      sink?.onDns('miss', hostname);
    }
    sink?.onDns('start', hostname);
    const done = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]): void => {
      if (err !== null) {
        cb(err, '');
        return;
      }
      sink?.onDns('end', hostname);
      if (this.#useDns) {
        const expires = this.#ttlMs === null ? 0 : Date.now() + this.#ttlMs;
        // Insertion order is age: a refreshed name moves to the end, the oldest goes first.
        this.#dns.delete(key);
        this.#dns.set(key, { addresses, expires });
        while (this.#dns.size > this.#dnsMax) this.#dns.delete(this.#dns.keys().next().value!);
      }
      answer(addresses);
    };
    const resolver = this.#options.resolver;
    if (resolver === undefined) {
      dnsLookup(hostname, { family, all: true, hints: opts.hints ?? 0 }, done);
      return;
    }
    resolver.resolve(hostname, 0, family === 4 || family === 6 ? family : 0).then((results) => {
      if (results.length === 0) done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), []);
      else done(null, results.map((r) => ({ address: r.host, family: r.family })));
    }, (err: unknown) => done(err instanceof Error ? err : new Error(String(err)), []));
  };

  /** @internal Resolves through the cache as a connection would, for tests. */
  _resolve(hostname: string): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) => {
      this.#lookup(hostname, { all: true }, (err, address) => (err !== null ? reject(err) : resolve(address as LookupAddress[])));
    });
  }

  /** @internal Names in the DNS cache. */
  get _dnsCacheSize(): number {
    return this.#dns.size;
  }

  /** Forgets cached DNS answers, for one host or all (aiohttp's `clear_dns_cache`). */
  clearDnsCache(host?: string): void {
    if (host === undefined) this.#dns.clear();
    else for (const k of [...this.#dns.keys()]) if (k.startsWith(host + '/')) this.#dns.delete(k);
  }

  #firstPendingForHost(hostname: string): DispatchSink | null {
    for (const [origin, list] of this.#pendingTraced) {
      if (list.length > 0 && new URL(origin).hostname.replace(/^\[|\]$/g, '') === hostname) return list[0]!;
    }
    return null;
  }

  #claimCreate(origin: string): DispatchSink | null {
    const list = this.#pendingTraced.get(origin);
    if (list === undefined) return null;
    for (const s of list) {
      if (!this.#createdFor.has(s)) {
        this.#createdFor.add(s);
        return s;
      }
    }
    return null;
  }

  /** @internal A traced request reached a connection: was it a fresh one? */
  _traceStarted(origin: string, sink: DispatchSink): void {
    this._traceForget(origin, sink);
    if (!this.#createdFor.has(sink)) sink.onConnectionReuse();
  }

  /** @internal */
  _traceForget(origin: string, sink: DispatchSink): void {
    const list = this.#pendingTraced.get(origin);
    if (list === undefined) return;
    const i = list.indexOf(sink);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#pendingTraced.delete(origin);
  }

  /** @internal Frees a slot of the total `limit` for the next queued request. */
  _releaseSlot(): void {
    const next = this.#queue.shift();
    if (next !== undefined) next();
    else this.#active--;
  }

  /** @internal Sends one request; events go to `sink`. */
  _dispatch(req: DispatchRequest, sink: DispatchSink): void {
    if (this.#closed) {
      sink.onError(Object.assign(new Error('connector is closed'), { code: 'UND_ERR_CLOSED' }));
      return;
    }
    if (sink.traced) {
      let list = this.#pendingTraced.get(req.origin);
      if (list === undefined) this.#pendingTraced.set(req.origin, (list = []));
      list.push(sink);
    }
    if (this.limit === 0 || this.#active < this.limit) {
      if (this.limit !== 0) this.#active++;
      this.#send(req, sink);
      return;
    }
    sink.onQueued(true);
    this.#queue.push(() => {
      if (sink.cancelled) {
        // Pass the slot on: this request timed out while waiting for it.
        if (sink.traced) this._traceForget(req.origin, sink);
        this._releaseSlot();
        return;
      }
      sink.onQueued(false);
      this.#send(req, sink);
    });
  }

  #send(req: DispatchRequest, sink: DispatchSink): void {
    const handler = new Handler(sink, this, req.origin);
    const opts: Dispatcher.DispatchOptions = {
      origin: req.origin,
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body as NonNullable<Dispatcher.DispatchOptions['body']>,
      headersTimeout: req.headersTimeoutMs,
      bodyTimeout: req.bodyTimeoutMs,
      reset: this.forceClose,
    };
    try {
      const dispatcher = req.proxy === null ? this.#agentFor(req.ssl) : this.#proxyAgent(req.proxy);
      dispatcher.dispatch(opts, handler as unknown as Dispatcher.DispatchHandler);
    } catch (err) {
      handler.onError(err as Error);
    }
  }

  #proxyAgent(p: ProxySettings): Dispatcher {
    const key = `${p.url}\n${p.authorization ?? ''}\n${p.credentials?.username ?? ''}:${p.credentials?.password ?? ''}`;
    let agent = this.#proxies.get(key);
    if (agent === undefined && p.url.startsWith('socks5')) {
      const opts: Socks5ProxyAgent.Options = {};
      if (p.credentials !== undefined) {
        opts.username = p.credentials.username;
        opts.password = p.credentials.password;
      }
      if (this.limitPerHost > 0) opts.connections = this.limitPerHost;
      agent = new Socks5ProxyAgent(p.url, opts);
      this.#proxies.set(key, agent);
    }
    if (agent === undefined) {
      const opts: ProxyAgent.Options = { uri: p.url, requestTls: this.#tls as buildConnector.BuildOptions };
      if (p.authorization !== null) opts.token = p.authorization;
      if (p.headers !== undefined) opts.headers = p.headers;
      if (this.limitPerHost > 0) opts.connections = this.limitPerHost;
      agent = new ProxyAgent(opts);
      this.#proxies.set(key, agent);
    }
    return agent;
  }

  /** @internal TLS options for connections made outside the pool (WebSocket upgrades). */
  _tlsOptions(ssl?: SSLOption): ConnectionOptions {
    if (ssl === undefined || ssl === true) return { ...this.#tls };
    if (ssl === false || ssl instanceof Fingerprint) return { ...this.#tls, rejectUnauthorized: false };
    return { ...this.#tls, ...ssl };
  }

  /** @internal The Unix socket path every connection goes to, if any. */
  get _socketPath(): string | undefined {
    return this.#socketPath;
  }

  /**
   * @internal The in-memory transport of test-utils' in-process mode, if any; a WebSocket upgrade
   * made outside the pool must open its connection with it too.
   */
  get _memoryConnect(): ((origin: string) => Duplex) | undefined {
    return this.#options._connect;
  }

  /** Closes every connection now (in-flight responses fail), as aiohttp's `close()`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const q = this.#queue;
    this.#queue = [];
    for (const run of q) run();
    await Promise.all([this.#agent.destroy(), ...[...this.#tlsAgents.values(), ...this.#proxies.values()].map((a) => a.destroy())]);
  }

  /** The options this connector was made with. */
  get options(): Readonly<TCPConnectorOptions> {
    return this.#options;
  }
}

/**
 * A connector whose every request goes to one Unix domain socket, as aiohttp's `UnixConnector`.
 *
 * @example
 * new ClientSession({ connector: new UnixConnector({ path: '/run/app.sock' }) }).get('http://localhost/')
 */
export class UnixConnector extends TCPConnector {
  readonly path: string;
  constructor(options: UnixConnectorOptions) {
    super(options, options.path);
    this.path = options.path;
  }
}
