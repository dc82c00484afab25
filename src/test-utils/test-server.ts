/**
 * Test servers, as aiohttp's `test_utils.py` `TestServer`/`RawTestServer`: an application run by
 * an AppRunner on a free loopback port, or in-process on in-memory sockets with no port at all.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Application } from '../server/application.js';
import type { HandlerFn } from '../server/router/resources.js';
import { AppRunner, BaseSite, TCPSite } from '../server/runner.js';
import type { AppRunnerOptions } from '../server/runner.js';
import { memorySocketPair } from './memory-socket.js';

/** Options of `new TestServer()` and `new RawTestServer()`. */
export interface TestServerOptions extends AppRunnerOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port; default 0 (a free one). In-process, only the port written in URLs. */
  port?: number;
  /** URL scheme of `makeUrl`. Only `http` is served. */
  scheme?: 'http';
  /** Serve on in-memory sockets instead of a listening one (see `TestClient`'s `inProcess`). */
  inProcess?: boolean;
}

/** The port written in in-process URLs when none is given; nothing listens on it. */
const IN_PROCESS_PORT = 80;

/** A site that never listens: connections come from `connect()` through in-memory sockets. */
class InProcessSite extends BaseSite {
  readonly #port: number;
  constructor(runner: AppRunner, port: number) {
    super(runner);
    this.#port = port;
  }
  get name(): string {
    return `http://127.0.0.1:${this.#port} (in-process)`;
  }
  protected listen(_server: Server): Promise<void> {
    return Promise.resolve();
  }
  /** Opens a connection: the server side is handed to node:http, the client side returned. */
  connect(): Duplex {
    const server = this._server;
    if (server === undefined) throw new Error('in-process server is not started');
    const [client, end] = memorySocketPair(this.#port);
    server.emit('connection', end);
    return client;
  }
}

/** Thrown by a use of a closed TestServer or TestClient. */
export class TestServerClosedError extends Error {
  override name = 'TestServerClosedError';
  readonly code: string = 'ERR_TEST_SERVER_CLOSED';
}

/** Base of TestServer and RawTestServer: start, URLs, close. */
export abstract class BaseTestServer implements AsyncDisposable {
  /** Host in URLs. */
  readonly host: string;
  /** URL scheme. */
  readonly scheme: 'http';
  /** True when serving on in-memory sockets. */
  readonly inProcess: boolean;
  readonly #options: TestServerOptions;
  #runner: AppRunner | undefined;
  #site: TCPSite | InProcessSite | undefined;
  #starting: Promise<void> | undefined;
  #closed = false;

  constructor(options: TestServerOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.scheme = options.scheme ?? 'http';
    if (this.scheme !== 'http') throw new RangeError(`scheme must be 'http', got ${String(this.scheme)}`);
    this.inProcess = options.inProcess ?? false;
    this.#options = options;
    this.#runner = undefined;
    this.#site = undefined;
    this.#starting = undefined;
  }

  /** The application served. */
  abstract get app(): Application;

  /** The runner once started. */
  get runner(): AppRunner | undefined {
    return this.#runner;
  }

  /** True once `start()` finished and before `close()`. */
  get started(): boolean {
    return this.#site !== undefined && !this.#closed;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The bound port (the free one picked for port 0); undefined before `start()`. */
  get port(): number | undefined {
    const site = this.#site;
    if (site === undefined) return undefined;
    return site instanceof TCPSite ? site.port : (this.#options.port ?? IN_PROCESS_PORT);
  }

  /** Sets up the app (startup signals) and starts serving; calling it again is a no-op. */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new TestServerClosedError('TestServer is closed'));
    return (this.#starting ??= this.#start());
  }

  async #start(): Promise<void> {
    const { host: _h, port, scheme: _s, inProcess: _i, ...runnerOptions } = this.#options;
    const runner = new AppRunner(this.app, runnerOptions);
    this.#runner = runner;
    await runner.setup();
    const site = this.inProcess ? new InProcessSite(runner, port ?? IN_PROCESS_PORT) : new TCPSite(runner, this.host, port ?? 0);
    try {
      await site.start();
    } catch (err) {
      await runner.cleanup();
      throw err;
    }
    this.#site = site;
  }

  /** The root URL, e.g. `http://127.0.0.1:41234`. */
  get baseUrl(): URL {
    const port = this.port;
    if (port === undefined) throw new Error('TestServer is not started: call `await server.start()` first');
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return new URL(`${this.scheme}://${host}:${port}`);
  }

  /** The absolute URL of `path` on this server (aiohttp's `make_url`). */
  makeUrl(path: string): URL {
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) throw new TypeError(`path must be relative to the server, got ${path}`);
    return new URL(path, this.baseUrl);
  }

  /** The absolute URL of `path` as a string. */
  url(path = '/'): string {
    return this.makeUrl(path).href;
  }

  /** @internal Opens an in-memory connection (in-process mode only). */
  _connect(): Duplex {
    if (this.#closed) throw Object.assign(new TestServerClosedError('TestServer is closed'), { code: 'ERR_TEST_SERVER_CLOSED' });
    const site = this.#site;
    if (!(site instanceof InProcessSite)) throw new Error('TestServer is not started in-process');
    return site.connect();
  }

  /** Shuts the app down gracefully (shutdown and cleanup signals) and closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#starting?.catch(() => undefined);
    await this.#runner?.cleanup();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Serves an application on a free loopback port for tests (aiohttp's `TestServer`).
 *
 * @example
 * await using server = new TestServer(app);
 * await server.start();
 * const resp = await fetch(server.url('/'));
 */
export class TestServer extends BaseTestServer {
  readonly #app: Application;
  constructor(app: Application, options: TestServerOptions = {}) {
    super(options);
    if (!(app instanceof Application)) throw new TypeError('app must be a web.Application');
    this.#app = app;
  }
  get app(): Application {
    return this.#app;
  }
}

/**
 * Serves one bare `(request) => response` handler for every method and path (aiohttp's
 * `RawTestServer`); no router, so there are no 404s or 405s.
 */
export class RawTestServer extends BaseTestServer {
  readonly #app: Application;
  /** The handler served. */
  readonly handler: HandlerFn;
  constructor(handler: HandlerFn, options: TestServerOptions = {}) {
    super(options);
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    this.handler = handler;
    this.#app = new Application();
    this.#app.router.addRoute('*', '/{path:.*}', handler);
  }
  get app(): Application {
    return this.#app;
  }
}
