/**
 * TestClient, as aiohttp's `test_utils.py` `TestClient`: a real ClientSession bound to a test
 * server's base URL, over loopback TCP or, with `inProcess`, over in-memory sockets.
 */
import { CookieJar } from '../common/cookies/cookie-jar.js';
import { TCPConnector } from '../client/connector.js';
import { ClientSessionClosedError } from '../client/errors.js';
import type { ClientResponse } from '../client/response.js';
import { ClientSession } from '../client/session.js';
import type { ClientSessionOptions, RequestOptions } from '../client/session.js';
import { Application } from '../server/application.js';
import { BaseTestServer, TestServer } from './test-server.js';
import type { TestServerOptions } from './test-server.js';

/** Options of `new TestClient()`: the session's, plus how to run an application given directly. */
export interface TestClientOptions extends Omit<ClientSessionOptions, 'baseUrl' | 'connector' | 'connectorOwner'> {
  /**
   * Talk to the app through in-memory sockets instead of a loopback port: the same ClientSession
   * and node:http server code runs on both ends, with no socket opened. Applies when the client
   * makes its own TestServer (given an Application).
   */
  inProcess?: boolean;
  /** Options of the TestServer made for an Application. */
  server?: Omit<TestServerOptions, 'inProcess'>;
}

/** `session.wsConnect`'s signature once the client has it; a stand-in before. */
type WsConnect = ClientSession extends { wsConnect: (url: string, ...rest: infer A) => infer R }
  ? { rest: A; result: R }
  : { rest: [options?: Record<string, unknown>]; result: Promise<never> };

/**
 * A client for one test server, with the ClientSession API on paths relative to its base URL.
 *
 * @example
 * await using client = new TestClient(app);      // or new TestClient(app, { inProcess: true })
 * const resp = await client.get('/hello/world');
 * assert.equal(await resp.text(), 'hello, world');
 */
export class TestClient implements AsyncDisposable {
  /** The server the client talks to. */
  readonly server: BaseTestServer;
  readonly #options: TestClientOptions;
  #session: ClientSession | undefined;
  #starting: Promise<void> | undefined;
  #closed = false;

  constructor(serverOrApp: BaseTestServer | Application, options: TestClientOptions = {}) {
    if (serverOrApp instanceof BaseTestServer) {
      if (options.inProcess !== undefined && options.inProcess !== serverOrApp.inProcess) {
        throw new TypeError('inProcess must match the given server\'s: set it on the TestServer');
      }
      this.server = serverOrApp;
    } else if (serverOrApp instanceof Application) {
      this.server = new TestServer(serverOrApp, { ...options.server, inProcess: options.inProcess ?? false });
    } else {
      throw new TypeError('TestClient needs a web.Application or a TestServer');
    }
    this.#options = options;
    this.#session = undefined;
    this.#starting = undefined;
  }

  /** Starts the server (if not yet) and opens the session (aiohttp's `start_server`). */
  startServer(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    return (this.#starting ??= this.#start());
  }

  async #start(): Promise<void> {
    await this.server.start();
    const { inProcess: _i, server: _s, ...sessionOptions } = this.#options;
    const server = this.server;
    const connector = server.inProcess ? new TCPConnector({ _connect: () => server._connect() }) : new TCPConnector();
    this.#session = new ClientSession({
      cookieJar: new CookieJar({ unsafe: true }),
      ...sessionOptions,
      baseUrl: server.baseUrl,
      connector,
    });
  }

  /** The ClientSession; throws before `startServer()` (requests start the server themselves). */
  get session(): ClientSession {
    if (this.#session === undefined) throw new Error('TestClient is not started: call `await client.startServer()` first');
    return this.#session;
  }

  /** The application under test. */
  get app(): Application {
    return this.server.app;
  }

  /** The server's port, once started. */
  get port(): number | undefined {
    return this.server.port;
  }

  /** The host in the server's URLs. */
  get host(): string {
    return this.server.host;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The absolute URL of `path` on the server (aiohttp's `make_url`). */
  makeUrl(path: string): URL {
    return this.server.makeUrl(path);
  }

  /** Performs a request to `path` on the server; starts it first if needed. */
  async request(method: string, path: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    if (this.#closed) throw closedError();
    if (this.#session === undefined) await this.startServer();
    return this.session.request(method, path, options);
  }

  /** GET `path`. */
  get(path: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('GET', path, options);
  }
  /** POST to `path`. */
  post(path: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('POST', path, options);
  }
  /** PUT to `path`. */
  put(path: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('PUT', path, options);
  }
  /** PATCH `path`. */
  patch(path: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('PATCH', path, options);
  }
  /** DELETE `path`. */
  delete(path: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('DELETE', path, options);
  }
  /** HEAD `path` (redirects not followed by default). */
  head(path: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('HEAD', path, { allowRedirects: false, ...options });
  }
  /** OPTIONS `path`. */
  options(path: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('OPTIONS', path, options);
  }

  /** Opens a WebSocket to `path` on the server with `session.wsConnect`. */
  async wsConnect(path: string, ...rest: WsConnect['rest']): Promise<Awaited<WsConnect['result']>> {
    if (this.#closed) throw closedError();
    if (this.#session === undefined) await this.startServer();
    const session = this.session as unknown as { wsConnect?: (url: string, ...a: unknown[]) => WsConnect['result'] };
    if (typeof session.wsConnect !== 'function') throw new TypeError('ClientSession has no wsConnect in this build');
    if (this.server.inProcess) throw new TypeError('wsConnect is not available in-process yet; use a loopback TestClient');
    return await session.wsConnect(path, ...rest);
  }

  /** Closes the session and the server (its shutdown and cleanup signals run), as aiohttp's `close()`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#starting?.catch(() => undefined);
    await this.#session?.close();
    await this.server.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function closedError(): ClientSessionClosedError {
  return new ClientSessionClosedError('TestClient is closed: make a new TestClient for each test');
}

/** The part of a test context `testClient` uses: node:test's `t` has `after`. */
export interface TestContextLike {
  after(fn: () => unknown): unknown;
}

/**
 * Makes and starts a TestClient; given a test context with `after` (node:test's `t`), closes it
 * when the test ends.
 *
 * @example
 * it('greets', async (t) => {
 *   const client = await testClient(app, t);
 *   assert.equal(await (await client.get('/')).text(), 'hello');
 * });
 */
export async function testClient(
  serverOrApp: BaseTestServer | Application,
  context?: TestContextLike,
  options: TestClientOptions = {},
): Promise<TestClient> {
  const client = new TestClient(serverOrApp, options);
  context?.after(() => client.close());
  await client.startServer();
  return client;
}
