import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientSession, ClientSessionClosedError, DummyCookieJar } from '../../src/client/index.js';
import type { ClientMiddleware } from '../../src/client/index.js';
import * as web from '../../src/server/index.js';
import { RawTestServer, TestClient, TestServer, testClient } from '../../src/test-utils/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function makeApp(): web.Application {
  const app = new web.Application();
  app.router.addRoute('*', '/echo', async (request) =>
    web.jsonResponse({
      method: request.method,
      body: (await request.read()).toString(),
      remote: request.remote ?? null,
      query: request.query.toArray(),
      cookie: request.headers.get('cookie') ?? null,
      mw: request.headers.get('x-mw') ?? null,
    }));
  app.router.addGet('/login', () => {
    const resp = new web.Response({ status: 303 });
    resp.headers.set('Location', '/echo');
    resp.setCookie('sid', 'abc', { path: '/' });
    return resp;
  });
  app.router.addPost('/count', async (request) => {
    let size = 0;
    let chunks = 0;
    for await (const chunk of request.content as AsyncIterable<Buffer>) {
      size += chunk.length;
      chunks++;
    }
    return web.jsonResponse({ size, chunks });
  });
  app.router.addGet('/stream/{n}', async (request) => {
    const resp = new web.StreamResponse();
    resp.enableChunkedEncoding();
    await resp.prepare(request);
    for (let i = 0; i < Number(request.matchInfo.n); i++) await resp.write(Buffer.alloc(16 * 1024, i));
    await resp.writeEof();
    return resp;
  });
  return app;
}

for (const inProcess of [false, true]) {
  describe(`TestClient (${inProcess ? 'in-process' : 'loopback'})`, () => {
    it('has the ClientSession methods bound to the server', async (t) => {
      const client = new TestClient(makeApp(), { inProcess });
      t.after(() => client.close());
      await client.startServer();
      assert.ok(client.session instanceof ClientSession);
      assert.equal(client.server.inProcess, inProcess);
      assert.ok(client.app instanceof web.Application);
      assert.equal(client.makeUrl('/echo').href, new URL('/echo', `http://127.0.0.1:${client.port}`).href);
      for (const method of ['get', 'post', 'put', 'patch', 'delete', 'options'] as const) {
        const resp = await client[method]('/echo', { data: method === 'get' ? undefined : 'payload' } as never);
        const body = (await resp.json()) as { method: string; body: string };
        assert.equal(body.method, method.toUpperCase());
        if (method !== 'get') assert.equal(body.body, 'payload');
      }
      const head = await client.head('/echo');
      assert.equal(head.status, 200);
      head.release();
      const custom = await client.request('PROPFIND', '/echo', { params: { a: '1' } });
      assert.deepEqual(await custom.json(), { method: 'PROPFIND', body: '', remote: '127.0.0.1', query: [['a', '1']], cookie: null, mw: null });
    });

    it('keeps cookies across redirects in its jar (IP hosts allowed)', async (t) => {
      const client = await testClient(makeApp(), t, { inProcess });
      const resp = await client.get('/login');
      assert.equal(resp.status, 200);
      assert.equal(resp.history.length, 1);
      assert.equal(resp.history[0]?.status, 303);
      assert.equal(((await resp.json()) as { cookie: string }).cookie, 'sid=abc');
      assert.equal(((await (await client.get('/echo')).json()) as { cookie: string }).cookie, 'sid=abc');
    });

    it('takes session options: cookie jar and middlewares', async (t) => {
      const mw: ClientMiddleware = (req, next) => {
        req.headers.set('X-Mw', 'seen');
        return next(req);
      };
      const client = await testClient(makeApp(), t, { inProcess, cookieJar: new DummyCookieJar(), middlewares: [mw] });
      const resp = await client.get('/login');
      const body = (await resp.json()) as { cookie: string | null; mw: string };
      assert.equal(body.cookie, null);
      assert.equal(body.mw, 'seen');
    });

    it('streams a request body up and a response body down', async (t) => {
      const client = await testClient(makeApp(), t, { inProcess });
      const up = await client.post('/count', {
        data: (async function* () {
          for (let i = 0; i < 40; i++) yield Buffer.alloc(50_000, i);
        })(),
      });
      assert.equal(((await up.json()) as { size: number }).size, 2_000_000);
      const down = await client.get('/stream/64');
      let size = 0;
      for await (const chunk of down.content) size += chunk.length;
      assert.equal(size, 64 * 16 * 1024);
    });

    it('starts the server on the first request and works with await using', async () => {
      const log: string[] = [];
      const app = makeApp();
      app.onCleanup.push(() => void log.push('cleanup'));
      {
        await using client = new TestClient(app, { inProcess });
        assert.throws(() => client.session, /not started/);
        assert.equal((await client.get('/echo')).status, 200);
      }
      assert.deepEqual(log, ['cleanup']);
    });

    it('fails clearly after close, and leaves no open connection', async () => {
      const client = new TestClient(makeApp(), { inProcess });
      const resp = await client.get('/stream/4');
      await resp.read();
      const connector = client.session.connector;
      await client.close();
      await client.close();
      assert.ok(client.closed);
      assert.equal(connector.stats().totalConnected, 0);
      assert.equal(client.server.closed, true);
      await assert.rejects(client.get('/echo'), (err: Error) => {
        assert.ok(err instanceof ClientSessionClosedError);
        assert.match(err.message, /TestClient is closed/);
        return true;
      });
      await assert.rejects(client.startServer(), ClientSessionClosedError);
      await assert.rejects(client.wsConnect('/ws'), ClientSessionClosedError);
    });

    it('can be given a started TestServer or RawTestServer', async (t) => {
      const server = new RawTestServer((request) => new web.Response({ text: request.path }), { inProcess });
      const client = await testClient(server, t);
      assert.equal(client.server, server);
      assert.equal(await (await client.get('/any/where')).text(), '/any/where');
      assert.throws(() => new TestClient(server, { inProcess: !inProcess }), TypeError);
    });
  });
}

describe('TestClient', () => {
  it('in-process opens no socket: the server never listens', async (t) => {
    const client = await testClient(makeApp(), t, { inProcess: true });
    assert.deepEqual(client.server.runner?.addresses, [null]);
    assert.equal(client.port, 80);
    assert.equal(typeof client.session.connector._memoryConnect, 'function');
    assert.equal((await client.get('/echo')).status, 200);
  });

  it('testClient registers close with the context given', async () => {
    const hooks: Array<() => unknown> = [];
    const client = await testClient(makeApp(), { after: (fn) => hooks.push(fn) });
    assert.equal((await client.get('/echo')).status, 200);
    assert.equal(hooks.length, 1);
    await hooks[0]!();
    assert.ok(client.closed);
  });

  it('wsConnect goes through session.wsConnect when the client has it', async (t) => {
    const client = await testClient(new TestServer(makeApp()), t);
    const has = typeof (ClientSession.prototype as { wsConnect?: unknown }).wsConnect === 'function';
    if (has) await assert.rejects(client.wsConnect('/echo'));
    else await assert.rejects(client.wsConnect('/echo'), /no wsConnect/);
  });

  it('refuses what is not an app or a test server', () => {
    assert.throws(() => new TestClient({} as web.Application), TypeError);
  });

  it('leaves nothing behind: a process that used it exits by itself', async () => {
    const child = spawn(process.execPath, [path.join(here, 'fixtures', 'exit-child.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, out);
    assert.equal(out.trim(), 'done');
  });
});
