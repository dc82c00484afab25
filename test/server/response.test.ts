import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as web from '../../src/server/index.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

describe('Response', () => {
  it('builds text, bytes and JSON responses with their content types', async (t) => {
    const app = new web.Application();
    app.router.addGet('/text', () => new web.Response({ text: 'héllo', status: 201, reason: 'Made' }));
    app.router.addGet('/bytes', () => new web.Response({ body: new Uint8Array([0, 1]) }));
    app.router.addGet('/html', () => new web.Response({ text: '<b>', contentType: 'text/html', charset: 'latin1' }));
    app.router.addGet('/json', () => web.jsonResponse({ a: 1 }, { status: 202, headers: { 'X-A': 'b' } }));
    app.router.addGet('/dumps', () => web.jsonResponse([1], { dumps: (d) => `${JSON.stringify(d)}\n` }));
    app.router.addGet('/empty', () => new web.Response({ status: 204 }));
    const { url, port } = await serve(app, t);
    const text = await fetch(`${url}/text`);
    assert.equal(text.status, 201);
    assert.equal(text.statusText, 'Made');
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(text.headers.get('content-length'), '6');
    assert.equal(await text.text(), 'héllo');
    const bytes = await fetch(`${url}/bytes`);
    assert.equal(bytes.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual([...new Uint8Array(await bytes.arrayBuffer())], [0, 1]);
    assert.equal((await fetch(`${url}/html`)).headers.get('content-type'), 'text/html; charset=latin1');
    const json = await fetch(`${url}/json`);
    assert.equal(json.status, 202);
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(json.headers.get('x-a'), 'b');
    assert.deepEqual(await json.json(), { a: 1 });
    assert.equal(await (await fetch(`${url}/dumps`)).text(), '[1]\n');
    const empty = parseRaw(await rawRequest(port, 'GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(empty.status, 204);
    assert.equal(empty.headers['content-length'], undefined);
    assert.equal(empty.headers['transfer-encoding'], undefined);
    assert.equal(empty.body, '');
  });

  it('answers HEAD with the GET headers and no body', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'twelve bytes' }));
    const { port } = await serve(app, t);
    const raw = await rawRequest(port, 'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const res = parseRaw(raw);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], '12');
    assert.equal(res.body, '');
  });

  it('refuses header values and reasons with CR, LF or NUL, naming the header', () => {
    assert.throws(() => new web.Response({ headers: { 'X-Bad': 'a\r\nSet-Cookie: x=1' } }), (err: Error) => err instanceof TypeError && /X-Bad/.test(err.message));
    const resp = new web.Response();
    assert.throws(() => resp.headers.set('X-Evil', 'a\nb'), /X-Evil/);
    assert.throws(() => resp.headers.add('X-Nul', 'a\0b'), /X-Nul/);
    assert.throws(() => resp.headers.add('Bad Name', 'v'), TypeError);
    assert.throws(() => new web.Response({ reason: 'OK\r\nX: y' }), TypeError);
    assert.throws(() => { resp.contentType = 'text/plain\r\nX: y'; }, TypeError);
    assert.throws(() => new web.Response({ text: 'a', body: new Uint8Array(1) }), /not allowed together/);
    assert.throws(() => new web.Response({ status: 42 }), RangeError);
  });

  it('sets and deletes cookies with attributes', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => {
      const resp = new web.Response({ text: 'ok' });
      resp.setCookie('sid', 'v1', { httpOnly: true, sameSite: 'Strict', maxAge: 10, secure: true, domain: 'example.test', path: '/a', partitioned: true });
      resp.setCookie('theme', 'dark');
      resp.delCookie('old', { path: '/p' });
      assert.throws(() => resp.setCookie('x', 'a\r\nb'), TypeError);
      return resp;
    });
    const { url } = await serve(app, t);
    const res = await fetch(url);
    assert.deepEqual(res.headers.getSetCookie(), [
      'sid=v1; Domain=example.test; Max-Age=10; Path=/a; Secure; HttpOnly; SameSite=Strict; Partitioned',
      'theme=dark; Path=/',
      'old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/p',
    ]);
  });

  it('streams a StreamResponse chunked, with headers set before prepare', async (t) => {
    const app = new web.Application();
    app.router.addGet('/stream', async (request) => {
      const resp = new web.StreamResponse({ headers: { 'X-Kind': 'stream' } });
      resp.contentType = 'text/plain';
      await resp.prepare(request);
      assert.ok(resp.prepared);
      assert.throws(() => { resp.status = 500; }, /already sent/);
      for (let i = 0; i < 3; i++) await resp.write(`line ${i}\n`);
      await resp.writeEof();
      return resp;
    });
    app.router.addGet('/length', async (request) => {
      const resp = new web.StreamResponse();
      resp.contentLength = 4;
      await resp.prepare(request);
      await resp.write('ab');
      await resp.writeEof('cd');
      return resp;
    });
    const { port } = await serve(app, t);
    const res = parseRaw(await rawRequest(port, 'GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.headers['x-kind'], 'stream');
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.body, '7\r\nline 0\n\r\n7\r\nline 1\n\r\n7\r\nline 2\n\r\n0\r\n\r\n');
    const fixed = parseRaw(await rawRequest(port, 'GET /length HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(fixed.headers['content-length'], '4');
    assert.equal(fixed.headers['transfer-encoding'], undefined);
    assert.equal(fixed.body, 'abcd');
  });

  it('sends chunked on request and falls back to close-delimited for HTTP/1.0', async (t) => {
    const app = new web.Application();
    app.router.addGet('/c', async (request) => {
      const resp = new web.StreamResponse();
      resp.enableChunkedEncoding();
      assert.throws(() => { resp.contentLength = 3; }, /chunked/);
      await resp.prepare(request);
      await resp.write('abc');
      await resp.writeEof();
      return resp;
    });
    const { port } = await serve(app, t);
    const v11 = parseRaw(await rawRequest(port, 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(v11.headers['transfer-encoding'], 'chunked');
    assert.equal(v11.body, '3\r\nabc\r\n0\r\n\r\n');
    const v10 = parseRaw(await rawRequest(port, 'GET /c HTTP/1.0\r\n\r\n'));
    assert.equal(v10.headers['transfer-encoding'], undefined);
    assert.equal(v10.body, 'abc');
  });

  it('waits for drain when the client reads slowly (back-pressure)', async (t) => {
    const app = new web.Application();
    let writes = 0;
    let maxBuffered = 0;
    let blocked!: () => void;
    const wasBlocked = new Promise<void>((r) => (blocked = r));
    const chunk = Buffer.alloc(64 * 1024, 120);
    const total = 200;
    app.router.addGet('/big', async (request) => {
      const resp = new web.StreamResponse();
      await resp.prepare(request);
      const res = resp._nodeResponse!;
      for (let i = 0; i < total; i++) {
        const p = resp.write(chunk);
        writes++;
        maxBuffered = Math.max(maxBuffered, res.writableLength);
        if (res.writableNeedDrain) blocked();
        await p;
      }
      await resp.writeEof();
      return resp;
    });
    const { port } = await serve(app, t);
    const sock = net.connect(port, '127.0.0.1');
    t.after(() => sock.destroy());
    await new Promise<void>((r) => sock.once('connect', r));
    sock.pause();
    sock.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await wasBlocked;
    let received = 0;
    sock.on('data', (c: Buffer) => (received += c.length));
    sock.resume();
    await new Promise<void>((r) => sock.once('end', r));
    assert.equal(writes, total);
    assert.ok(received > total * chunk.length);
    // Ignoring back-pressure would queue up to 12.5 MiB in memory while the client was paused.
    assert.ok(maxBuffered <= 2 * chunk.length, `buffered ${maxBuffered} bytes`);
  });

  it('throws ConnectionResetError when writing after the client left', async (t) => {
    const app = new web.Application({ logger: { error: () => undefined } });
    let result!: (v: unknown) => void;
    const outcome = new Promise((r) => (result = r));
    app.router.addGet('/', async (request) => {
      const resp = new web.StreamResponse();
      await resp.prepare(request);
      await resp.write('first');
      request.transport.destroy();
      try {
        for (let i = 0; i < 100; i++) await resp.write(Buffer.alloc(65536));
        result('no error');
      } catch (err) {
        result(err);
      }
      return resp;
    });
    const { port } = await serve(app, t);
    await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const err = await outcome;
    assert.ok(err instanceof web.ConnectionResetError, String(err));
  });

  it('runs onResponsePrepare before headers are sent', async (t) => {
    const app = new web.Application();
    app.onResponsePrepare.push((request, response) => {
      response.headers.set('X-Prepared', request.path);
    });
    app.router.addGet('/x', () => new web.Response({ text: 'ok' }));
    const { url } = await serve(app, t);
    assert.equal((await fetch(`${url}/x`)).headers.get('x-prepared'), '/x');
    assert.equal((await fetch(`${url}/missing`)).headers.get('x-prepared'), '/missing');
  });

  it('keeps typed per-response state under a ResponseKey, read by middlewares and onResponsePrepare', async (t) => {
    const CACHED = new web.ResponseKey<boolean>('cached');
    const app = new web.Application({
      middlewares: [
        async (request, handler) => {
          const response = await handler(request);
          response.headers.set('X-Cache', response.has(CACHED) && response.get(CACHED) ? 'HIT' : 'MISS');
          return response;
        },
      ],
    });
    app.onResponsePrepare.push((_request, response) => {
      if (response.has(CACHED)) response.headers.set('X-Cached-Seen', String(response.get(CACHED)));
    });
    app.router.addGet('/hit', () => {
      const response = new web.Response({ text: 'hit' });
      response.set(CACHED, true);
      return response;
    });
    app.router.addGet('/miss', () => {
      const response = new web.Response({ text: 'miss' });
      // Keys match by identity: one with the same name is another key.
      response.set(new web.ResponseKey<boolean>('cached'), true);
      assert.throws(() => response.get(CACHED), (err) => err instanceof RangeError && /cached/.test(err.message));
      return response;
    });
    app.router.addGet('/deleted', () => {
      const response = new web.Response({ text: 'deleted' });
      response.set(CACHED, false);
      assert.equal(response.get(CACHED), false);
      assert.equal(response.delete(CACHED), true);
      assert.equal(response.delete(CACHED), false);
      return response;
    });
    const { url } = await serve(app, t);
    const hit = await fetch(`${url}/hit`);
    assert.equal(hit.headers.get('x-cache'), 'HIT');
    assert.equal(hit.headers.get('x-cached-seen'), 'true');
    const miss = await fetch(`${url}/miss`);
    assert.equal(miss.headers.get('x-cache'), 'MISS');
    assert.equal(miss.headers.get('x-cached-seen'), null);
    const deleted = await fetch(`${url}/deleted`);
    assert.equal(deleted.headers.get('x-cache'), 'MISS');
    assert.equal(deleted.headers.get('x-cached-seen'), null);
    assert.equal(await deleted.text(), 'deleted');
  });
});
