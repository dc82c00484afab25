/**
 * Running an application (aiohttp `web_runner.py`, `web.py` `run_app`): AppRunner owns the
 * lifecycle and the protocol, sites own listening node:http servers, runApp wires both to signals.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Application } from './application.js';
import { AccessLogger, DEFAULT_ACCESS_LOG_FORMAT, type AccessLogSink } from './access-log.js';
import { ServerProtocol } from './protocol.js';
import { _notifyReady, _onShutdownRequest, isWorkerProcess, runPrimary, type WorkersOption } from './workers.js';
import { closeServerWebSockets } from './ws.js';

/** Options of AppRunner; durations in seconds. */
export interface AppRunnerOptions {
  /** Where access log lines go; null or false (the default for AppRunner) turns the log off. */
  accessLog?: AccessLogSink | null | false;
  accessLogFormat?: string;
  /** How long in-flight requests may take to finish on cleanup (default 60). */
  shutdownTimeout?: number;
  /** Idle keep-alive connections are closed after this (default 75, as aiohttp). */
  keepaliveTimeout?: number;
  /**
   * Time allowed to receive the request headers (default 60): a client still sending them is cut
   * off with 408 no later than this after its first byte (from a little before, by at most a tenth
   * of it and at most 1 s, as node checks the timeout periodically).
   */
  headersTimeout?: number;
  /** Time allowed to receive a whole request (default 300). */
  requestTimeout?: number;
  /** Largest request header block in bytes (default 16 KiB); larger gets 431. */
  maxHeaderSize?: number;
  /** Requests with more header lines than this get 431 (default 128, as aiohttp). */
  maxHeadersCount?: number;
  /** Longest request line in bytes (default 8190, as aiohttp); longer gets 414. */
  maxLineSize?: number;
  /** Most pipelined requests queued on one connection (default 32); more closes it. */
  maxPipelinedRequests?: number;
}

/**
 * @internal node checks headersTimeout/requestTimeout only every connectionsCheckingInterval (30 s
 * by default), so a timed-out client is cut off up to one interval late: check every tenth of the
 * shortest timeout (10 ms to 1 s), and give node a headersTimeout one interval short, so that a
 * client still sending headers is cut off at most `headersMs` after its first byte, never later.
 */
export function timeoutChecks(headersMs: number, requestMs: number): { headersTimeout: number; connectionsCheckingInterval: number } {
  const shortest = Math.min(headersMs > 0 ? headersMs : Infinity, requestMs > 0 ? requestMs : Infinity);
  if (shortest === Infinity) return { headersTimeout: 0, connectionsCheckingInterval: 30_000 };
  const interval = Math.max(10, Math.min(1000, Math.floor(shortest / 10)));
  return { headersTimeout: headersMs > 0 ? Math.max(1, headersMs - interval) : 0, connectionsCheckingInterval: interval };
}

/** Resolves after `ms`, or when `p` settles, whichever comes first. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, Math.max(0, ms))))]);
  clearTimeout(timer);
}

/**
 * Runs an application for embedding: `setup()` freezes it and runs startup hooks, sites listen,
 * `cleanup()` shuts down gracefully.
 * @example
 * const runner = new web.AppRunner(app);
 * await runner.setup();
 * const site = new web.TCPSite(runner, '127.0.0.1', 0);
 * await site.start();
 * console.log(site.port);
 * await runner.cleanup();
 */
export class AppRunner {
  readonly app: Application;
  readonly shutdownTimeout: number;
  readonly #options: AppRunnerOptions;
  #protocol: ServerProtocol | undefined;
  readonly #sites = new Set<BaseSite>();
  #cleaning: Promise<void> | undefined;

  constructor(app: Application, options: AppRunnerOptions = {}) {
    this.app = app;
    this.#options = options;
    this.shutdownTimeout = options.shutdownTimeout ?? 60;
    this.#protocol = undefined;
    this.#cleaning = undefined;
  }

  /** The protocol once set up. */
  get server(): ServerProtocol | undefined {
    return this.#protocol;
  }

  get sites(): ReadonlySet<BaseSite> {
    return this.#sites;
  }

  /** The bound addresses of started sites. */
  get addresses(): Array<AddressInfo | string | null> {
    return [...this.#sites].map((s) => s._server?.address() ?? null);
  }

  /** Freezes the app and runs cleanup contexts and onStartup. */
  async setup(): Promise<void> {
    if (this.#protocol !== undefined) throw new Error('AppRunner.setup() was already called');
    const { accessLog, accessLogFormat = DEFAULT_ACCESS_LOG_FORMAT } = this.#options;
    const accessLogger = accessLog ? new AccessLogger(accessLog, accessLogFormat) : undefined;
    this.app.freeze();
    const { maxLineSize, maxHeadersCount, maxPipelinedRequests } = this.#options;
    this.#protocol = new ServerProtocol(this.app, { accessLogger, maxLineSize, maxHeadersCount, maxPipelinedRequests });
    await this.app.startup();
  }

  /** @internal A node:http server with our limits and listeners. */
  _createServer(): Server {
    const protocol = this.#protocol;
    if (protocol === undefined) throw new Error('Call AppRunner.setup() before starting a site');
    const o = this.#options;
    const headersMs = (o.headersTimeout ?? 60) * 1000;
    const requestMs = (o.requestTimeout ?? 300) * 1000;
    const server = createServer({
      maxHeaderSize: o.maxHeaderSize ?? 16 * 1024,
      insecureHTTPParser: false,
      requestTimeout: requestMs,
      keepAliveTimeout: (o.keepaliveTimeout ?? 75) * 1000,
      ...timeoutChecks(headersMs, requestMs),
    } as Parameters<typeof createServer>[0]);
    server.keepAliveTimeout = (o.keepaliveTimeout ?? 75) * 1000;
    // node keeps the lines past this count in rawHeaders; the protocol refuses such requests with 431.
    server.maxHeadersCount = o.maxHeadersCount ?? 128;
    protocol.attach(server);
    return server;
  }

  /** @internal */
  _addSite(site: BaseSite): void {
    this.#sites.add(site);
  }

  /**
   * Graceful shutdown: sites stop accepting and idle connections close; onShutdown runs (so it can
   * close long-lived connections, as in aiohttp); in-flight requests get `shutdownTimeout` to finish,
   * then connections are destroyed; cleanup contexts are torn down and onCleanup runs.
   */
  cleanup(): Promise<void> {
    return (this.#cleaning ??= this.#cleanup());
  }

  async #cleanup(): Promise<void> {
    const protocol = this.#protocol;
    if (protocol === undefined) return;
    const deadline = Date.now() + this.shutdownTimeout * 1000;
    protocol.beginShutdown();
    const sites = [...this.#sites];
    const closed = sites.map((s) => s._beginStop());
    await this.app.shutdown();
    // WebSockets still open after onShutdown get 1001 (GOING_AWAY), so their handlers can return.
    await closeServerWebSockets(this.app, (deadline - Date.now()) / 1000);
    await protocol.waitInflight(deadline - Date.now());
    for (const s of sites) s._server?.closeIdleConnections();
    // Upgraded sockets whose handler has returned have no one left to close them.
    protocol.destroyUpgraded();
    await withTimeout(Promise.all(closed), Math.min(1000, deadline - Date.now()));
    for (const s of sites) s._server?.closeAllConnections();
    await Promise.all(closed);
    this.#sites.clear();
    await this.app.cleanup();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }
}

/** Base of the listening sites. */
export abstract class BaseSite {
  readonly runner: AppRunner;
  /** @internal */
  _server: Server | undefined;
  #closed: Promise<void> | undefined;

  constructor(runner: AppRunner) {
    this.runner = runner;
    this._server = undefined;
    this.#closed = undefined;
  }

  /** The URL-ish name printed in the banner. */
  abstract get name(): string;
  protected abstract listen(server: Server): Promise<void>;

  /** Starts listening. */
  async start(): Promise<void> {
    if (this._server !== undefined) throw new Error('site already started');
    const server = this.runner._createServer();
    this._server = server;
    await this.listen(server);
    this.runner._addSite(this);
  }

  /** @internal Stops accepting; resolves once every connection is gone. */
  _beginStop(): Promise<void> {
    const server = this._server;
    if (server === undefined) return Promise.resolve();
    return (this.#closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }));
  }

  /** Stops this site (the runner's cleanup does this for every site). */
  async stop(): Promise<void> {
    await this._beginStop();
  }
}

function listenOn(server: Server, options: Parameters<Server['listen']>[0]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Options of TCPSite. */
export interface TCPSiteOptions {
  backlog?: number;
  /** SO_REUSEPORT, where node supports it (node >= 22.12). */
  reusePort?: boolean;
}

/** Listens on a TCP host and port; port 0 picks a free one (see `port`). */
export class TCPSite extends BaseSite {
  readonly host: string;
  readonly #port: number;
  readonly #options: TCPSiteOptions;

  constructor(runner: AppRunner, host = '0.0.0.0', port = 8080, options: TCPSiteOptions = {}) {
    super(runner);
    this.host = host;
    this.#port = port;
    this.#options = options;
  }

  /** The bound port (the real one once started with port 0). */
  get port(): number {
    const a = this._server?.address();
    return a && typeof a === 'object' ? a.port : this.#port;
  }

  /** The bound address. */
  get address(): AddressInfo | undefined {
    const a = this._server?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  get name(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  protected listen(server: Server): Promise<void> {
    const { backlog = 128, reusePort } = this.#options;
    return listenOn(server, { host: this.host, port: this.#port, backlog, ...(reusePort ? { reusePort } : {}) });
  }
}

/** Listens on a Unix domain socket path. */
export class UnixSite extends BaseSite {
  readonly path: string;
  readonly #backlog: number;
  constructor(runner: AppRunner, path: string, options: { backlog?: number } = {}) {
    super(runner);
    this.path = path;
    this.#backlog = options.backlog ?? 128;
  }
  get name(): string {
    return `http://unix:${this.path}:`;
  }
  protected listen(server: Server): Promise<void> {
    return listenOn(server, { path: this.path, backlog: this.#backlog });
  }
}

/** Listens on an already bound socket: a net.Server handle or `{ fd }`. */
export class SockSite extends BaseSite {
  readonly sock: NetServer | { fd: number };
  constructor(runner: AppRunner, sock: NetServer | { fd: number }) {
    super(runner);
    this.sock = sock;
  }
  get name(): string {
    const a = this._server?.address();
    if (a && typeof a === 'object') return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    return `http://unix:${a ?? ''}:`;
  }
  protected listen(server: Server): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.sock as NetServer, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
}

/** Options of runApp: the runner's, plus where to listen. */
export interface RunAppOptions extends Omit<AppRunnerOptions, 'accessLog'> {
  host?: string | string[];
  port?: number;
  /** Unix socket path(s); without host/port only these are served. */
  path?: string | string[];
  /** Access log sink; default: one line per request on stdout. null or false turns it off. */
  accessLog?: AccessLogSink | null | false;
  /** Print the `======== Running on ... ========` banner (default true), or a function to print with. */
  printBanner?: boolean | ((line: string) => void);
  /** Shut down gracefully on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Aborting it shuts the app down, like a signal. */
  signal?: AbortSignal;
  backlog?: number;
  reusePort?: boolean;
  /**
   * Serve from this many node:cluster worker processes (`'auto'`: one per core) sharing the port;
   * see workers.ts. Every worker re-runs the main script, so the `runApp` call must be reached the
   * same way in each; pass a factory so the primary does not build the app.
   */
  workers?: WorkersOption;
}

/** An application, a promise of one, or a function making one (called only where it is served). */
export type AppOrFactory = Application | Promise<Application> | (() => Application | Promise<Application>);

/**
 * Serves an application until SIGINT/SIGTERM (or `signal`), then shuts down gracefully. After a
 * signal-triggered shutdown the process exits with code 0 once the event loop is empty, or at the
 * latest one second later.
 * @example
 * const app = new web.Application();
 * app.router.addGet('/', () => new web.Response({ text: 'Hello, world' }));
 * await web.runApp(app, { port: 8080 });
 */
export async function runApp(app: AppOrFactory, options: RunAppOptions = {}): Promise<void> {
  const {
    host, port, path, printBanner = true, handleSignals = true, signal, backlog, reusePort, workers,
    accessLog = (line: string): void => void process.stdout.write(`${line}\n`),
    ...runnerOptions
  } = options;
  const inWorker = isWorkerProcess();
  if (workers !== undefined && !inWorker) {
    return runPrimary({ workers, shutdownTimeout: runnerOptions.shutdownTimeout ?? 60, printBanner, handleSignals, signal });
  }
  const runner = new AppRunner(await (typeof app === 'function' ? app() : app), { ...runnerOptions, accessLog });
  await runner.setup();
  let bySignal = false;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onSignal = (): void => {
    bySignal = true;
    stop();
  };
  const releaseWorker = inWorker ? _onShutdownRequest(onSignal) : undefined;
  try {
    const sites: BaseSite[] = [];
    const paths = path === undefined ? [] : Array.isArray(path) ? path : [path];
    for (const p of paths) sites.push(new UnixSite(runner, p, backlog === undefined ? {} : { backlog }));
    if (paths.length === 0 || host !== undefined || port !== undefined) {
      const hosts = host === undefined ? ['0.0.0.0'] : Array.isArray(host) ? host : [host];
      const siteOptions: TCPSiteOptions = {};
      if (backlog !== undefined) siteOptions.backlog = backlog;
      if (reusePort !== undefined) siteOptions.reusePort = reusePort;
      for (const h of hosts) sites.push(new TCPSite(runner, h, port ?? 8080, siteOptions));
    }
    for (const site of sites) await site.start();
    if (inWorker) _notifyReady(sites.map((s) => s.name));
    else if (printBanner) {
      const print = typeof printBanner === 'function' ? printBanner : (line: string): void => console.log(line);
      for (const site of sites) print(`======== Running on ${site.name} ========`);
      print('(Press CTRL+C to quit)');
    }
    if (handleSignals) {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }
    if (signal !== undefined) {
      if (signal.aborted) stop();
      else signal.addEventListener('abort', () => stop(), { once: true });
    }
    await stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runner.cleanup();
    releaseWorker?.();
  }
  if (bySignal) {
    process.exitCode ??= 0;
    setTimeout(() => process.exit(), 1000).unref();
  }
}

