/**
 * Server limits, paths, responses, slow clients and faults under attack: body caps before the body
 * is read, 100-continue, hostile paths, header injection, error pages, timeouts, back-pressure,
 * client aborts and fd leaks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import * as web from '../../src/server/index.js';
import { captureLogger, parseRaw, rawRequest, serve } from '../helpers/server.js';

const H = 'Host: a\r\n';

/** Opens a raw connection; collects what arrives; closed by t.after. */
function connect(port: number, t: { after(fn: () => void): void }): { sock: net.Socket; data: () => string; closed: Promise<unknown> } {
  const sock = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  sock.on('data', (c) => chunks.push(c));
  sock.on('error', () => {});
  t.after(() => sock.destroy());
  return { sock, data: () => Buffer.concat(chunks).toString('latin1'), closed: once(sock, 'close') };
}

/** Resolves once `pred` holds for the data received so far. */
async function until(sock: net.Socket, pred: () => boolean): Promise<void> {
  while (!pred()) await once(sock, 'data');
}

function limitedApp(clientMaxSize = 1024): { app: web.Application; reads: string[] } {
  const reads: string[] = [];
  const app = new web.Application({ clientMaxSize });
  app.router.addPost('/json', async (req) => {
    const v = await req.json();
    reads.push('json');
    return web.jsonResponse(v);
  });
  app.router.addPost('/form', async (req) => {
    const f = await req.post();
    reads.push('form');
    const a = f.get('a');
    return new web.Response({ text: String(typeof a === 'string' ? a.length : 0) });
  });
  app.router.addPost('/raw', async (req) => {
    const b = await req.read();
    reads.push('raw');
    return new web.Response({ text: String(b.length) });
  });
  return { app, reads };
}

describe('server body limits', () => {
  it('answers 413 from the declared Content-Length before the body is sent', async (t) => {
    const { app, reads } = limitedApp();
    const { port } = await serve(app, t);
    const c = connect(port, t);
    c.sock.write(`POST /raw HTTP/1.1\r\n${H}Content-Length: 1000000\r\n\r\n`);
    await c.closed;
    assert.equal(parseRaw(c.data()).status, 413);
    assert.deepEqual(reads, []);
  });

  for (const [path, ctype, body] of [
    ['/json', 'application/json', `{"a":"${'x'.repeat(5000)}"}`],
    ['/form', 'application/x-www-form-urlencoded', `a=${'x'.repeat(5000)}`],
    ['/raw', 'application/octet-stream', 'x'.repeat(5000)],
  ] as const) {
    it(`answers 413 for a chunked ${path} body over clientMaxSize in aggregate`, async (t) => {
      const { app, reads } = limitedApp();
      const { port } = await serve(app, t);
      const chunks = body.match(/.{1,100}/gs)!.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('');
      const raw = await rawRequest(port, `POST ${path} HTTP/1.1\r\n${H}Content-Type: ${ctype}\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`);
      assert.equal(parseRaw(raw).status, 413);
      assert.deepEqual(reads, []);
    });
  }

  it('answers 413 to Expect: 100-continue over the limit without asking for the body', async (t) => {
    const { app } = limitedApp();
    const { port } = await serve(app, t);
    const raw = await rawRequest(port, `POST /raw HTTP/1.1\r\n${H}Content-Length: 5000\r\nExpect: 100-continue\r\n\r\n`);
    assert.ok(!raw.includes('100 Continue'), raw);
    assert.equal(parseRaw(raw).status, 413);
  });

  it('answers 100 Continue under the limit and then the response', async (t) => {
    const { app } = limitedApp();
    const { port } = await serve(app, t);
    const c = connect(port, t);
    c.sock.write(`POST /raw HTTP/1.1\r\n${H}Content-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    await until(c.sock, () => c.data().includes('\r\n\r\n'));
    assert.match(c.data(), /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    c.sock.write('abc');
    await c.closed;
    assert.match(c.data(), /HTTP\/1\.1 200 OK[\s\S]*\r\n\r\n3$/);
  });

  it('answers 417 to an unknown expectation', async (t) => {
    const { app } = limitedApp();
    const { port } = await serve(app, t);
    const raw = await rawRequest(port, `POST /raw HTTP/1.1\r\n${H}Content-Length: 3\r\nExpect: something\r\nConnection: close\r\n\r\nabc`);
    assert.equal(parseRaw(raw).status, 417);
  });
});

/** Echoes what each body reader gives, so a test sees which reader a limit stopped. */
function readerRoutes(): Record<string, web.HandlerFn> {
  return {
    read: async (req) => new web.Response({ text: `read ${(await req.read()).length}` }),
    text: async (req) => new web.Response({ text: `text ${(await req.text()).length}` }),
    json: async (req) => new web.Response({ text: `json ${JSON.stringify(await req.json()).length}` }),
    post: async (req) => {
      const f = await req.post();
      const a = f.get('a');
      return new web.Response({ text: `post ${typeof a === 'string' ? a.length : a?.size ?? -1}` });
    },
    multipart: async (req) => {
      let n = 0;
      for await (const part of req.multipart()) n += (await part.read()).length;
      return new web.Response({ text: `multipart ${n}` });
    },
  };
}

/** A body of `n` payload bytes for each reader of `readerRoutes`, with its Content-Type. */
function bodyFor(reader: string, n: number): [string, Buffer] {
  const x = 'x'.repeat(n);
  if (reader === 'json') return ['application/json', Buffer.from(JSON.stringify(x))];
  if (reader === 'post') return ['application/x-www-form-urlencoded', Buffer.from(`a=${x}`)];
  if (reader === 'multipart') {
    const b = 'bnd';
    return [`multipart/form-data; boundary=${b}`, Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\n${x}\r\n--${b}--\r\n`)];
  }
  return ['text/plain', Buffer.from(x)];
}

async function postRaw(port: number, path: string, ctype: string, body: Buffer, extra = ''): Promise<{ status: number; body: string }> {
  const head = `POST ${path} HTTP/1.1\r\n${H}Content-Type: ${ctype}\r\nContent-Length: ${body.length}\r\n${extra}Connection: close\r\n\r\n`;
  const raw = await rawRequest(port, Buffer.concat([Buffer.from(head), body]));
  return parseRaw(raw);
}

const READERS = ['read', 'text', 'json', 'post', 'multipart'] as const;

describe('per-route body limits', () => {
  it('lets a route with a larger clientMaxSize than the app take a bigger body through every reader', async (t) => {
    const app = new web.Application({ clientMaxSize: 1024 });
    const handlers = readerRoutes();
    const table = web.routes();
    for (const r of READERS) {
      app.router.addPost(`/small/${r}`, handlers[r]!);
      app.router.addPost(`/big/${r}`, handlers[r]!, { clientMaxSize: 8192 });
      table.post(`/table/${r}`, { clientMaxSize: 8192 })(handlers[r]!);
    }
    app.addRoutes([web.post('/def/read', handlers.read!, { clientMaxSize: 8192 })]);
    app.addRoutes(table);
    const { port } = await serve(app, t);
    for (const r of READERS) {
      const [ctype, body] = bodyFor(r, 5000);
      for (const prefix of ['/big', '/table']) {
        const ok = await postRaw(port, `${prefix}/${r}`, ctype, body);
        assert.equal(ok.status, 200, `${prefix}/${r}: ${ok.body}`);
        assert.match(ok.body, new RegExp(`^${r} 500[0-9]$`));
      }
      // Over the route's own limit it is a 413 again.
      const [bigType, tooBig] = bodyFor(r, 9000);
      assert.equal((await postRaw(port, `/big/${r}`, bigType, tooBig)).status, 413, `/big/${r} over its limit`);
      if (r !== 'multipart') assert.equal((await postRaw(port, `/small/${r}`, ctype, body)).status, 413, `/small/${r}`);
    }
    assert.equal((await postRaw(port, '/def/read', 'text/plain', Buffer.alloc(5000))).status, 200);
  });

  it('holds a route with a smaller clientMaxSize than the app to it in every reader, also after decompression', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    const handlers = readerRoutes();
    for (const r of READERS) {
      app.router.addPost(`/tiny/${r}`, handlers[r]!, { clientMaxSize: 100 });
      app.router.addPost(`/app/${r}`, handlers[r]!);
    }
    const { port } = await serve(app, t);
    for (const r of READERS) {
      const [ctype, body] = bodyFor(r, 500);
      assert.equal((await postRaw(port, `/app/${r}`, ctype, body)).status, 200, `/app/${r}`);
      assert.equal((await postRaw(port, `/tiny/${r}`, ctype, body)).status, 413, `/tiny/${r} declared`);
      // 500 bytes of payload gzip to far less than 100: only the decoded size can trip the limit.
      const zipped = gzipSync(body);
      assert.ok(zipped.length < 100);
      const res = await postRaw(port, `/tiny/${r}`, ctype, zipped, 'Content-Encoding: gzip\r\n');
      assert.equal(res.status, 413, `/tiny/${r} after decompression: ${res.body}`);
      const small = bodyFor(r, 20);
      assert.equal((await postRaw(port, `/tiny/${r}`, small[0], gzipSync(small[1]), 'Content-Encoding: gzip\r\n')).status, 200, `/tiny/${r} under`);
    }
    assert.deepEqual(logger.errors, []);
  });

  it("checks Expect: 100-continue against the route's clientMaxSize, in sub-applications too", async (t) => {
    const app = new web.Application({ clientMaxSize: 1024 });
    const read = readerRoutes().read!;
    app.router.addPost('/big', read, { clientMaxSize: 8192 });
    app.router.addPost('/tiny', read, { clientMaxSize: 10 });
    const sub = new web.Application({ clientMaxSize: 1024 });
    sub.router.addPost('/big', read, { clientMaxSize: 8192 });
    app.addSubapp('/sub', sub);
    const { port } = await serve(app, t);
    for (const path of ['/big', '/sub/big']) {
      const c = connect(port, t);
      c.sock.write(`POST ${path} HTTP/1.1\r\n${H}Content-Length: 5000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
      await until(c.sock, () => c.data().includes('\r\n\r\n'));
      assert.match(c.data(), /^HTTP\/1\.1 100 Continue\r\n\r\n$/, path);
      c.sock.write('x'.repeat(5000));
      await c.closed;
      assert.match(c.data(), /HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nread 5000$/, path);
    }
    const raw = await rawRequest(port, `POST /tiny HTTP/1.1\r\n${H}Content-Length: 50\r\nExpect: 100-continue\r\n\r\n`);
    assert.ok(!raw.includes('100 Continue'), raw);
    assert.equal(parseRaw(raw).status, 413);
  });

  it('refuses a clientMaxSize route option that is not a non-negative integer', () => {
    const app = new web.Application();
    const h = (): web.Response => new web.Response();
    for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => app.router.addPost('/x', h, { clientMaxSize: bad }), RangeError);
    }
  });
});

describe('server paths', () => {
  it('answers hostile paths with 400 or 404, never 500', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    app.router.addGet('/files/{name}', (req) => new web.Response({ text: req.matchInfo.name }));
    app.router.addGet('/a/b', () => new web.Response({ text: 'ab' }));
    const { port } = await serve(app, t);
    const paths = ['/files/%', '/files/%zz', '/files/%e0%80', '/files/%ff%fe', '/a%2Fb', '/a/%2e%2e/a/b', '/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/files/..%2f..%2fetc', '/%00', '/files/%00', '//a/b', '/a/./b', '/a/../a/b', '/files/\u00e9'];
    for (const p of paths) {
      const raw = await rawRequest(port, Buffer.from(`GET ${p} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, 'latin1'));
      const { status, body } = parseRaw(raw);
      assert.ok(status < 500, `${p} -> ${status}`);
      assert.ok(!body.includes('passwd') || status === 200, p);
    }
    assert.deepEqual(logger.errors, []);
  });
});

describe('server responses', () => {
  it('refuses CR/LF in header values, names and reason phrases with a 500 and nothing injected', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    app.router.addGet('/value', () => new web.Response({ text: 'x', headers: { 'X-A': 'a\r\nSet-Cookie: evil=1' } }));
    app.router.addGet('/name', () => new web.Response({ text: 'x', headers: { 'X-A\r\nSet-Cookie: evil': '1' } }));
    app.router.addGet('/reason', () => new web.Response({ text: 'x', reason: 'OK\r\nSet-Cookie: evil=1' }));
    app.router.addGet('/cookie', () => {
      const r = new web.Response({ text: 'x' });
      r.setCookie('a', 'b\r\nSet-Cookie: evil=1');
      return r;
    });
    const { port } = await serve(app, t);
    for (const p of ['/value', '/name', '/reason', '/cookie']) {
      const raw = await rawRequest(port, `GET ${p} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
      assert.equal(parseRaw(raw).status, 500, p);
      assert.ok(!/evil/i.test(raw), raw);
    }
    assert.equal(logger.errors.length, 4);
  });

  it('sends error pages without stack traces, as JSON to JSON clients', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    app.router.addGet('/boom', () => {
      throw new Error('secret-detail');
    });
    const { url } = await serve(app, t);
    const html = await fetch(`${url}/boom`);
    assert.equal(html.status, 500);
    const text = await html.text();
    assert.ok(!text.includes('secret-detail') && !text.includes(' at '), text);
    const json = await fetch(`${url}/boom`, { headers: { accept: 'application/json' } });
    const body = (await json.json()) as { error: { status: number } };
    assert.equal(body.error.status, 500);
    assert.ok(!JSON.stringify(body).includes('secret-detail'));
  });

  it('keeps serving after handlers throw, reject or return junk', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    app.router.addGet('/throw', () => {
      throw new TypeError('x');
    });
    app.router.addGet('/reject', () => Promise.reject(new Error('y')));
    app.router.addGet('/junk', () => 42 as unknown as web.Response);
    app.router.addGet('/ok', () => new web.Response({ text: 'ok' }));
    const { url } = await serve(app, t);
    for (const p of ['/throw', '/reject', '/junk']) assert.equal((await fetch(url + p)).status, 500);
    assert.equal(await (await fetch(`${url}/ok`)).text(), 'ok');
    assert.equal(logger.errors.length, 3);
  });

  it('reports an error thrown by a signal handler', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    app.onResponsePrepare.push(() => {
      throw new Error('prepare hook failed');
    });
    app.router.addGet('/', () => new web.Response({ text: 'x' }));
    const { port } = await serve(app, t);
    const raw = await rawRequest(port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    assert.equal(parseRaw(raw).status, 500);
    assert.ok(logger.errors.some((args) => args.some((a) => a instanceof Error && a.message === 'prepare hook failed')), 'logged, not swallowed');
  });

  it('answers 500 without a stack when an onResponsePrepare handler throws or rejects, and keeps the connection', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    app.onResponsePrepare.push((req) => {
      if (req.path === '/throw' || req.path === '/missing') throw new Error('secret-prepare-detail');
      if (req.path === '/reject') return Promise.reject(new TypeError('secret-prepare-detail'));
    });
    app.router.addGet('/throw', () => new web.Response({ text: 'never sent' }));
    app.router.addGet('/reject', () => new web.Response({ text: 'never sent' }));
    app.router.addGet('/stream', async (req) => {
      const resp = new web.StreamResponse();
      await resp.prepare(req);
      await resp.write('streamed');
      return resp;
    });
    const { port } = await serve(app, t);
    const c = connect(port, t);
    // Keep-alive: three failures and a good response on one connection; a closed one would stop here.
    c.sock.write(`GET /throw HTTP/1.1\r\n${H}\r\nGET /reject HTTP/1.1\r\n${H}Accept: application/json\r\n\r\nGET /missing HTTP/1.1\r\n${H}\r\nGET /stream HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    await c.closed;
    const replies = c.data().split(/(?=HTTP\/1\.1 )/);
    assert.deepEqual(replies.map((r) => parseRaw(r).status), [500, 500, 500, 200], c.data());
    assert.ok(!/secret-prepare-detail|never sent| at /.test(c.data()), c.data());
    assert.equal((JSON.parse(parseRaw(replies[1]!).body) as { error: { status: number } }).error.status, 500);
    assert.ok(logger.errors.filter((args) => args.some((a) => a instanceof Error && a.message === 'secret-prepare-detail')).length >= 3);
  });
});

describe('server slow clients', () => {
  it('cuts off a client sending one header byte every 50 ms after headersTimeout', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'x' }));
    const { port } = await serve(app, t, { headersTimeout: 0.3, requestTimeout: 10 });
    const c = connect(port, t);
    const start = Date.now();
    const bytes = `GET / HTTP/1.1\r\n${H}${'X-Slow: '.padEnd(400, 'a')}`;
    let i = 0;
    const timer = setInterval(() => {
      if (!c.sock.destroyed && i < bytes.length) c.sock.write(bytes[i++]!);
    }, 50);
    t.after(() => clearInterval(timer));
    await c.closed;
    clearInterval(timer);
    const elapsed = Date.now() - start;
    assert.ok(elapsed < 3000, `cut off after ${elapsed} ms`);
    assert.ok(i < bytes.length);
    assert.match(c.data(), /^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after keepaliveTimeout', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'x' }));
    const { port } = await serve(app, t, { keepaliveTimeout: 0.2 });
    const c = connect(port, t);
    const start = Date.now();
    c.sock.write(`GET / HTTP/1.1\r\n${H}\r\n`);
    await c.closed;
    assert.ok(Date.now() - start < 2000);
    assert.equal(parseRaw(c.data()).status, 200);
  });

  it('answers 408 when the body does not arrive within requestTimeout', async (t) => {
    const app = new web.Application();
    app.router.addPost('/', async (req) => new web.Response({ text: String((await req.read()).length) }));
    const { port } = await serve(app, t, { requestTimeout: 0.3, headersTimeout: 0.3 });
    const c = connect(port, t);
    const start = Date.now();
    c.sock.write(`POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nab`);
    await c.closed;
    assert.ok(Date.now() - start < 3000);
    assert.doesNotMatch(c.data(), /200 OK/);
  });

  it('does not buffer a big download for a client that stopped reading', async (t) => {
    let written = 0;
    let stalled!: () => void;
    const stuck = new Promise<void>((r) => (stalled = r));
    const app = new web.Application();
    app.router.addGet('/big', async (req) => {
      const resp = new web.StreamResponse();
      await resp.prepare(req);
      const chunk = Buffer.alloc(64 * 1024);
      try {
        while (written < 512 * 1024 * 1024) {
          const p = resp.write(chunk);
          const timer = setTimeout(stalled, 300);
          await p;
          clearTimeout(timer);
          written += chunk.length;
        }
      } catch {
        // the client went away
      }
      return resp;
    });
    const { port } = await serve(app, t);
    const c = connect(port, t);
    c.sock.pause();
    c.sock.write(`GET /big HTTP/1.1\r\n${H}\r\n`);
    await stuck;
    assert.ok(written < 64 * 1024 * 1024, `wrote ${written} bytes into a stalled connection`);
  });
});

describe('server faults', () => {
  it('aborts request.signal and runs cleanup when the client leaves mid-upload and mid-download', async (t) => {
    const events: string[] = [];
    let seen!: () => void;
    let done = 0;
    const finished = new Promise<void>((r) => (seen = r));
    const app = new web.Application();
    const track = async (req: web.Request, work: () => Promise<web.StreamResponse | undefined>): Promise<web.StreamResponse> => {
      let resp: web.StreamResponse | undefined;
      try {
        resp = await work();
      } catch {
        // expected
      } finally {
        events.push(`${req.rawPath} aborted=${req.signal.aborted}`);
        if (++done === 2) seen();
      }
      return resp ?? new web.Response({ text: 'late' });
    };
    app.router.addPost('/up', (req) => track(req, async () => (await req.read(), undefined)));
    app.router.addGet('/down', (req) =>
      track(req, async () => {
        const resp = new web.StreamResponse();
        await resp.prepare(req);
        try {
          for (;;) await resp.write(Buffer.alloc(64 * 1024));
        } catch {
          return resp;
        }
      }),
    );
    const { port } = await serve(app, t);
    const up = connect(port, t);
    up.sock.write(`POST /up HTTP/1.1\r\n${H}Content-Length: 100000\r\n\r\nabc`);
    const down = connect(port, t);
    down.sock.write(`GET /down HTTP/1.1\r\n${H}\r\n`);
    await once(down.sock, 'data');
    setTimeout(() => {
      up.sock.destroy();
      down.sock.destroy();
    }, 50);
    await finished;
    assert.deepEqual(events.sort(), ['/down aborted=true', '/up aborted=true']);
  });

  it('leaks no fds and little heap over 1,000 aborted requests', async (t) => {
    let started = 0;
    const app = new web.Application();
    app.router.addPost('/', async (req) => {
      started++;
      await req.read().catch(() => undefined);
      return new web.Response({ text: 'x' });
    });
    const served = await serve(app, t);
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const abortOne = (): Promise<void> =>
      new Promise((resolve) => {
        const s = net.connect(served.port, '127.0.0.1', () => {
          s.write(`POST / HTTP/1.1\r\n${H}Content-Length: 1000\r\n\r\npartial`, () => setImmediate(() => s.destroy()));
        });
        s.on('error', () => {});
        s.on('close', () => resolve());
      });
    for (let i = 0; i < 50; i++) await abortOne();
    global.gc?.();
    const fdBefore = fds();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 100 }, abortOne));
    while (served.runner.server!.inflight > 0) await new Promise((r) => setTimeout(r, 10));
    global.gc?.();
    const fdAfter = fds();
    const heapAfter = process.memoryUsage().heapUsed;
    assert.ok(started >= 900, `handlers ran ${started} times`);
    assert.ok(fdAfter - fdBefore <= 5, `fds ${fdBefore} -> ${fdAfter}`);
    assert.ok(heapAfter - heapBefore < 32 * 1024 * 1024, `heap ${heapBefore} -> ${heapAfter}`);
  });
});
