/** session.wsConnect follows handshake redirects as aiohttp's ws_connect does, with the HTTP redirect rules. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { BasicAuth, ClientSession, CookieJar, TooManyRedirects, WSMsgType, web } from '../../src/index.js';
import { serve } from '../helpers/server.js';

interface Seen {
  authorization: string | undefined;
  cookie: string | undefined;
  path: string;
}

/** An app with `/ws` (echo, records what the handshake carried) and `/go?to=URL` (a 307 to it). */
async function wsApp(t: TestContext): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    seen.push({ authorization: request.headers.get('authorization'), cookie: request.headers.get('cookie'), path: request.pathQs });
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    for await (const msg of ws) if (msg.type === WSMsgType.TEXT) await ws.sendStr(`echo ${msg.data}`);
    return ws;
  });
  app.router.addGet('/go', (request) => {
    const res = new web.Response({ status: 307, headers: { Location: request.query.get('to') ?? '/ws' } });
    res.setCookie('hop', 'one');
    return res;
  });
  app.router.addGet('/loop', () => new web.Response({ status: 302, headers: { Location: '/loop' } }));
  const served = await serve(app, t);
  return { url: served.url, seen };
}

async function echo(session: ClientSession, url: string, options: Parameters<ClientSession['wsConnect']>[1] = {}): Promise<string> {
  const ws = await session.wsConnect(url, options);
  try {
    await ws.sendStr('hi');
    const msg = await ws.receive();
    return String(msg.data);
  } finally {
    await ws.close();
  }
}

describe('wsConnect redirects', () => {
  it('follows a same-origin redirect with the credentials and the params of the first request', async (t) => {
    const a = await wsApp(t);
    const session = new ClientSession({ cookieJar: new CookieJar({ unsafe: true }) });
    t.after(() => session.close());
    const reply = await echo(session, `${a.url.replace('http', 'ws')}/go`, {
      params: { to: '/ws?x=1' },
      auth: new BasicAuth('user', 'pass'),
      cookies: { c: '1' },
    });
    assert.equal(reply, 'echo hi');
    assert.equal(a.seen.length, 1);
    assert.equal(a.seen[0]!.path, '/ws?x=1');
    assert.equal(a.seen[0]!.authorization, new BasicAuth('user', 'pass').encode());
    assert.match(a.seen[0]!.cookie ?? '', /(^|; )c=1(;|$)/);
    assert.match(a.seen[0]!.cookie ?? '', /(^|; )hop=one(;|$)/, 'the Set-Cookie of the redirect went into the jar');
  });

  it('sends no Authorization, session auth or per-request cookies past another origin', async (t) => {
    const a = await wsApp(t);
    const b = await wsApp(t);
    const session = new ClientSession({ auth: new BasicAuth('session', 'secret'), headers: { 'X-Keep': 'yes' } });
    t.after(() => session.close());
    const reply = await echo(session, `${a.url}/go`, {
      params: { to: `${b.url.replace('http', 'ws')}/ws` },
      headers: { Authorization: 'Bearer first-origin' },
      cookies: { c: '1' },
    });
    assert.equal(reply, 'echo hi');
    assert.equal(b.seen.length, 1);
    assert.equal(b.seen[0]!.authorization, undefined);
    assert.doesNotMatch(b.seen[0]!.cookie ?? '', /(^|; )c=1/);
    assert.equal(a.seen.length, 0);
  });

  it('stops at the session maxRedirects with TooManyRedirects', async (t) => {
    const a = await wsApp(t);
    const session = new ClientSession({ maxRedirects: 3 });
    t.after(() => session.close());
    await assert.rejects(session.wsConnect(`${a.url}/loop`), (err: unknown) => {
      assert.ok(err instanceof TooManyRedirects);
      assert.equal(err.status, 302);
      return true;
    });
  });
});
