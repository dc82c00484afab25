import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BasicAuth, ClientSession, ClientTimeout, DummyCookieJar, TraceConfig } from '../../src/index.js';

describe('ClientSession (unit)', () => {
  it('keeps its defaults', async () => {
    const jar = new DummyCookieJar();
    const auth = new BasicAuth('a', 'b');
    const timeout = new ClientTimeout({ total: 10 });
    const s = new ClientSession({ baseUrl: 'http://h/api/', headers: { 'X-A': '1' }, auth, timeout, cookieJar: jar });
    assert.equal(s.baseUrl?.href, 'http://h/api/');
    assert.equal(s.headers.get('x-a'), '1');
    assert.equal(s.headers.get('user-agent'), 'aiohttp-ts/0.1');
    assert.equal(s.auth, auth);
    assert.equal(s.timeout, timeout);
    assert.equal(s.cookieJar, jar);
    assert.equal(s.closed, false);
    await s.close();
    await s.close();
    assert.equal(s.closed, true);
    assert.equal(s.connector.closed, true);
  });

  it('rejects misuse with TypeErrors naming the argument', async () => {
    assert.throws(() => new ClientSession({ baseUrl: 'ftp://h/' }), /baseUrl must be an http\(s\) URL/);
    assert.throws(() => new ClientSession({ timeout: 5 as never }), /timeout must be a ClientTimeout/);
    assert.throws(() => new BasicAuth('a:b'), /":" is not allowed in login/);
    assert.throws(() => BasicAuth.decode('Bearer x'), /Unknown authorization method/);
    await using s = new ClientSession();
    await assert.rejects(s.get('http://u:p@h/', { auth: new BasicAuth('x') }), /Cannot combine AUTH argument/);
    await assert.rejects(s.get('http://h/', { proxy: 'ftp://p/' }), /proxy: unsupported scheme/);
  });

  it('prepares WebSocket upgrades with default headers, auth, cookies and TLS', async () => {
    const { CookieJar } = await import('../../src/index.js');
    const jar = new CookieJar();
    jar.updateFromSetCookie(['sid=1; Path=/'], new URL('http://example.test/'));
    await using s = new ClientSession({ cookieJar: jar, headers: { 'X-App': 'a' }, auth: new BasicAuth('u', 'p') });
    const up = s._upgradeRequest('ws://example.test/ws', { params: { room: '1' }, ssl: false });
    assert.equal(up.url.href, 'http://example.test/ws?room=1');
    assert.equal(up.headers['X-App'], 'a');
    assert.equal(up.headers['Cookie'], 'sid=1');
    assert.equal(up.headers['Authorization'], new BasicAuth('u', 'p').encode());
    assert.equal(up.headers['Accept-Encoding'], undefined);
    assert.equal(up.tls.rejectUnauthorized, false);
    s._storeCookies(['n=2; Path=/'], up.url);
    assert.equal(jar.cookieHeader(new URL('http://example.test/')), 'sid=1; n=2');
  });

  it('freezes trace configs once in use', async () => {
    const tc = new TraceConfig();
    await using _s = new ClientSession({ traceConfigs: [tc] });
    assert.ok(tc.frozen);
    assert.throws(() => tc.onRequestStart.push(() => {}));
  });

  it('warns about a session collected without close()', () => {
    const entry = new URL('../../src/index.js', import.meta.url).href;
    const code = `
      const { ClientSession } = await import(${JSON.stringify(entry)});
      (() => { new ClientSession(); })();
      await new Promise((r) => setTimeout(r, 10));
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
    `;
    const out = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stderr, /ResourceWarning: Unclosed client session/);
  });
});
