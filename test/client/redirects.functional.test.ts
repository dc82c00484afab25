import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  BasicAuth,
  ClientSession,
  NonHttpUrlRedirectClientError,
  RedirectBodyError,
  TooManyRedirects,
  TraceConfig,
} from '../../src/index.js';
import { readBody, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

describe('redirects', () => {
  let a: TestServer;
  let b: TestServer;
  let session: ClientSession;

  function redirect(res: import('node:http').ServerResponse, status: number, location: string): void {
    res.statusCode = status;
    res.setHeader('location', location);
    res.end('moved');
  }

  before(async () => {
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
      void readBody(req).then((body) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const m = /^\/(\d{3})$/.exec(url.pathname);
        if (m) return redirect(res, Number(m[1]), '/echo');
        if (url.pathname === '/loop') return redirect(res, 302, '/loop');
        if (url.pathname === '/chain') {
          const n = Number(url.searchParams.get('n') ?? '0');
          return redirect(res, 302, n > 0 ? `/chain?n=${n - 1}` : '/echo');
        }
        if (url.pathname === '/cross') return redirect(res, 302, `${b.url}/echo`);
        if (url.pathname === '/to-ftp') return redirect(res, 302, 'ftp://example.com/');
        if (url.pathname === '/set-and-redirect') {
          res.setHeader('set-cookie', 'hop=1; Path=/');
          return redirect(res, 302, '/echo');
        }
        if (url.pathname === '/absolute') return redirect(res, 301, `${a.url}/echo?from=abs`);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString() }));
      });
    };
    a = await startServer(handler);
    b = await startServer(handler);
    session = new ClientSession({ baseUrl: a.url });
  });
  after(async () => {
    await session.close();
    await a.close();
    await b.close();
  });

  type Echo = { method: string; url: string; headers: Record<string, string>; body: string };

  it('follows a redirect and keeps history', async () => {
    const resp = await session.get('/301');
    assert.equal(resp.status, 200);
    assert.equal(String(resp.url), `${a.url}/echo`);
    assert.equal(resp.history.length, 1);
    assert.equal(resp.history[0]!.status, 301);
    assert.equal(String(resp.history[0]!.url), `${a.url}/301`);
    await resp.json();
  });

  it('turns POST into GET on 301, 302 and 303, without body headers', async () => {
    for (const status of [301, 302, 303]) {
      const resp = await session.post(`/${status}`, { data: 'payload' });
      const d = (await resp.json()) as Echo;
      assert.equal(d.method, 'GET', String(status));
      assert.equal(d.body, '');
      assert.equal(d.headers['content-type'], undefined);
    }
    const put303 = (await (await session.put('/303', { data: 'x' })).json()) as Echo;
    assert.equal(put303.method, 'GET');
  });

  it('keeps method and body on 307 and 308', async () => {
    for (const status of [307, 308]) {
      const resp = await session.post(`/${status}`, { data: 'payload', headers: { 'content-type': 'text/x-custom' } });
      const d = (await resp.json()) as Echo;
      assert.equal(d.method, 'POST');
      assert.equal(d.body, 'payload');
      assert.equal(d.headers['content-type'], 'text/x-custom');
    }
  });

  it('gives a clear error when a 307 needs a one-shot stream body again', async () => {
    await assert.rejects(
      session.post('/307', { data: Readable.from([Buffer.from('once')]) }),
      (e: unknown) => e instanceof RedirectBodyError && /one-shot stream/.test(e.message),
    );
  });

  it('stops after maxRedirects with TooManyRedirects', async () => {
    await assert.rejects(session.get('/loop'), (e: unknown) => {
      assert.ok(e instanceof TooManyRedirects);
      assert.equal(e.history.length, 10);
      return true;
    });
    await assert.rejects(session.get('/chain?n=3', { maxRedirects: 2 }), TooManyRedirects);
    const ok = await session.get('/chain?n=3', { maxRedirects: 5 });
    assert.equal(ok.history.length, 4);
    await ok.read();
  });

  it('does not follow with allowRedirects: false', async () => {
    const resp = await session.get('/302', { allowRedirects: false });
    assert.equal(resp.status, 302);
    assert.equal(resp.headers.get('location'), '/echo');
    assert.equal(resp.history.length, 0);
    assert.equal(await resp.text(), 'moved');
  });

  it('drops Authorization and Cookie on a cross-origin redirect, keeps them on the same origin', async () => {
    const auth = new BasicAuth('u', 'p');
    const same = (await (await session.get('/302', { auth, headers: { Cookie: 'a=1' } })).json()) as Echo;
    assert.equal(same.headers.authorization, auth.encode());
    assert.equal(same.headers.cookie, 'a=1');
    const cross = await session.get('/cross', { auth, headers: { Cookie: 'a=1', 'X-Keep': 'k' } });
    const d = (await cross.json()) as Echo;
    assert.equal(String(cross.url), `${b.url}/echo`);
    assert.equal(d.headers.authorization, undefined);
    assert.equal(d.headers.cookie, undefined);
    assert.equal(d.headers['x-keep'], 'k');
  });

  it('refuses a redirect to a non-http scheme', async () => {
    await assert.rejects(session.get('/to-ftp'), NonHttpUrlRedirectClientError);
  });

  it('stores cookies set by a redirect hop and sends them on the next hop', async () => {
    const { CookieJar } = await import('../../src/index.js');
    const s = new ClientSession({ baseUrl: a.url, cookieJar: new CookieJar({ unsafe: true }) });
    try {
      const d = (await (await s.get('/set-and-redirect')).json()) as Echo;
      assert.equal(d.headers.cookie, 'hop=1');
    } finally {
      await s.close();
    }
  });

  it('fires onRequestRedirect and reuses the connection across hops', async () => {
    const tc = new TraceConfig();
    const events: string[] = [];
    tc.onRequestStart.push(() => void events.push('start'));
    tc.onRequestRedirect.push((_s, _c, p) => void events.push(`redirect ${(p.response as { status: number }).status}`));
    tc.onRequestEnd.push(() => void events.push('end'));
    const s = new ClientSession({ baseUrl: a.url, traceConfigs: [tc] });
    const before = a.connections;
    try {
      const resp = await s.get('/chain?n=2');
      await resp.read();
      assert.deepEqual(events, ['start', 'redirect 302', 'redirect 302', 'redirect 302', 'end']);
      assert.equal(a.connections - before, 1);
    } finally {
      await s.close();
    }
  });
});
