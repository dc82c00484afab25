import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as web from '../../src/server/index.js';
import { serve } from '../helpers/server.js';

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
});
