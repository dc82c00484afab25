/**
 * Where a request comes from: the authority is the Host header or an absolute-form target (RFC 9112
 * §3.2.2), never the path, and an invalid Host is a 400 (RFC 9112 §3.2). Raw sockets, so the bytes
 * are exactly what a hostile client sends.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import * as web from '../../src/server/index.js';
import { isValidHost } from '../../src/server/authority.js';
import { makeMockedRequest } from '../../src/test-utils/index.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

interface Seen {
  host: string;
  url: string;
  urlHost: string;
  path: string;
}

/** An app answering every path with what the handler saw of host and URL. */
async function app(t: TestContext, setup?: (app: web.Application) => void): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const a = new web.Application();
  setup?.(a);
  a.router.addRoute('*', '/{tail:.*}', (request) => {
    const s = { host: request.host, url: request.url.href, urlHost: request.url.host, path: request.path };
    seen.push(s);
    return web.jsonResponse(s);
  });
  const { port } = await serve(a, t);
  return { port, seen };
}

async function ask(port: number, target: string, headers = 'Host: good.example\r\n'): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  return parseRaw(await rawRequest(port, `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`));
}

const BAD_HOSTS = [
  'a b', 'a\tb', 'a:99999', 'a:8o', 'a:-1', 'a:', 'a:80:80', 'a/b', 'a?b', 'a#b', 'a, b', 'a,b', 'http://a', 'u@a',
  '[::1', '[::1]x', '[zz::1]', 'a\\b', 'a%2eb', '0x7f.1', '2130706433', '010.0.0.1', 'a.123', 'é.example', '<a>',
];

describe('request authority', () => {
  it('keeps request.url.host the Host header for paths that WHATWG URL reads as a host', async (t) => {
    const { port } = await app(t);
    for (const target of ['//evil.example', '//evil.example/x?y=1', '/\\evil.example', '/\\\\evil.example/', '///evil.example', '/%2F/evil.example', '/.//evil.example']) {
      const r = await ask(port, target);
      assert.equal(r.status, 200, target);
      const seen = JSON.parse(r.body) as Seen;
      assert.equal(seen.urlHost, 'good.example', target);
      assert.equal(seen.host, 'good.example', target);
      assert.ok(seen.url.startsWith('http://good.example/'), `${target}: ${seen.url}`);
    }
  });

  it('takes the authority of an absolute-form target over Host', async (t) => {
    const { port } = await app(t);
    const r = await ask(port, 'http://target.example:8080//evil.example/p?q=1', 'Host: ignored.example\r\n');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { host: 'target.example:8080', url: 'http://target.example:8080//evil.example/p?q=1', urlHost: 'target.example:8080', path: '//evil.example/p' });
    const bare = JSON.parse((await ask(port, 'http://Target.example?x', 'Host: ignored.example\r\n')).body) as Seen;
    assert.deepEqual([bare.host, bare.urlHost, bare.path], ['Target.example', 'target.example', '/']);
  });

  it('routes a domain sub-application by the absolute-form authority', async (t) => {
    const { port } = await app(t, (a) => {
      const sub = new web.Application();
      sub.router.addGet('/', () => new web.Response({ text: 'admin' }));
      a.addDomain('admin.example', sub);
    });
    assert.equal((await ask(port, 'http://admin.example/', 'Host: www.example\r\n')).body, 'admin');
    assert.notEqual((await ask(port, 'http://www.example/', 'Host: admin.example\r\n')).body, 'admin');
  });

  it('refuses an invalid Host with 400 before any handler', async (t) => {
    const { port, seen } = await app(t);
    for (const host of BAD_HOSTS) {
      const r = await ask(port, '/', `Host: ${host}\r\n`);
      assert.equal(r.status, 400, JSON.stringify(host));
      assert.equal(r.headers.connection, 'close');
    }
    assert.deepEqual(seen, []);
  });

  it('refuses an invalid Host even with an absolute-form target, and an absolute-form target with userinfo or another scheme', async (t) => {
    const { port, seen } = await app(t);
    assert.equal((await ask(port, 'http://good.example/', 'Host: a b\r\n')).status, 400);
    for (const target of ['http://u:p@good.example/', 'http://good.example:99999/', 'ftp://good.example/', 'http:///x', 'http://0x7f.1/']) {
      assert.equal((await ask(port, target)).status, 400, target);
    }
    assert.deepEqual(seen, []);
  });

  it('accepts valid hosts as sent, and request.url.host is their WHATWG form', async (t) => {
    const { port } = await app(t);
    const cases: Array<[string, string]> = [
      ['good.example', 'good.example'], ['Good.Example:8080', 'good.example:8080'], ['good.example:80', 'good.example'],
      ['127.0.0.1:3000', '127.0.0.1:3000'], ['[::1]:8443', '[::1]:8443'], ['[0:0::1]', '[::1]'], ['a_b.example', 'a_b.example'],
      ['xn--ls8h.example', 'xn--ls8h.example'], ['localhost.', 'localhost.'],
    ];
    for (const [host, urlHost] of cases) {
      const r = await ask(port, '//evil.example', `Host: ${host}\r\n`);
      assert.equal(r.status, 200, host);
      const seen = JSON.parse(r.body) as Seen;
      assert.equal(seen.host, host);
      assert.equal(seen.urlHost, urlHost);
    }
  });

  it('uses localhost for an empty Host and for HTTP/1.0 without Host', async (t) => {
    const { port } = await app(t);
    const empty = JSON.parse((await ask(port, '//evil.example', 'Host:\r\n')).body) as Seen;
    assert.deepEqual([empty.host, empty.urlHost], ['localhost', 'localhost']);
    const old = JSON.parse(parseRaw(await rawRequest(port, 'GET //evil.example HTTP/1.0\r\n\r\n')).body) as Seen;
    assert.deepEqual([old.host, old.urlHost], ['localhost', 'localhost']);
  });

  it('refuses a WebSocket upgrade with an invalid Host with 400', async (t) => {
    const { port, seen } = await app(t);
    const sock = net.connect(port, '127.0.0.1');
    t.after(() => sock.destroy());
    await once(sock, 'connect');
    sock.write('GET / HTTP/1.1\r\nHost: a/b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    await once(sock, 'close');
    assert.equal(parseRaw(Buffer.concat(chunks).toString('latin1')).status, 400);
    assert.deepEqual(seen, []);
  });

  it('checks a forwarded host and clone({ host }) with the same rules as Host', async (t) => {
    const { port } = await app(t, (a) => a.middlewares.push(web.forwardedMiddleware({ trustedProxies: ['127.0.0.1'] })));
    const ok = JSON.parse((await ask(port, '//evil.example', 'Host: proxy.internal\r\nX-Forwarded-Host: Shop.example:8443\r\n')).body) as Seen;
    assert.deepEqual([ok.host, ok.urlHost], ['Shop.example:8443', 'shop.example:8443']);
    for (const host of ['0x7f.1', 'a:99999', '[::1', 'a%2eb']) {
      assert.equal((await ask(port, '/', `Host: proxy.internal\r\nX-Forwarded-Host: ${host}\r\n`)).status, 400, host);
    }
    const request = makeMockedRequest('GET', '//evil.example');
    assert.equal(request.url.host, '127.0.0.1');
    assert.throws(() => request.clone({ host: '2130706433' }), TypeError);
    assert.equal(request.clone({ host: 'b.example' }).url.href, 'http://b.example//evil.example');
    assert.throws(() => makeMockedRequest('GET', '/', { headers: { Host: 'a/b' } }), TypeError);
  });

  it('isValidHost agrees with WHATWG URL on every host it accepts', () => {
    for (const host of BAD_HOSTS) assert.equal(isValidHost(host), false, host);
    for (const host of ['a', 'a.b', 'a-b.c', '1.2.3.4', '1.2.3.4:0', '[::ffff:1.2.3.4]', "a!$&'()*+;=b", 'x:65535']) {
      assert.equal(isValidHost(host), true, host);
      assert.equal(new URL(`http://${host}/`).host.toLowerCase(), host.toLowerCase().replace(/:80$/, '').replace('[::ffff:1.2.3.4]', '[::ffff:102:304]'));
    }
  });
});
