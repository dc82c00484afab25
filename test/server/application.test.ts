import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as web from '../../src/server/index.js';
import { TestClient } from '../../src/test-utils/index.js';
import { serve } from '../helpers/server.js';

/** The Connection header of a keep-alive GET (node's agent sends `Connection: keep-alive`). */
async function connectionHeader(url: string): Promise<string | undefined> {
  const agent = new http.Agent({ keepAlive: true });
  try {
    return await new Promise((resolve, reject) => {
      http.get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers.connection));
      }).on('error', reject);
    });
  } finally {
    agent.destroy();
  }
}

/** An app whose startup hooks set state, as a notes service's database pool would. */
function appWithState(): { app: web.Application; starts: () => number } {
  const POOL = new web.AppKey<number>('pool');
  let n = 0;
  const app = new web.Application();
  app.cleanupCtx.push(async function* (a) {
    a.set(POOL, ++n);
    yield;
  });
  app.router.addGet('/', (request) => new web.Response({ text: `pool ${request.app.get(POOL)}` }));
  return { app, starts: () => n };
}

describe('Application', () => {
  it('stores typed state by key identity and names a missing key', () => {
    const app = new web.Application();
    const DB = new web.AppKey<{ url: string }>('db');
    const OTHER = new web.AppKey<number>('db');
    app.set(DB, { url: 'x' });
    const db: { url: string } = app.get(DB);
    assert.equal(db.url, 'x');
    assert.ok(!app.has(OTHER));
    assert.throws(() => app.get(OTHER), (err: Error) => err instanceof RangeError && /db/.test(err.message));
  });

  it('lets cleanup contexts and startup hooks set state, and refuses it once started, as aiohttp', async () => {
    const POOL = new web.AppKey<string>('pool');
    const READY = new web.AppKey<boolean>('ready');
    const app = new web.Application();
    app.cleanupCtx.push(async function* (a) {
      a.set(POOL, 'connected');
      yield;
    });
    app.onStartup.push((a) => void a.set(READY, true));
    app.freeze();
    await app.startup();
    assert.equal(app.get(POOL), 'connected');
    assert.equal(app.get(READY), true);
    assert.throws(() => app.set(POOL, 'other'), /started application/);
    assert.throws(() => app.delete(POOL), /started application/);
    await app.cleanup();
  });

  it('runs cleanup contexts and signals in aiohttp order', async () => {
    const app = new web.Application();
    const log: string[] = [];
    app.onStartup.push(async () => void log.push('startup'));
    app.onShutdown.push(() => void log.push('shutdown'));
    app.onCleanup.push(async () => void log.push('cleanup'));
    app.cleanupCtx.push(async function* first() {
      log.push('ctx1 setup');
      yield;
      log.push('ctx1 teardown');
    });
    app.cleanupCtx.push(async function* second() {
      log.push('ctx2 setup');
      yield;
      log.push('ctx2 teardown');
    });
    const served = await serve(app);
    assert.deepEqual(log, ['ctx1 setup', 'ctx2 setup', 'startup']);
    assert.throws(() => app.onStartup.push(() => undefined), /frozen/);
    await served.close();
    assert.deepEqual(log, ['ctx1 setup', 'ctx2 setup', 'startup', 'shutdown', 'ctx2 teardown', 'ctx1 teardown', 'cleanup']);
  });

  it('reports a cleanup context that yields twice, and still runs onCleanup', async () => {
    const app = new web.Application();
    let cleaned = false;
    app.onCleanup.push(() => void (cleaned = true));
    app.cleanupCtx.push(async function* twice() {
      yield;
      yield;
    });
    await app.startup();
    await assert.rejects(app.cleanup(), /more than one 'yield'/);
    assert.ok(cleaned);
  });

  it('sends signals with their arguments, in order, awaiting each', async () => {
    const sig = new web.Signal<[number]>();
    const seen: string[] = [];
    sig.push(async (n) => {
      await new Promise((r) => setImmediate(r));
      seen.push(`a${n}`);
    });
    sig.push((n) => void seen.push(`b${n}`));
    assert.equal(sig.length, 2);
    await sig.send(1);
    assert.deepEqual(seen, ['a1', 'b1']);
  });

  it('applies middlewares in order, first outermost, and lets them rewrite responses', async (t) => {
    const order: string[] = [];
    const mw = (name: string): web.Middleware => async (request, handler) => {
      order.push(`${name} in`);
      const resp = await handler(request);
      order.push(`${name} out`);
      resp.headers.add('X-Trail', name);
      return resp;
    };
    const app = new web.Application({ middlewares: [mw('outer'), mw('inner')] });
    app.router.addGet('/', () => new web.Response({ text: 'ok' }));
    const { url } = await serve(app, t);
    const res = await fetch(url);
    assert.equal(await res.text(), 'ok');
    assert.deepEqual(order, ['outer in', 'inner in', 'inner out', 'outer out']);
    assert.equal(res.headers.get('x-trail'), 'inner, outer');
  });

  it('lets middlewares catch HTTP exceptions, including 404s, and throw their own', async (t) => {
    const app = new web.Application({
      middlewares: [
        async (request, handler) => {
          try {
            return await handler(request);
          } catch (err) {
            if (err instanceof web.HTTPNotFound) return new web.Response({ status: 404, text: 'custom 404' });
            throw err;
          }
        },
        (request, handler) => {
          if (request.headers.get('x-deny')) throw new web.HTTPForbidden({ text: 'denied' });
          return handler(request);
        },
      ],
    });
    app.router.addGet('/', () => new web.Response({ text: 'ok' }));
    const { url } = await serve(app, t);
    const nf = await fetch(`${url}/missing`);
    assert.equal(nf.status, 404);
    assert.equal(await nf.text(), 'custom 404');
    const denied = await fetch(url, { headers: { 'x-deny': '1' } });
    assert.equal(denied.status, 403);
    assert.equal(await denied.text(), 'denied');
  });

  it('registers route definitions and RouteTableDef tables', async (t) => {
    const app = new web.Application();
    const table = web.routes();
    const handler = table.get('/table/{x}')((request) => new web.Response({ text: `t ${request.matchInfo.x}` }));
    table.post('/table')(async (request) => new web.Response({ text: await request.text() }));
    assert.equal(typeof handler, 'function');
    app.addRoutes([
      web.get('/a', () => new web.Response({ text: 'a' }), { name: 'a' }),
      web.delete('/a', () => new web.Response({ text: 'deleted' })),
      web.route('PATCH', '/a', () => new web.Response({ text: 'patched' })),
    ]);
    app.addRoutes(table);
    const { url } = await serve(app, t);
    assert.equal(await (await fetch(`${url}/a`)).text(), 'a');
    assert.equal(await (await fetch(`${url}/a`, { method: 'DELETE' })).text(), 'deleted');
    assert.equal(await (await fetch(`${url}/a`, { method: 'PATCH' })).text(), 'patched');
    assert.equal(await (await fetch(`${url}/table/9`)).text(), 't 9');
    assert.equal(await (await fetch(`${url}/table`, { method: 'POST', body: 'hi' })).text(), 'hi');
    assert.equal(app.router.urlFor('a'), '/a');
  });

  it('serves with keep-alive and fresh state after a TestClient closed it (TestClient, then AppRunner)', async (t) => {
    const { app, starts } = appWithState();
    const client = new TestClient(app);
    await client.startServer();
    assert.equal(await (await client.get('/')).text(), 'pool 1');
    await client.close();
    const { url } = await serve(app, t);
    assert.equal(starts(), 2);
    assert.equal(await connectionHeader(url), 'keep-alive');
    assert.equal(await (await fetch(url)).text(), 'pool 2');
  });

  it('serves with keep-alive after a TestClient closed it (TestClient, then runApp)', async () => {
    const { app } = appWithState();
    await using client = new TestClient(app);
    await client.startServer();
    await (await client.get('/')).text();
    await client.close();
    const ac = new AbortController();
    let ready!: (name: string) => void;
    const banner = new Promise<string>((r) => (ready = r));
    const running = web.runApp(app, {
      host: '127.0.0.1', port: 0, handleSignals: false, accessLog: false, signal: ac.signal,
      printBanner: (line) => {
        const m = /Running on (\S+)/.exec(line);
        if (m) ready(m[1]!);
      },
    });
    try {
      const url = await banner;
      assert.equal(await connectionHeader(url), 'keep-alive');
      assert.equal(await (await fetch(url)).text(), 'pool 2');
    } finally {
      ac.abort();
      await running;
    }
  });

  it('refuses a second runner while the application is still running', async (t) => {
    const app = new web.Application();
    await serve(app, t);
    const runner = new web.AppRunner(app);
    await assert.rejects(runner.setup(), /already running/);
  });

  it('lets app.middlewares be extended until the application is frozen, then refuses clearly', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'ok' }));
    const mw: web.Middleware = async (request, handler) => {
      const resp = await handler(request);
      resp.headers.set('X-Mw', 'pushed');
      return resp;
    };
    app.middlewares.push(mw);
    assert.equal(app.middlewares.length, 1);
    assert.ok(Array.isArray(app.middlewares));
    assert.throws(() => app.middlewares.push('nope' as unknown as web.Middleware), TypeError);
    const { url } = await serve(app, t);
    assert.equal((await fetch(url)).headers.get('x-mw'), 'pushed');
    assert.throws(() => app.middlewares.push(mw), /Cannot modify frozen list.*application is frozen/);
    assert.throws(() => app.middlewares.splice(0, 1), /Cannot modify frozen list/);
    assert.throws(() => (app.middlewares[0] = mw), /Cannot modify frozen list/);
    assert.equal(app.middlewares.length, 1);
  });
});
