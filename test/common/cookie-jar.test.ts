import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieJar, DummyCookieJar, quoteCookieValue } from '../../src/common/cookies/cookie-jar.js';
import type { AbstractCookieJar } from '../../src/common/cookies/cookie-jar.js';
import { ClientSession } from '../../src/index.js';
import { startServer } from '../client/helpers.js';
import type { TestServer } from '../client/helpers.js';

const u = (s: string): URL => new URL(s);

describe('CookieJar', () => {
  it('stores Set-Cookie per domain and path, host-only unless Domain is given', () => {
    const jar = new CookieJar();
    jar.updateFromSetCookie(['a=1; Path=/', 'b=2; Domain=example.com; Path=/', 'c=3; Path=/sub'], u('http://www.example.com/'));
    assert.deepEqual([...jar.filterCookies(u('http://www.example.com/'))], [['a', '1'], ['b', '2']]);
    assert.deepEqual([...jar.filterCookies(u('http://other.example.com/'))], [['b', '2']]);
    assert.deepEqual([...jar.filterCookies(u('http://www.example.com/sub/x'))].map(([k]) => k).sort(), ['a', 'b', 'c']);
    assert.equal(jar.filterCookies(u('http://example.org/')).size, 0);
    assert.equal(jar.size, 3);
  });

  it('refuses cookies from IP hosts unless unsafe', () => {
    const safe = new CookieJar();
    safe.updateFromSetCookie(['a=1'], u('http://127.0.0.1:8080/'));
    assert.equal(safe.size, 0);
    const unsafe = new CookieJar({ unsafe: true });
    unsafe.updateFromSetCookie(['a=1'], u('http://127.0.0.1:8080/'));
    assert.equal(unsafe.cookieHeader(u('http://127.0.0.1:8080/x')), 'a=1');
  });

  it('sends shared cookies (given without a URL) to every host', () => {
    const jar = new CookieJar();
    jar.updateCookies({ cookies_are: 'working' });
    assert.equal(jar.cookieHeader(u('http://anything.test/')), 'cookies_are=working');
    assert.equal(jar.cookieHeader(u('http://10.0.0.1/')), 'cookies_are=working');
  });

  it('honours expiry and Secure', () => {
    const jar = new CookieJar();
    jar.updateFromSetCookie(['gone=1; Max-Age=0', 's=1; Secure', 'p=1'], u('https://example.com/'));
    assert.equal(jar.cookieHeader(u('https://example.com/')), 's=1; p=1');
    assert.equal(jar.cookieHeader(u('http://example.com/')), 'p=1');
  });

  it('quotes values with special characters unless quoteCookie is false', () => {
    assert.equal(quoteCookieValue('plain'), 'plain');
    assert.equal(quoteCookieValue('a b'), '"a b"');
    assert.equal(quoteCookieValue('x"y'), '"x\\"y"');
    const q = new CookieJar();
    q.updateCookies({ v: 'a b;c' });
    assert.equal(q.cookieHeader(u('http://h/')), 'v="a b;c"');
    const raw = new CookieJar({ quoteCookie: false });
    raw.updateCookies({ v: 'a b' });
    assert.equal(raw.cookieHeader(u('http://h/')), 'v=a b');
  });

  it('clears all, by predicate and by domain', () => {
    const jar = new CookieJar();
    jar.updateFromSetCookie(['a=1', 'b=2'], u('http://one.test/'));
    jar.updateFromSetCookie(['c=3'], u('http://two.test/'));
    jar.clear((c) => c.key === 'a');
    assert.deepEqual([...jar.filterCookies(u('http://one.test/'))], [['b', '2']]);
    jar.clearDomain('two.test');
    assert.equal(jar.filterCookies(u('http://two.test/')).size, 0);
    jar.clear();
    assert.equal(jar.size, 0);
  });

  it('exports and imports keeping host-only flags', async () => {
    const jar = new CookieJar();
    jar.updateFromSetCookie(['host=1', 'dom=2; Domain=example.com'], u('http://example.com/'));
    jar.updateCookies({ shared: 'yes' });
    const copy = new CookieJar();
    copy.loadJSON(JSON.parse(JSON.stringify(jar)));
    assert.deepEqual([...copy.filterCookies(u('http://example.com/'))].sort(), [['dom', '2'], ['host', '1'], ['shared', 'yes']]);
    assert.deepEqual([...copy.filterCookies(u('http://sub.example.com/'))].sort(), [['dom', '2'], ['shared', 'yes']]);
    const dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-jar-'));
    try {
      await jar.save(join(dir, 'jar.json'));
      const loaded = new CookieJar();
      await loaded.load(join(dir, 'jar.json'));
      assert.equal(loaded.size, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => copy.loadJSON({ version: 2 } as never), /not a CookieJar snapshot/);
  });
});

describe('DummyCookieJar', () => {
  it('stores and sends nothing', () => {
    const jar: AbstractCookieJar = new DummyCookieJar();
    jar.updateCookies({ a: '1' });
    jar.updateFromSetCookie(['b=2'], u('http://h/'));
    assert.equal(jar.size, 0);
    assert.equal(jar.cookieHeader(u('http://h/')), '');
  });
});

describe('cookies in ClientSession (functional)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer((req, res) => {
      if (req.url === '/set') {
        res.setHeader('set-cookie', ['sess=abc; Path=/', 'other=x; Path=/only']);
        res.end('set');
        return;
      }
      res.end(req.headers.cookie ?? '');
    });
  });
  after(async () => {
    await srv.close();
  });

  it('sends session cookies, stores response cookies and adds per-request cookies', async () => {
    await using session = new ClientSession({ cookies: { cookies_are: 'working' }, cookieJar: new CookieJar({ unsafe: true }) });
    assert.equal(await (await session.get(`${srv.url}/`)).text(), 'cookies_are=working');
    const set = await session.get(`${srv.url}/set`);
    assert.equal(set.cookies.sess!.value, 'abc');
    await set.text();
    assert.equal(await (await session.get(`${srv.url}/`)).text(), 'cookies_are=working; sess=abc');
    assert.equal(await (await session.get(`${srv.url}/`, { cookies: { once: '1' } })).text(), 'cookies_are=working; sess=abc; once=1');
    assert.equal(await (await session.get(`${srv.url}/`)).text(), 'cookies_are=working; sess=abc');
  });

  it('keeps nothing with a DummyCookieJar and ignores IP hosts with the default jar', async () => {
    await using dummy = new ClientSession({ cookieJar: new DummyCookieJar() });
    await (await dummy.get(`${srv.url}/set`)).text();
    assert.equal(await (await dummy.get(`${srv.url}/`)).text(), '');
    await using def = new ClientSession();
    await (await def.get(`${srv.url}/set`)).text();
    assert.equal(await (await def.get(`${srv.url}/`)).text(), '');
    await (await def.get(`http://localhost:${srv.port}/set`)).text();
    assert.equal(await (await def.get(`http://localhost:${srv.port}/`)).text(), 'sess=abc');
  });
});
