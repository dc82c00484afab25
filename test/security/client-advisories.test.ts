/**
 * The client-side advisory classes aiohttp has closed, closed here too (issue 16): multipart part
 * header injection, Digest auth answering other origins, session auth sent to other origins, an
 * unbounded DNS cache, bodies dropped on 301/302, compression ratio bombs, a world-readable saved
 * cookie jar, and cookies the jar must refuse.
 */
import { describe, it, type TestContext } from 'node:test';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BasicAuth, ClientSession, CookieJar, DecompressionRatioError, digestAuthMiddleware, RedirectBodyError, FormData, InvalidPartHeaderError, MultipartWriter, TCPConnector,
  type AbstractResolver, type ResolveResult,
} from '../../src/index.js';

/** A loopback server running `handler`; closed after the test. */
async function serve(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('client advisories: multipart writer header injection', () => {
  it('refuses CR, LF and NUL in part headers, content types, names and file names with InvalidPartHeaderError', async (t) => {
    const injected = 'text/plain\r\nContent-Disposition: form-data; name="admin"';
    assert.throws(() => new FormData().addField('a', 'x', { contentType: injected }), InvalidPartHeaderError);
    assert.throws(() => new FormData().addField('a', 'x', { contentType: 'text/plain\0' }), InvalidPartHeaderError);
    assert.throws(() => new FormData().addField('a\0b', 'x'), InvalidPartHeaderError);
    assert.throws(() => new FormData().addField('a', 'x', { filename: 'f\0.txt' }), InvalidPartHeaderError);
    const w = new MultipartWriter();
    assert.throws(() => w.append('x', [['X-Note', 'a\r\n\r\n--injected']]), InvalidPartHeaderError);
    assert.throws(() => w.append('x', [['X-Note', 'a\nb']]), InvalidPartHeaderError);
    assert.throws(() => w.append('x', [['X-Bad\r\nName', 'v']]), (e: unknown) => e instanceof InvalidPartHeaderError && e.code === 'ERR_MULTIPART_INVALID_PART_HEADER');
    assert.equal(w.parts.length, 0, 'nothing appended');
    // A header changed after append() is checked when the body is written.
    const late = new MultipartWriter();
    late.append('x', [['X-Note', 'fine']]);
    late.parts[0]!.headers[0]![1] = 'evil\r\nX-Injected: 1';
    let seen: Buffer = Buffer.alloc(0);
    const url = await serve(t, (req, res) => {
      void bodyOf(req).then((b) => {
        seen = b;
        res.end('ok');
      }, () => res.end());
    });
    await using session = new ClientSession();
    await assert.rejects(session.post(url, { data: late }), InvalidPartHeaderError);
    assert.doesNotMatch(seen.toString('latin1'), /X-Injected/);
    // CR and LF in a field name are escaped as browsers do, never written raw.
    const form = new FormData().addField('a\r\nX-Injected: 1', 'v', { filename: 'n\r\n.txt' });
    const chunks: Buffer[] = [];
    const p = form.toPayload();
    for await (const c of p.body() as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('latin1');
    assert.doesNotMatch(text, /\r\nX-Injected/);
    assert.match(text, /name="a%0D%0AX-Injected: 1"; filename="n%0D%0A.txt"/);
  });
});

/** A Digest-protected server: 401 with a challenge until an Authorization: Digest arrives; records what it got. */
async function digestServer(t: TestContext, extra: string = ''): Promise<{ url: string; seen: Array<string | undefined> }> {
  const seen: Array<string | undefined> = [];
  const url = await serve(t, (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/to') {
      res.writeHead(302, { location: u.searchParams.get('u')! });
      res.end();
      return;
    }
    seen.push(req.headers.authorization);
    if (req.headers.authorization?.startsWith('Digest ') === true) {
      res.end('in');
      return;
    }
    res.writeHead(401, { 'www-authenticate': `Digest realm="r", nonce="n${seen.length}", qop="auth"${extra}` });
    res.end();
  });
  return { url, seen };
}

describe('client advisories: Digest auth scoped to its origin', () => {
  it('answers Digest challenges only from the origin it was set up for, also after a cross-origin redirect', async (t) => {
    const a = await digestServer(t);
    const b = await digestServer(t);
    await using session = new ClientSession({ middlewares: [digestAuthMiddleware('user', 'secret')] });
    const own = await session.get(`${a.url}/x`);
    assert.equal(own.status, 200, 'the first origin is answered');
    own.release();
    // A redirect from the first origin to another: the other's challenge is not answered.
    const away = await session.get(`${a.url}/to?u=${encodeURIComponent(`${b.url}/y`)}`);
    assert.equal(away.status, 401);
    away.release();
    const direct = await session.get(`${b.url}/z`);
    assert.equal(direct.status, 401);
    direct.release();
    assert.deepEqual(b.seen, [undefined, undefined], 'no Digest response ever reached the other origin');
    assert.ok(a.seen.some((h) => h?.startsWith('Digest username="user"') === true));
  });

  it('extends the protection space to origins the first origin lists in its domain directive', async (t) => {
    const b = await digestServer(t);
    const a = await digestServer(t, `, domain="/ ${b.url}/"`);
    await using session = new ClientSession({ middlewares: [digestAuthMiddleware('user', 'secret')] });
    (await session.get(`${a.url}/x`)).release();
    const other = await session.get(`${b.url}/y`);
    assert.equal(other.status, 200);
    other.release();
  });
});

/** A server answering with the Authorization header it got (or "-"). */
async function authEcho(t: TestContext): Promise<string> {
  return serve(t, (req, res) => res.end(req.headers.authorization ?? '-'));
}

describe('client advisories: session auth scoped to baseUrl', () => {
  it('sends the session auth only to the origin of baseUrl when one is set', async (t) => {
    const [a, b] = [await authEcho(t), await authEcho(t)];
    const basic = new BasicAuth('user', 'secret').encode();
    await using session = new ClientSession({ baseUrl: `${a}/api/`, auth: new BasicAuth('user', 'secret') });
    assert.equal(await (await session.get('x')).text(), basic, 'a relative URL gets it');
    assert.equal(await (await session.get(`${a}/abs`)).text(), basic, 'an absolute URL on the same origin gets it');
    assert.equal(await (await session.get(`${b}/other`)).text(), '-', 'another origin does not');
    assert.equal(await (await session.get(`${b}/other`, { auth: new BasicAuth('u2', 'p2') })).text(), new BasicAuth('u2', 'p2').encode(), 'per-request auth still applies');
    await using plain = new ClientSession({ auth: new BasicAuth('user', 'secret') });
    assert.equal(await (await plain.get(`${b}/any`)).text(), basic, 'without baseUrl, every origin gets it (as aiohttp)');
  });
});

/** A resolver answering 127.0.0.1 for every name, counting the names it was asked. */
function fakeResolver(): AbstractResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve(host: string, port: number): Promise<ResolveResult[]> {
      asked.push(host);
      return Promise.resolve([{ hostname: host, host: '127.0.0.1', port, family: 4 }]);
    },
  };
}

describe('client advisories: bounded DNS cache', () => {
  it('keeps at most dnsCacheMaxSize names after 10,000 distinct names, evicting the oldest', async () => {
    const resolver = fakeResolver();
    const connector = new TCPConnector({ resolver, dnsCacheMaxSize: 100, ttlDnsCache: null });
    try {
      for (let i = 0; i < 10_000; i++) await connector._resolve(`h${i}.test`);
      assert.equal(resolver.asked.length, 10_000);
      assert.equal(connector._dnsCacheSize, 100);
      await connector._resolve('h9999.test');
      assert.equal(resolver.asked.length, 10_000, 'the newest name is still cached');
      await connector._resolve('h0.test');
      assert.equal(resolver.asked.length, 10_001, 'the oldest name was evicted');
    } finally {
      await connector.close();
    }
    const byDefault = new TCPConnector({ resolver: fakeResolver(), ttlDnsCache: null });
    try {
      for (let i = 0; i < 10_000; i++) await byDefault._resolve(`h${i}.test`);
      assert.equal(byDefault._dnsCacheSize, 1024, 'bounded by default');
    } finally {
      await byDefault.close();
    }
    assert.throws(() => new TCPConnector({ dnsCacheMaxSize: 0 }), RangeError);
  });

  it('connects through a custom resolver', async (t) => {
    const url = new URL(await serve(t, (_req, res) => res.end('resolved')));
    const resolver = fakeResolver();
    await using session = new ClientSession({ connector: new TCPConnector({ resolver }) });
    assert.equal(await (await session.get(`http://service.test:${url.port}/`)).text(), 'resolved');
    assert.deepEqual(resolver.asked, ['service.test']);
  });
});

describe('client advisories: bodies on 301/302', () => {
  it('keeps the method and the body of PUT, PATCH and DELETE on 301 and 302, and turns only POST into GET', async (t) => {
    const url = await serve(t, (req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      void bodyOf(req).then((body) => {
        if (u.pathname.startsWith('/r')) {
          res.writeHead(Number(u.pathname.slice(2)), { location: '/echo' });
          res.end();
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, body: body.toString(), type: req.headers['content-type'] ?? null }));
      });
    });
    await using session = new ClientSession();
    for (const status of [301, 302]) {
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        const resp = await session.request(method, `${url}/r${status}`, { data: Buffer.from(`payload-${method}`), headers: { 'Content-Type': 'text/plain' } });
        assert.deepEqual(await resp.json(), { method, body: `payload-${method}`, type: 'text/plain' }, `${method} after ${status}`);
        assert.equal(resp.history[0]?.status, status);
      }
      const post = await session.post(`${url}/r${status}`, { data: 'form' });
      assert.deepEqual(await post.json(), { method: 'GET', body: '', type: null }, `POST after ${status}`);
    }
    await assert.rejects(
      session.put(`${url}/r301`, { data: Readable.from([Buffer.from('once')]) }),
      RedirectBodyError,
      'a one-shot stream cannot be sent again',
    );
  });
});

describe('client advisories: decompression ratio', () => {
  it('stops a small gzip that inflates past maxDecompressRatio with DecompressionRatioError, configurable', async (t) => {
    const bomb = gzipSync(Buffer.alloc(16 * 2 ** 20));
    assert.ok(bomb.length < 64 * 1024, 'about a thousand times smaller than what it inflates to');
    // About 8x: ordinary text compresses like this and must pass by default.
    const words = Buffer.from(Array.from({ length: 300_000 }, (_, i) => `w${(i * 7919) % 100_003}`).join(' '));
    const text = gzipSync(words);
    const url = await serve(t, (req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/octet-stream' });
      res.end(req.url === '/bomb' ? bomb : text);
    });
    await using session = new ClientSession();
    await assert.rejects(
      (await session.get(`${url}/bomb`)).read(),
      (e: unknown) => e instanceof DecompressionRatioError && e.code === 'ERR_CLIENT_DECOMPRESSION_RATIO' && e.limit === 200,
    );
    assert.ok(words.length > 2 ** 20 && words.length / text.length < 200, `ratio ${words.length / text.length}`);
    assert.equal((await (await session.get(`${url}/text`)).read()).length, words.length);
    await using strict = new ClientSession({ maxDecompressRatio: 2 });
    await assert.rejects((await strict.get(`${url}/text`)).read(), DecompressionRatioError);
    await using off = new ClientSession({ maxDecompressRatio: null });
    assert.equal((await (await off.get(`${url}/bomb`)).read()).length, 16 * 2 ** 20);
  });
});

describe('client advisories: saved cookie jar', () => {
  it('saves the cookie jar readable by its owner only (0600), also over an existing file', { skip: process.platform === 'win32' }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'jar-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const jar = new CookieJar();
    jar.updateCookies({ sid: 'secret' }, 'http://example.com/');
    const fresh = join(dir, 'fresh.json');
    await jar.save(fresh);
    assert.equal((await stat(fresh)).mode & 0o777, 0o600);
    const old = join(dir, 'old.json');
    await writeFile(old, 'x', { mode: 0o644 });
    await jar.save(old);
    assert.equal((await stat(old)).mode & 0o777, 0o600);
    const back = new CookieJar();
    await back.load(old);
    assert.equal(back.filterCookies('http://example.com/').get('sid'), 'secret');
  });
});

describe('client advisories: cookies the jar refuses', () => {
  it('refuses __Host- and __Secure- prefixes in any case without their rules, SameSite=None without Secure, and empty names', () => {
    const jar = new CookieJar();
    const https = new URL('https://example.com/a/b');
    const http = new URL('http://example.com/a/b');
    jar.updateFromSetCookie([
      '__secure-lower=1',
      '__SECURE-upper=1; Path=/',
      '__host-lower=1; Secure; Path=/; Domain=example.com',
      '__HOST-path=1; Secure; Path=/a',
      '__Host-nosecure=1; Path=/',
      'none=1; SameSite=None',
      'nonelower=1; samesite=none; Path=/',
      '=nameless',
      'valueonly',
      '__Host-ok=1; Secure; Path=/',
      '__secure-ok=1; Secure; Path=/',
      'none-ok=1; SameSite=None; Secure; Path=/',
      'plain=1; Path=/',
    ], https);
    jar.updateFromSetCookie(['__SeCuRe-http=1; Secure; Path=/', '__host-http=1; Secure; Path=/'], http);
    const sent = jar.filterCookies('https://example.com/a/b');
    assert.deepEqual([...sent.keys()].sort(), ['__Host-ok', '__secure-ok', 'none-ok', 'plain']);
    assert.equal(jar.cookieHeader(https).includes('nameless'), false);
    jar.updateCookies([['', 'x']], 'https://example.com/');
    jar.updateCookies([['', 'shared']]);
    assert.equal([...jar].some((c) => c.key === ''), false, 'no empty name stored');
  });
});
