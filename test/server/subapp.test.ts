import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppKey, Application, Response, View, jsonResponse, normalizePathMiddleware, type Middleware } from '../../src/server/index.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

const tagger = (tag: string, log: string[]): Middleware => async (request, handler) => {
  log.push(`${tag}:in`);
  const resp = await handler(request);
  log.push(`${tag}:out`);
  return resp;
};

describe('sub-applications', () => {
  it('routes under a prefix, runs outer then inner middlewares, and sets request.app', async (t) => {
    const log: string[] = [];
    const app = new Application({ middlewares: [tagger('outer', log)] });
    const admin = new Application({ middlewares: [tagger('inner', log)] });
    let seen: Application | undefined;
    admin.router.addGet('/users/{id}', (request) => {
      seen = request.app;
      return new Response({ text: `user ${request.matchInfo.id}` });
    }, { name: 'user' });
    admin.router.addGet('/', () => new Response({ text: 'admin root' }));
    app.router.addGet('/', () => new Response({ text: 'root' }));
    app.addSubapp('/admin', admin);
    const s = await serve(app, t);
    assert.equal(await (await fetch(`${s.url}/admin/users/7`)).text(), 'user 7');
    assert.equal(seen, admin);
    assert.deepEqual(log, ['outer:in', 'inner:in', 'inner:out', 'outer:out']);
    assert.equal(await (await fetch(`${s.url}/admin/`)).text(), 'admin root');
    assert.equal(await (await fetch(`${s.url}/`)).text(), 'root');
    log.length = 0;
    const missing = await fetch(`${s.url}/admin/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(log, ['outer:in', 'inner:in']);
    assert.equal((await fetch(`${s.url}/administrator`)).status, 404);
    assert.equal(admin.router.urlFor('user', { id: 'a b' }), '/admin/users/a%20b');
    assert.equal(admin.router.get('user')!.urlFor({ id: 3 }), '/admin/users/3');
  });

  it('nests sub-applications and builds URLs with every prefix', async (t) => {
    const app = new Application();
    const api = new Application();
    const v1 = new Application();
    v1.router.addGet('/ping', () => new Response({ text: 'pong' }), { name: 'ping' });
    api.addSubapp('/v1', v1);
    app.addSubapp('/api', api);
    v1.router.addGet('/late', () => new Response({ text: 'late' }), { name: 'late' });
    const s = await serve(app, t);
    assert.equal(await (await fetch(`${s.url}/api/v1/ping`)).text(), 'pong');
    assert.equal(await (await fetch(`${s.url}/api/v1/late`)).text(), 'late');
    assert.equal(v1.router.urlFor('ping'), '/api/v1/ping');
    assert.equal(v1.router.urlFor('late'), '/api/v1/late');
  });

  it('propagates startup, shutdown and cleanup, and cleanupCtx, to sub-apps', async () => {
    const events: string[] = [];
    const app = new Application();
    const sub = new Application();
    sub.onStartup.push(() => void events.push('sub startup'));
    sub.onShutdown.push(() => void events.push('sub shutdown'));
    sub.onCleanup.push(() => void events.push('sub cleanup'));
    sub.cleanupCtx.push(async function* () {
      events.push('ctx setup');
      yield;
      events.push('ctx teardown');
    });
    app.addSubapp('/sub', sub);
    const s = await serve(app);
    assert.deepEqual(events, ['ctx setup', 'sub startup']);
    await s.close();
    assert.deepEqual(events, ['ctx setup', 'sub startup', 'sub shutdown', 'ctx teardown', 'sub cleanup']);
    assert.ok(sub.frozen);
  });

  it('gives sub-apps their own state, with configDict falling back to outer apps', async (t) => {
    const NAME = new AppKey<string>('name');
    const DB = new AppKey<string>('db');
    const app = new Application();
    app.set(NAME, 'outer');
    app.set(DB, 'db-handle');
    const sub = new Application();
    sub.set(NAME, 'inner');
    sub.router.addGet('/', (request) => jsonResponse({
      own: request.app.get(NAME),
      name: request.configDict.get(NAME),
      db: request.configDict.get(DB),
      hasDb: request.app.has(DB),
    }));
    app.addSubapp('/sub', sub);
    const s = await serve(app, t);
    assert.deepEqual(await (await fetch(`${s.url}/sub/`)).json(), { own: 'inner', name: 'inner', db: 'db-handle', hasDb: false });
  });

  it('supports class-based views and normalizePathMiddleware inside sub-apps', async (t) => {
    const app = new Application({ middlewares: [normalizePathMiddleware()] });
    const sub = new Application();
    class Items extends View {
      get() {
        return new Response({ text: 'items' });
      }
    }
    sub.router.addView('/items/', Items);
    app.addSubapp('/sub', sub);
    const s = await serve(app, t);
    const r = await fetch(`${s.url}/sub/items/`);
    assert.equal(await r.text(), 'items');
    assert.equal((await fetch(`${s.url}/sub/items/`, { method: 'POST' })).status, 405);
    const redirect = await fetch(`${s.url}/sub/items`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/sub/items/');
    const miss = await fetch(`${s.url}/sub/none`, { redirect: 'manual' });
    assert.equal(miss.status, 404);
  });

  it('routes by Host with addDomain, wildcards included', async (t) => {
    const app = new Application();
    const a = new Application();
    const b = new Application();
    a.router.addGet('/', (request) => new Response({ text: `a ${request.host}` }));
    b.router.addGet('/', () => new Response({ text: 'wild' }));
    app.addDomain('example.com', a);
    app.addDomain('*.example.org', b);
    app.router.addGet('/', () => new Response({ text: 'default' }));
    const s = await serve(app, t);
    const get = async (host: string) => parseRaw(await rawRequest(s.port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    assert.equal((await get('example.com')).body, 'a example.com');
    assert.equal((await get('EXAMPLE.com:8080')).body, 'a EXAMPLE.com:8080');
    assert.equal((await get('x.y.example.org')).body, 'wild');
    assert.equal((await get('example.org')).body, 'default');
    assert.equal((await get('notexample.com')).body, 'default');
  });

  it('refuses to mount a frozen app or the app itself', () => {
    const app = new Application();
    const frozen = new Application();
    frozen.freeze();
    assert.throws(() => app.addSubapp('/x', frozen), /frozen/);
    assert.throws(() => app.addSubapp('/x', app), TypeError);
    assert.throws(() => app.addSubapp('/', new Application()), TypeError);
    assert.throws(() => app.addDomain('bad domain/x', new Application()), TypeError);
  });
});
