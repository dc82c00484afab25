import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync, gzipSync, inflateSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { Application, Response, StreamResponse, chooseEncoding, isCompressible } from '../../src/server/index.js';
import { serve } from '../helpers/server.js';

/** A GET without automatic decompression, to see the bytes on the wire. */
function rawGet(url: string, headers: Record<string, string> = {}, method = 'GET', body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const BIG = 'hello compression '.repeat(500);

describe('compression', () => {
  it('chooses an encoding by q-value, ties in server order, * and q=0', () => {
    assert.equal(chooseEncoding('gzip, deflate, br'), 'br');
    assert.equal(chooseEncoding('gzip;q=1, br;q=0.5'), 'gzip');
    assert.equal(chooseEncoding('br;q=0, *;q=0.1'), 'gzip');
    assert.equal(chooseEncoding('identity'), undefined);
    assert.equal(chooseEncoding(undefined), undefined);
    assert.equal(chooseEncoding('gzip, br', ['deflate']), undefined);
    assert.equal(chooseEncoding('x-gzip'), 'gzip');
  });

  it('knows incompressible types', () => {
    assert.equal(isCompressible('image/png'), false);
    assert.equal(isCompressible('image/svg+xml'), true);
    assert.equal(isCompressible('application/zip'), false);
    assert.equal(isCompressible('text/event-stream'), false);
    assert.equal(isCompressible('application/json'), true);
  });

  it('compresses a whole Response with enableCompression, per Accept-Encoding', async (t) => {
    const app = new Application();
    app.router.addGet('/', () => {
      const r = new Response({ text: BIG });
      r.enableCompression();
      return r;
    });
    app.router.addGet('/small', () => {
      const r = new Response({ text: 'tiny' });
      r.enableCompression();
      return r;
    });
    app.router.addGet('/forced', () => {
      const r = new Response({ text: BIG });
      r.enableCompression('deflate');
      return r;
    });
    const s = await serve(app, t);
    for (const [ae, enc, dec] of [['gzip', 'gzip', gunzipSync], ['br', 'br', brotliDecompressSync], ['deflate', 'deflate', inflateSync]] as const) {
      const r = await rawGet(s.url, { 'accept-encoding': ae });
      assert.equal(r.headers['content-encoding'], enc);
      assert.equal(r.headers['vary'], 'Accept-Encoding');
      assert.equal(Number(r.headers['content-length']), r.body.length);
      assert.equal(dec(r.body).toString(), BIG);
    }
    const none = await rawGet(s.url);
    assert.equal(none.headers['content-encoding'], undefined);
    assert.equal(none.headers['vary'], 'Accept-Encoding');
    assert.equal(none.body.toString(), BIG);
    const small = await rawGet(`${s.url}/small`, { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.body.toString(), 'tiny');
    const forced = await rawGet(`${s.url}/forced`);
    assert.equal(forced.headers['content-encoding'], 'deflate');
    assert.equal(inflateSync(forced.body).toString(), BIG);
    const head = await rawGet(s.url, { 'accept-encoding': 'gzip' }, 'HEAD');
    assert.equal(head.headers['content-encoding'], undefined);
  });

  it('compresses every response with the app option, skipping encoded and incompressible ones', async (t) => {
    const app = new Application({ compression: { threshold: 100 } });
    app.router.addGet('/', () => new Response({ text: BIG }));
    app.router.addGet('/png', () => new Response({ body: Buffer.alloc(5000), contentType: 'image/png' }));
    app.router.addGet('/encoded', () => new Response({ body: gzipSync(BIG), headers: { 'Content-Encoding': 'gzip' } }));
    app.router.addGet('/big', () => new Response({ text: BIG.repeat(40) }));
    const s = await serve(app, t);
    const r = await rawGet(s.url, { 'accept-encoding': 'gzip' });
    assert.equal(gunzipSync(r.body).toString(), BIG);
    const png = await rawGet(`${s.url}/png`, { 'accept-encoding': 'gzip' });
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.body.length, 5000);
    const enc = await rawGet(`${s.url}/encoded`, { 'accept-encoding': 'br' });
    assert.equal(enc.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(enc.body).toString(), BIG);
    const big = await rawGet(`${s.url}/big`, { 'accept-encoding': 'br' });
    assert.equal(big.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(big.body).toString(), BIG.repeat(40));
  });

  it('compresses whole files but never ranges, and leaves SSE alone', async (t) => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { FileResponse, sse } = await import('../../src/server/index.js');
    const dir = await mkdtemp(path.join(tmpdir(), 'aiohttp-ts-comp-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'a.txt'), BIG);
    const app = new Application({ compression: true });
    app.router.addGet('/file', () => new FileResponse(path.join(dir, 'a.txt')));
    app.router.addGet('/sse', async (request) => {
      const s = await sse(request, { ping: 0 });
      await s.send(BIG);
      return s;
    });
    const s = await serve(app, t);
    const whole = await rawGet(`${s.url}/file`, { 'accept-encoding': 'gzip' });
    assert.equal(whole.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(whole.body).toString(), BIG);
    const part = await rawGet(`${s.url}/file`, { 'accept-encoding': 'gzip', range: 'bytes=0-4' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-encoding'], undefined);
    assert.equal(part.body.toString(), BIG.slice(0, 5));
    const events = await rawGet(`${s.url}/sse`, { 'accept-encoding': 'gzip' });
    assert.equal(events.headers['content-encoding'], undefined);
    assert.equal(events.body.toString(), `data: ${BIG}\n\n`);
  });

  it('compresses a streaming response chunk by chunk, with back-pressure', async (t) => {
    const app = new Application();
    let ended = false;
    app.router.addGet('/', async (request) => {
      const r = new StreamResponse({ headers: { 'Content-Type': 'text/plain' } });
      r.enableCompression();
      await r.prepare(request);
      for (let i = 0; i < 200; i++) await r.write(`${i}:${BIG}\n`);
      await r.writeEof();
      ended = true;
      return r;
    });
    const s = await serve(app, t);
    const r = await rawGet(s.url, { 'accept-encoding': 'gzip' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    const text = gunzipSync(r.body).toString();
    assert.equal(text.split('\n').length, 201);
    assert.ok(text.startsWith(`0:${BIG}`));
    assert.ok(ended);
  });

  it('decompresses request bodies and caps them at clientMaxSize (413)', async (t) => {
    const app = new Application({ clientMaxSize: 10_000 });
    app.router.addPost('/', async (request) => new Response({ text: await request.text() }));
    const s = await serve(app, t);
    for (const [enc, fn] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      const r = await rawGet(s.url, { 'content-encoding': enc }, 'POST', fn(Buffer.from('x'.repeat(5000))));
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'x'.repeat(5000));
    }
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    assert.ok(bomb.length < 100_000);
    const r = await rawGet(s.url, { 'content-encoding': 'gzip' }, 'POST', bomb);
    assert.equal(r.status, 413);
    const unknown = await rawGet(s.url, { 'content-encoding': 'zstd' }, 'POST', Buffer.from('abc'));
    assert.equal(unknown.status, 415);
    const broken = await rawGet(s.url, { 'content-encoding': 'gzip' }, 'POST', Buffer.from('not gzip'));
    assert.equal(broken.status, 400);
  });

  it('decodes request.content for streaming reads', async (t) => {
    const app = new Application({ clientMaxSize: 10 });
    app.router.addPost('/', async (request) => {
      let n = 0;
      for await (const chunk of request.content as AsyncIterable<Buffer>) n += chunk.length;
      return new Response({ text: String(n) });
    });
    const s = await serve(app, t);
    const r = await rawGet(s.url, { 'content-encoding': 'br' }, 'POST', brotliCompressSync(Buffer.alloc(100_000)));
    assert.equal(r.body.toString(), '100000');
  });

  it('answers 400 for a broken or truncated Content-Encoding stream, read whole or streamed', async (t) => {
    const app = new Application();
    app.router.addPost('/read', async (request) => new Response({ text: String((await request.read()).length) }));
    app.router.addPost('/post', async (request) => new Response({ text: String([...(await request.post()).keys()].length) }));
    app.router.addPost('/stream', async (request) => {
      let n = 0;
      for await (const chunk of request.content as AsyncIterable<Buffer>) n += chunk.length;
      return new Response({ text: String(n) });
    });
    app.router.addPost('/multipart', async (request) => {
      let n = 0;
      for await (const part of request.multipart()) n += (await part.read()).length;
      return new Response({ text: String(n) });
    });
    const s = await serve(app, t);
    const form = Buffer.from('a=1&b=' + 'x'.repeat(100_000));
    const multipart = Buffer.from(`--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n${'x'.repeat(100_000)}\r\n--B--\r\n`);
    for (const [enc, fn] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      for (const path of ['/read', '/post', '/stream', '/multipart']) {
        const plain = path === '/multipart' ? multipart : form;
        const type = path === '/multipart' ? 'multipart/form-data; boundary=B' : 'application/x-www-form-urlencoded';
        const good = fn(plain);
        for (const [what, body] of [['bad header', Buffer.from('\x00\x01not compressed at all')], ['truncated', good.subarray(0, good.length - 12)]] as const) {
          const r = await rawGet(`${s.url}${path}`, { 'content-encoding': enc, 'content-type': type }, 'POST', body);
          assert.equal(r.status, 400, `${enc} ${what} ${path}: ${r.body.toString()}`);
        }
        assert.equal((await rawGet(`${s.url}${path}`, { 'content-encoding': enc, 'content-type': type }, 'POST', good)).status, 200, `${enc} ${path}`);
      }
    }
  });
});
