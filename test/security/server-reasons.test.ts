/**
 * Issue 15, "a 4xx with a reason, never a 5xx": requests the server cannot serve get the status
 * that says why (400, 413, 501, 408) and a reason, never a 500 or a dropped connection — unknown
 * methods, undecodable paths, JSON that is not UTF-8, values that cannot go on the wire,
 * Expect: 100-continue, and headersTimeout.
 */
import { describe, it, type TestContext } from 'node:test';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as web from '../../src/server/index.js';
import { captureLogger, parseRaw, rawRequest, serve } from '../helpers/server.js';
import { needs, peerPath } from '../helpers/peers.js';

const H = 'Host: a\r\n';
const C = 'Connection: close\r\n';

/** An app answering every method on every path with 200, so a refusal can only come from the server. */
async function anyRoute(t: TestContext): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const app = new web.Application();
  app.router.addRoute('*', '/{tail:.*}', (req) => {
    seen.push(req.method);
    return new web.Response({ text: 'ok' });
  });
  const { port } = await serve(app, t);
  return { port, seen };
}

describe('unknown methods', () => {
  for (const method of ['BREW', 'get', 'M-SEARCH2', 'X_Y']) {
    it(`answers 501 with Connection: close to the unknown method ${method}`, async (t) => {
      const { port, seen } = await anyRoute(t);
      const raw = await rawRequest(port, `${method} / HTTP/1.1\r\n${H}\r\nGET / HTTP/1.1\r\n${H}${C}\r\n`);
      const { status, headers } = parseRaw(raw);
      assert.equal(status, 501, raw);
      assert.match(raw, /^HTTP\/1\.1 501 Not Implemented\r\n/);
      assert.equal(headers.connection, 'close');
      assert.equal(raw.match(/HTTP\/1\.1 /g)?.length, 1, 'the request behind it is never read');
      assert.deepEqual(seen, []);
    });
  }

  for (const [name, line] of [['a NUL', 'GE\0T'], ['a separator', 'G(T'], ['a CR', 'GE\rT']] as const) {
    it(`still answers 400 to a method with ${name} in it`, async (t) => {
      const { port } = await anyRoute(t);
      const raw = await rawRequest(port, `${line} / HTTP/1.1\r\n${H}${C}\r\n`);
      assert.equal(parseRaw(raw).status, 400, raw);
    });
  }

  it('answers a method llhttp knows but no route has with 405 and Allow', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'ok' }));
    const { port } = await serve(app, t);
    const raw = await rawRequest(port, `PROPFIND / HTTP/1.1\r\n${H}${C}\r\n`);
    const { status, headers } = parseRaw(raw);
    assert.equal(status, 405, raw);
    assert.match(headers.allow ?? '', /GET/);
  });
});

/** `{"a":"\xff"}`: JSON whose one string holds a byte that is not UTF-8. */
const NOT_UTF8_JSON = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);

function post(path: string, body: Buffer, contentType = 'application/json'): Buffer {
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\n${H}${C}Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
}

describe('JSON bodies that are not UTF-8', () => {
  it('answers 400 from request.json() for a body that is not valid UTF-8, while text() replaces', async (t) => {
    const app = new web.Application();
    app.router.addPost('/json', async (req) => web.jsonResponse(await req.json()));
    app.router.addPost('/text', async (req) => new web.Response({ text: await req.text() }));
    const { port } = await serve(app, t);
    const bad = parseRaw(await rawRequest(port, post('/json', NOT_UTF8_JSON)));
    assert.equal(bad.status, 400);
    assert.match(bad.body, /Invalid JSON in request body: not valid UTF-8/);
    const text = parseRaw(await rawRequest(port, post('/text', NOT_UTF8_JSON)));
    assert.equal(text.status, 200);
    assert.equal(Buffer.from(text.body, 'latin1').toString('utf8'), '{"a":"\ufffd"}');
    const good = parseRaw(await rawRequest(port, post('/json', Buffer.from('{"a":"\u00e9"}'))));
    assert.equal(good.status, 200);
    assert.deepEqual(JSON.parse(Buffer.from(good.body, 'latin1').toString('utf8')), { a: '\u00e9' });
  });

  it('answers 400 from request.json() for bytes that are not valid in the declared charset', async (t) => {
    const app = new web.Application();
    app.router.addPost('/json', async (req) => web.jsonResponse(await req.json()));
    const { port } = await serve(app, t);
    const bad = parseRaw(await rawRequest(port, post('/json', Buffer.from([0x00, 0x22, 0xd8, 0x00, 0x00, 0x22]), 'application/json; charset=utf-16be')));
    assert.equal(bad.status, 400);
    assert.match(bad.body, /not valid utf-16be/);
  });
});

describe('invalid percent-encoding in the path', () => {
  async function helloApp(t: TestContext): Promise<{ port: number; seen: string[]; prepared: number[] }> {
    const seen: string[] = [];
    const prepared: number[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'pct-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'a b.txt'), 'file');
    const app = new web.Application();
    app.router.addStatic('/static', dir);
    app.router.addGet('/{name}', (req) => {
      seen.push(req.matchInfo['name']!);
      return new web.Response({ text: `hello, ${req.matchInfo['name']}` });
    });
    app.onResponsePrepare.push((_req, resp) => void prepared.push(resp.status));
    const { port } = await serve(app, t);
    return { port, seen, prepared };
  }

  for (const path of ['/%zz', '/abc%', '/%4', '/%e4%b8', '/%ff%fe', '/static/%ff', '/static/a%2']) {
    it(`answers 400 to the undecodable path ${path} before routing`, async (t) => {
      const { port, seen, prepared } = await helloApp(t);
      const { status, body } = parseRaw(await rawRequest(port, `GET ${path} HTTP/1.1\r\n${H}${C}\r\n`));
      assert.equal(status, 400);
      assert.equal(body, 'invalid percent-encoding in path');
      assert.deepEqual(seen, []);
      assert.deepEqual(prepared, [400], 'the refusal goes through onResponsePrepare like any response');
    });
  }

  it('hands matchInfo and static routes decoded text', async (t) => {
    const { port, seen } = await helloApp(t);
    const hello = parseRaw(await rawRequest(port, `GET /%E4%B8%96%E7%95%8C HTTP/1.1\r\n${H}${C}\r\n`));
    assert.equal(hello.status, 200);
    assert.equal(Buffer.from(hello.body, 'latin1').toString('utf8'), 'hello, \u4e16\u754c');
    assert.deepEqual(seen, ['\u4e16\u754c']);
    const file = parseRaw(await rawRequest(port, `GET /static/a%20b.txt HTTP/1.1\r\n${H}${C}\r\n`));
    assert.equal(file.status, 200);
    assert.equal(file.body, 'file');
  });
});

describe('values that cannot go on the wire', () => {
  it('raises InvalidHeaderError where a header name or value is set', () => {
    const resp = new web.Response();
    for (const [name, value, why] of [
      ['X-A', 'a\r\nSet-Cookie: admin=1', /CR/],
      ['X-A', 'a\nb', /LF/],
      ['X-A', 'a\0b', /NUL/],
      ['X-A', 'a\x01b', /control character \(U\+0001\)/],
      ['X-A', '\u4e16', /U\+4E16/],
      ['Bad Name', 'x', /invalid header name "Bad Name"/],
      ['Location', '/x\r\n', /CR/],
    ] as const) {
      assert.throws(() => resp.headers.set(name, value), (err: unknown) => {
        assert.ok(err instanceof web.InvalidHeaderError);
        assert.ok(err instanceof TypeError, 'still a TypeError, as before it was typed');
        assert.equal(err.code, 'ERR_INVALID_HEADER');
        assert.equal(err.header, name);
        assert.match(err.message, why);
        return true;
      });
      assert.throws(() => resp.headers.add(name, value), web.InvalidHeaderError);
    }
    assert.throws(() => new web.HTTPFound('/x\r\nSet-Cookie: a=1'), (err: unknown) => err instanceof web.InvalidHeaderError && err.header === 'Location');
    assert.throws(() => new web.Response({ reason: 'OK\r\nX: 1' }), (err: unknown) => err instanceof web.InvalidHeaderError && err.header === undefined);
    resp.headers.set('X-A', 'caf\u00e9\tok');
  });

  it('raises CookieError where a cookie name, value or attribute is set', () => {
    const resp = new web.Response();
    for (const [name, value, options, why] of [
      ['bad name', '1', {}, /invalid cookie name "bad name"/],
      ['a', 'x\r\nSet-Cookie: admin=1', {}, /cookie value for "a" cannot be sent: CR/],
      ['a', 'x;y', {}, /';'/],
      ['a', '\u4e16', {}, /U\+4E16/],
      ['a', 'x', { path: '/\n' }, /cookie path for "a" cannot be sent: LF/],
      ['a', 'x', { domain: 'a.example\u4e16' }, /cookie domain/],
    ] as const) {
      assert.throws(() => resp.setCookie(name, value, options), (err: unknown) => {
        assert.ok(err instanceof web.CookieError);
        assert.ok(err instanceof web.InvalidHeaderError);
        assert.equal(err.code, 'ERR_INVALID_COOKIE');
        assert.equal(err.header, 'Set-Cookie');
        assert.equal(err.cookie, name);
        assert.match(err.message, why);
        return true;
      });
    }
    assert.throws(() => resp.delCookie('bad;name'), web.CookieError);
    resp.setCookie('a', 'caf\u00e9 ok');
  });

  it('answers an uncaught invalid header value with a logged 500 without a stack, and keeps the connection', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    app.router.addGet('/h', (req) => {
      const resp = new web.Response({ text: 'x' });
      resp.headers.set('X-Echo', req.query.get('v') ?? '');
      return resp;
    });
    app.router.addGet('/c', (req) => {
      const resp = new web.Response({ text: 'x' });
      resp.setCookie('v', req.query.get('v') ?? '');
      return resp;
    });
    const { port } = await serve(app, t);
    const raw = await rawRequest(port, `GET /h?v=%E4%B8%96 HTTP/1.1\r\n${H}\r\nGET /c?v=a%0D%0Ab HTTP/1.1\r\n${H}\r\nGET /h?v=ok HTTP/1.1\r\n${H}${C}\r\n`);
    const responses = raw.split(/(?=HTTP\/1\.1 )/);
    assert.equal(responses.length, 3, raw);
    assert.equal(parseRaw(responses[0]!).status, 500);
    assert.equal(parseRaw(responses[0]!).body, '500: Internal Server Error');
    assert.equal(parseRaw(responses[1]!).status, 500);
    assert.equal(parseRaw(responses[1]!).body, '500: Internal Server Error');
    assert.equal(parseRaw(responses[2]!).status, 200, 'the same connection still serves');
    assert.doesNotMatch(raw, /at |InvalidHeaderError|CookieError/);
    const logged = logger.errors.map((args) => args.find((a) => a instanceof Error));
    assert.equal(logged.length, 2);
    assert.ok(logged[0] instanceof web.InvalidHeaderError);
    assert.ok(logged[1] instanceof web.CookieError);
  });
});

/** Opens a raw connection and collects what arrives. */
function connect(port: number, t: TestContext): { sock: net.Socket; data: () => string; closed: Promise<unknown> } {
  const sock = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => {});
  t.after(() => sock.destroy());
  return { sock, data: () => Buffer.concat(chunks).toString('latin1'), closed: once(sock, 'close') };
}

async function until(sock: net.Socket, pred: () => boolean): Promise<void> {
  while (!pred()) await once(sock, 'data');
}

const DATE = /\r\nDate: [^\r]+\r\n/g;

/** A streaming route with no limit of its own, a whole-body route with one, behind an auth middleware. */
async function expectApp(t: TestContext): Promise<{ port: number; log: string[]; prepared: number[]; logged: Promise<void>[] }> {
  const app = new web.Application({ clientMaxSize: 1024 });
  app.router.addPost('/stream', async (req) => {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of req.content as AsyncIterable<Buffer>) {
      size += chunk.length;
      hash.update(chunk);
    }
    return new web.Response({ text: `${size} ${hash.digest('hex').slice(0, 8)}` });
  });
  app.router.addPut('/stream', async (req) => {
    let size = 0;
    for await (const chunk of req.content as AsyncIterable<Buffer>) size += chunk.length;
    return new web.Response({ text: String(size) });
  });
  app.router.addPost('/small', async (req) => new web.Response({ text: String((await req.read()).length) }), { clientMaxSize: 10 });
  app.router.addPost('/private/small', async (req) => new web.Response({ text: String((await req.read()).length) }), { clientMaxSize: 10 });
  app.middlewares.push(async (req, handler) => {
    if (req.path.startsWith('/private') && req.headers.get('Authorization') !== 'Bearer ok') throw new web.HTTPUnauthorized({ text: 'who are you?' });
    return handler(req);
  });
  const prepared: number[] = [];
  app.onResponsePrepare.push((_req, resp) => {
    prepared.push(resp.status);
    resp.headers.set('Access-Control-Allow-Origin', '*');
  });
  const log: string[] = [];
  const waiters: Array<() => void> = [];
  const logged = Array.from({ length: 4 }, () => new Promise<void>((r) => waiters.push(r)));
  const { port } = await serve(app, t, { accessLog: (line) => { log.push(line); waiters.shift()?.(); }, accessLogFormat: '%r %s' });
  return { port, log, prepared, logged };
}

describe('Expect: 100-continue', () => {
  it('sends exactly 100 Continue and then the response for a streaming route over the app-wide clientMaxSize', async (t) => {
    const { port, log, logged } = await expectApp(t);
    const c = connect(port, t);
    c.sock.write(`POST /stream HTTP/1.1\r\n${H}Content-Length: 5000\r\nExpect: 100-continue\r\n${C}\r\n`);
    await until(c.sock, () => c.data().includes('\r\n\r\n'));
    assert.equal(c.data(), 'HTTP/1.1 100 Continue\r\n\r\n');
    c.sock.write('x'.repeat(5000));
    await c.closed;
    const hash = createHash('sha256').update('x'.repeat(5000)).digest('hex').slice(0, 8);
    const body = `5000 ${hash}`;
    assert.equal(
      c.data().replace(DATE, '\r\nDate: D\r\n'),
      `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: ${body.length}\r\nDate: D\r\nConnection: close\r\n\r\n${body}`,
    );
    await logged[0];
    assert.deepEqual(log, ['POST /stream HTTP/1.1 200']);
  });

  it("refuses a body over the route's own clientMaxSize with exactly one 413, before the body, through the access log and onResponsePrepare", async (t) => {
    const { port, log, prepared, logged } = await expectApp(t);
    const c = connect(port, t);
    c.sock.write(`POST /small HTTP/1.1\r\n${H}Content-Length: 50\r\nExpect: 100-continue\r\n\r\n`);
    await c.closed;
    const text = 'Maximum request body size 10 exceeded, actual body size 50';
    assert.equal(
      c.data().replace(DATE, '\r\nDate: D\r\n'),
      `HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: ${text.length}\r\nDate: D\r\nConnection: close\r\n\r\n${text}`,
    );
    await logged[0];
    assert.deepEqual(log, ['POST /small HTTP/1.1 413']);
    assert.deepEqual(prepared, [413]);
  });

  it("lets an auth middleware's 401 answer before the route's 413, without asking for the body", async (t) => {
    const { port, prepared, log, logged } = await expectApp(t);
    const raw = await rawRequest(port, `POST /private/small HTTP/1.1\r\n${H}Content-Length: 50\r\nExpect: 100-continue\r\n\r\n`);
    assert.ok(!raw.includes('100 Continue'), raw);
    const { status, headers, body } = parseRaw(raw);
    assert.equal(status, 401, raw);
    assert.equal(body, 'who are you?');
    assert.equal(headers.connection, 'close');
    await logged[0];
    assert.deepEqual(log, ['POST /private/small HTTP/1.1 401']);
    assert.deepEqual(prepared, [401]);
    const ok = await rawRequest(port, `POST /private/small HTTP/1.1\r\n${H}Authorization: Bearer ok\r\nContent-Length: 50\r\nExpect: 100-continue\r\n\r\n`);
    assert.ok(!ok.includes('100 Continue'), ok);
    assert.equal(parseRaw(ok).status, 413);
  });

  it('uploads a file bigger than the app-wide clientMaxSize with curl -T to a streaming route', needs('curl'), async (t) => {
    const { port } = await expectApp(t);
    const size = 3 * 1024 * 1024;
    const dir = mkdtempSync(join(tmpdir(), 'curl-t-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(size, 7));
    const { stdout, stderr } = await promisify(execFile)(peerPath('curl'), ['-sS', '-v', '-T', join(dir, 'big.bin'), '-w', '\\n%{http_code}', `http://127.0.0.1:${port}/stream`]);
    assert.match(stderr, /> Expect: 100-continue/i, 'curl asked for 100 Continue');
    assert.match(stderr, /< HTTP\/1\.1 100 Continue/);
    assert.equal(stdout, `${size}\n200`);
  });
});

describe('headersTimeout', () => {
  it('cuts off a client sending one header byte at a time no later than headersTimeout after its first byte', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'x' }));
    // The first byte goes out right after the server starts listening, just after one of node's
    // periodic timeout checks: a check interval added to the timeout would show.
    const { port } = await serve(app, t, { headersTimeout: 1, requestTimeout: 10 });
    const c = connect(port, t);
    await once(c.sock, 'connect');
    const bytes = `GET / HTTP/1.1\r\n${H}${'X-Slow: '.padEnd(400, 'a')}`;
    let i = 0;
    c.sock.write(bytes[i++]!);
    const first = performance.now();
    const timer = setInterval(() => {
      if (!c.sock.destroyed && i < bytes.length) c.sock.write(bytes[i++]!);
    }, 20);
    t.after(() => clearInterval(timer));
    await c.closed;
    clearInterval(timer);
    const elapsed = performance.now() - first;
    assert.match(c.data(), /^HTTP\/1\.1 408 /);
    assert.ok(elapsed >= 850, `cut off too early, after ${elapsed.toFixed(0)} ms`);
    // 1 s, plus a little for the timer that fires late on a busy machine.
    assert.ok(elapsed <= 1080, `cut off ${elapsed.toFixed(0)} ms after the first byte, over headersTimeout (1000 ms)`);
  });
});
