import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Application, forwardedMiddleware, jsonResponse, parseForwarded, type ForwardedOptions } from '../../src/server/index.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

async function ask(options: ForwardedOptions, headers: string, t: Parameters<typeof serve>[1]) {
  const app = new Application({ middlewares: [forwardedMiddleware(options)] });
  app.router.addGet('/', (request) => jsonResponse({ remote: request.remote, scheme: request.scheme, host: request.host, secure: request.secure, url: String(request.url) }));
  const s = await serve(app, t);
  const r = parseRaw(await rawRequest(s.port, `GET / HTTP/1.1\r\nHost: internal:8080\r\n${headers}Connection: close\r\n\r\n`));
  return { status: r.status, body: r.status === 200 ? (JSON.parse(r.body) as Record<string, unknown>) : r.body };
}

describe('forwardedMiddleware', () => {
  it('parses RFC 7239 Forwarded with quotes, IPv6 and ports', () => {
    assert.deepEqual(parseForwarded('for="[2001:db8::1]:4711";proto=https;host="a.example", for=192.0.2.60;by=203.0.113.43'), [
      { for: '[2001:db8::1]:4711', proto: 'https', host: 'a.example' },
      { for: '192.0.2.60', proto: undefined, host: undefined },
    ]);
  });

  it('uses X-Forwarded-* from a trusted peer', async (t) => {
    const r = await ask({ trustedProxies: ['127.0.0.1'] }, 'X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n', t);
    assert.deepEqual(r.body, { remote: '203.0.113.9', scheme: 'https', host: 'shop.example', secure: true, url: 'https://shop.example/' });
  });

  it('ignores the headers from an untrusted peer', async (t) => {
    const r = await ask({ trustedProxies: ['10.0.0.0/8'] }, 'X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nForwarded: for=1.2.3.4\r\n', t);
    assert.deepEqual(r.body, { remote: '127.0.0.1', scheme: 'http', host: 'internal:8080', secure: false, url: 'http://internal:8080/' });
  });

  it('walks back through trusted proxies only, so a client cannot spoof its address', async (t) => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; the edge proxy 10.0.0.5 appended the client's real address.
    const r = await ask({ trustedProxies: ['127.0.0.1', '10.0.0.0/8'] }, 'X-Forwarded-For: 6.6.6.6, 198.51.100.7, 10.0.0.5\r\n', t);
    assert.equal((r.body as Record<string, unknown>)['remote'], '198.51.100.7');
  });

  it('prefers Forwarded over X-Forwarded-*', async (t) => {
    const r = await ask({ trustedProxies: ['127.0.0.0/8'] }, 'Forwarded: for="[2001:db8::1]:4711";proto=https;host=a.example\r\nX-Forwarded-For: 9.9.9.9\r\n', t);
    assert.deepEqual(r.body, { remote: '2001:db8::1', scheme: 'https', host: 'a.example', secure: true, url: 'https://a.example/' });
  });

  it('trusts a number of hops', async (t) => {
    const r = await ask({ trustedProxies: 2 }, 'X-Forwarded-For: 6.6.6.6, 198.51.100.7, 10.0.0.5\r\n', t);
    assert.equal((r.body as Record<string, unknown>)['remote'], '198.51.100.7');
    const r1 = await ask({ trustedProxies: 1 }, 'X-Forwarded-For: 6.6.6.6, 198.51.100.7, 10.0.0.5\r\n', t);
    assert.equal((r1.body as Record<string, unknown>)['remote'], '10.0.0.5');
    const r2 = await ask({ trustedProxies: 2 }, 'Forwarded: for=6.6.6.6, for=198.51.100.7;proto=https, for=10.0.0.5\r\n', t);
    assert.equal((r2.body as Record<string, unknown>)['remote'], '198.51.100.7');
    assert.equal((r2.body as Record<string, unknown>)['scheme'], 'https');
  });

  it('answers 400 for a bad proto or host from a trusted proxy, and refuses bad options', async (t) => {
    assert.equal((await ask({ trustedProxies: ['127.0.0.1'] }, 'X-Forwarded-Proto: gopher\r\n', t)).status, 400);
    assert.equal((await ask({ trustedProxies: ['127.0.0.1'] }, 'X-Forwarded-Host: a/b\r\n', t)).status, 400);
    assert.throws(() => forwardedMiddleware({ trustedProxies: ['not-an-ip'] }), TypeError);
    assert.throws(() => forwardedMiddleware({ trustedProxies: 0 }), RangeError);
  });
});
