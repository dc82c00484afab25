import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as undiciRequest } from 'undici';
import * as web from '../../src/server/index.js';
import { captureLogger, parseRaw, rawRequest, serve } from '../helpers/server.js';

describe('Request', () => {
  it('exposes method, url, path, query, headers, cookies, host and peer data', async (t) => {
    const app = new web.Application();
    let seen: Record<string, unknown> = {};
    app.router.addGet('/p/{name}', (request) => {
      seen = {
        method: request.method,
        url: request.url.href,
        path: request.path,
        rawPath: request.rawPath,
        queryString: request.queryString,
        query: request.query.toArray(),
        queryAll: request.query.getAll('a'),
        name: request.matchInfo.name,
        headerCI: request.headers.get('X-TWICE'),
        headerAll: request.headers.getAll('x-twice'),
        cookies: { ...request.cookies },
        host: request.host,
        scheme: request.scheme,
        secure: request.secure,
        remote: request.remote,
        version: request.version,
        route: request.route?.resource.canonical,
        pathQs: request.pathQs,
      };
      return new web.Response({ text: 'ok' });
    });
    const { port } = await serve(app, t);
    const raw = await rawRequest(port,
      'GET /p/caf%C3%A9%20x?a=1&b=two+words&a=%E2%9C%93 HTTP/1.1\r\nHost: example.test:81\r\nX-Twice: 1\r\nx-twice: 2\r\n' +
      'Cookie: sid=abc; theme="dark"\r\nConnection: close\r\n\r\n');
    assert.equal(parseRaw(raw).status, 200);
    assert.deepEqual(seen, {
      method: 'GET',
      url: 'http://example.test:81/p/caf%C3%A9%20x?a=1&b=two+words&a=%E2%9C%93',
      path: '/p/café x',
      rawPath: '/p/caf%C3%A9%20x',
      queryString: 'a=1&b=two+words&a=%E2%9C%93',
      query: [['a', '1'], ['b', 'two words'], ['a', '✓']],
      queryAll: ['1', '✓'],
      name: 'café x',
      headerCI: '1',
      headerAll: ['1', '2'],
      cookies: { sid: 'abc', theme: 'dark' },
      host: 'example.test:81',
      scheme: 'http',
      secure: false,
      remote: '127.0.0.1',
      version: { major: 1, minor: 1 },
      route: '/p/{name}',
      pathQs: '/p/caf%C3%A9%20x?a=1&b=two+words&a=%E2%9C%93',
    });
  });

  it('reads the body as bytes, text with its charset, and JSON', async (t) => {
    const app = new web.Application();
    app.router.addPost('/bytes', async (request) => {
      const a = await request.read();
      const b = await request.read();
      return web.jsonResponse({ len: a.length, same: a === b, type: request.contentType, length: request.contentLength });
    });
    app.router.addPost('/text', async (request) => new web.Response({ text: `${request.charset}:${await request.text()}` }));
    app.router.addPost('/json', async (request) => web.jsonResponse({ got: await request.json() }));
    const { url } = await serve(app, t);
    const bytes = await fetch(`${url}/bytes`, { method: 'POST', body: new Uint8Array([1, 2, 3]) });
    assert.deepEqual(await bytes.json(), { len: 3, same: true, type: 'application/octet-stream', length: 3 });
    const latin = await fetch(`${url}/text`, {
      method: 'POST',
      body: Buffer.from('café', 'latin1'),
      headers: { 'content-type': 'text/plain; charset=iso-8859-1' },
    });
    assert.equal(await latin.text(), 'iso-8859-1:café');
    const json = await fetch(`${url}/json`, { method: 'POST', body: '{"a":[1,2]}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await json.json(), { got: { a: [1, 2] } });
  });

  it('reads a body that arrives in pieces after the handler started reading', async (t) => {
    const app = new web.Application({ clientMaxSize: 100 });
    let started!: () => void;
    const didStart = new Promise<void>((r) => (started = r));
    app.router.addPost('/', async (request) => {
      const body = request.json();
      started();
      return web.jsonResponse(await body);
    });
    const { port } = await serve(app, t);
    const net = await import('node:net');
    const sock = net.connect(port, '127.0.0.1');
    t.after(() => sock.destroy());
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise((r) => sock.once('close', r));
    const body = '{"a":"' + 'x'.repeat(40) + '"}';
    sock.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`);
    await didStart;
    sock.write(body.slice(10, 20));
    sock.write(body.slice(20));
    await closed;
    const res = parseRaw(Buffer.concat(chunks).toString('latin1'));
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { a: 'x'.repeat(40) });
  });

  it('decodes JSON by its charset and through a Content-Encoding', async (t) => {
    const app = new web.Application();
    app.router.addPost('/', async (request) => web.jsonResponse(await request.json()));
    const { url } = await serve(app, t);
    const latin = await fetch(url, { method: 'POST', body: Buffer.from('{"w":"café"}', 'latin1'), headers: { 'content-type': 'application/json; charset=iso-8859-1' } });
    assert.deepEqual(await latin.json(), { w: 'café' });
    const { gzipSync } = await import('node:zlib');
    const gz = await undiciRequest(url, { method: 'POST', body: gzipSync('{"z":[1,2,3]}'), headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } });
    assert.equal(gz.statusCode, 200);
    assert.deepEqual(await gz.body.json(), { z: [1, 2, 3] });
  });

  it('fails a body read when the client leaves before sending all of it', async (t) => {
    const app = new web.Application({ logger: captureLogger() });
    let failed!: (err: unknown) => void;
    const readError = new Promise<unknown>((r) => (failed = r));
    let started!: () => void;
    const didStart = new Promise<void>((r) => (started = r));
    app.router.addPost('/', async (request) => {
      const body = request.read();
      started();
      try {
        await body;
      } catch (err) {
        failed(err);
        throw err;
      }
      failed(undefined);
      return new web.Response({ text: 'complete?' });
    });
    const { port } = await serve(app, t);
    const net = await import('node:net');
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => {});
    sock.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part');
    await didStart;
    sock.destroy();
    const err = (await readError) as { code?: string } | undefined;
    assert.ok(err !== undefined, 'the read resolved without the whole body');
    assert.ok(err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE', `code ${err.code}`);
  });

  it('answers invalid JSON with 400 and a clear reason', async (t) => {
    const app = new web.Application();
    app.router.addPost('/json', async (request) => web.jsonResponse(await request.json()));
    const { url } = await serve(app, t);
    const res = await fetch(`${url}/json`, { method: 'POST', body: '{"a":' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /^Invalid JSON in request body: /);
  });

  it('parses urlencoded and multipart forms with post()', async (t) => {
    const app = new web.Application();
    app.router.addPost('/form', async (request) => web.jsonResponse((await request.post()).toArray()));
    const { url } = await serve(app, t);
    const res = await fetch(`${url}/form`, {
      method: 'POST',
      body: 'a=1&b=x+y&a=%C3%A9',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.deepEqual(await res.json(), [['a', '1'], ['b', 'x y'], ['a', 'é']]);
    const fd = new FormData();
    fd.append('f', 'v');
    const multi = await fetch(`${url}/form`, { method: 'POST', body: fd });
    assert.deepEqual(await multi.json(), [['f', 'v']]);
    const other = await fetch(`${url}/form`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await other.json(), []);
  });

  it('refuses a body over clientMaxSize by Content-Length with 413', async (t) => {
    const app = new web.Application({ clientMaxSize: 10 });
    let reached = false;
    app.router.addPost('/', async (request) => {
      reached = true;
      return new web.Response({ body: await request.read() });
    });
    const { url } = await serve(app, t);
    const ok = await fetch(url, { method: 'POST', body: '0123456789' });
    assert.equal(ok.status, 200);
    reached = false;
    const res = await undiciRequest(url, { method: 'POST', body: 'x'.repeat(11) });
    assert.equal(res.statusCode, 413);
    assert.equal(await res.body.text(), 'Maximum request body size 10 exceeded, actual body size 11');
    assert.ok(reached);
  });

  it('refuses a chunked body by counting bytes while reading', async (t) => {
    const app = new web.Application({ clientMaxSize: 1000 });
    app.router.addPost('/', async (request) => new web.Response({ text: String((await request.read()).length) }));
    const { port } = await serve(app, t);
    const chunk = 'a'.repeat(600);
    const body = `258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`;
    const raw = await rawRequest(port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`);
    const res = parseRaw(raw);
    assert.equal(res.status, 413);
    assert.equal(res.headers['connection'], 'close');
    assert.match(res.body, /Maximum request body size 1000 exceeded, actual body size 1200/);
  });

  it('streams the body through content', async (t) => {
    const app = new web.Application({ clientMaxSize: 10 });
    app.router.addPost('/', async (request) => {
      let n = 0;
      for await (const chunk of request.content) n += (chunk as Buffer).length;
      return new web.Response({ text: String(n) });
    });
    const { url } = await serve(app, t);
    const res = await fetch(url, { method: 'POST', body: 'y'.repeat(5000) });
    assert.equal(await res.text(), '5000');
  });

  it('clones with another method, URL or headers', async (t) => {
    const app = new web.Application();
    app.router.addPost('/orig/{id}', async (request) => {
      const copy = request.clone({ method: 'put', relUrl: '/other?q=1', headers: { 'Content-Type': 'text/x; charset=latin1', Cookie: 'c=1' } });
      const same = request.clone();
      return web.jsonResponse({
        method: copy.method,
        path: copy.path,
        query: copy.query.get('q'),
        type: copy.contentType,
        charset: copy.charset,
        cookies: { ...copy.cookies },
        header: copy.headers.get('cookie'),
        id: copy.matchInfo['id'],
        body: await copy.text(),
        origMethod: request.method,
        origPath: same.path,
        origType: same.contentType,
      });
    });
    const { url } = await serve(app, t);
    const res = await fetch(`${url}/orig/5`, { method: 'POST', body: 'caf\xe9', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await res.json(), {
      method: 'PUT', path: '/other', query: '1', type: 'text/x', charset: 'latin1', cookies: { c: '1' }, header: 'c=1',
      id: '5', body: 'cafÃ©', origMethod: 'POST', origPath: '/orig/5', origType: 'application/json',
    });
  });

  it('keeps typed per-request state', async (t) => {
    const USER = new web.RequestKey<{ name: string }>('user');
    const app = new web.Application({
      middlewares: [
        (request, handler) => {
          request.set(USER, { name: 'ann' });
          return handler(request);
        },
      ],
    });
    app.router.addGet('/', (request) => {
      const user: { name: string } = request.get(USER);
      assert.throws(() => request.get(new web.RequestKey<number>('other')), /other/);
      return new web.Response({ text: `${user.name} ${request.has(USER)}` });
    });
    const { url } = await serve(app, t);
    assert.equal(await (await fetch(url)).text(), 'ann true');
  });

  it('aborts request.signal when the client disconnects', async (t) => {
    const app = new web.Application();
    let aborted!: () => void;
    const wasAborted = new Promise<void>((r) => (aborted = r));
    let started!: () => void;
    const didStart = new Promise<void>((r) => (started = r));
    app.router.addGet('/slow', async (request) => {
      request.signal.addEventListener('abort', () => aborted());
      started();
      await wasAborted;
      return new web.Response({ text: 'late' });
    });
    const { url } = await serve(app, t);
    const ac = new AbortController();
    const pending = fetch(`${url}/slow`, { signal: ac.signal }).catch((err: unknown) => err);
    await didStart;
    ac.abort();
    await pending;
    await wasAborted;
  });
});
