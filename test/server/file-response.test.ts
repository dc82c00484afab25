import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync, gunzipSync } from 'node:zlib';
import { Application, FileResponse, guessContentType } from '../../src/server/index.js';
import { serve, type Served } from '../helpers/server.js';
import { needs, peerPath } from '../helpers/peers.js';

const run = promisify(execFile);

/** A GET through node:http, which (unlike fetch) neither sends nor decodes Accept-Encoding by itself. */
async function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { get } = await import('node:http');
  return new Promise((resolve, reject) => {
    get(url, { headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('FileResponse', () => {
  let dir: string;
  let served: Served;
  const content = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(100));

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aiohttp-ts-file-'));
    await writeFile(path.join(dir, 'data.txt'), content);
    await writeFile(path.join(dir, 'page.html'), '<p>plain</p>');
    await writeFile(path.join(dir, 'page.html.gz'), gzipSync('<p>plain</p>'));
    const app = new Application();
    app.router.addGet('/data', () => new FileResponse(path.join(dir, 'data.txt'), { chunkSize: 100 }));
    app.router.addGet('/page', () => new FileResponse(path.join(dir, 'page.html')));
    app.router.addGet('/missing', () => new FileResponse(path.join(dir, 'nope.txt')));
    app.router.addPut('/data', () => new FileResponse(path.join(dir, 'data.txt')));
    served = await serve(app);
  });
  after(async () => {
    await served.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (p: string, headers: Record<string, string> = {}, method = 'GET') => fetch(served.url + p, { headers, method });

  it('guesses content types from the extension', () => {
    assert.equal(guessContentType('a/b.HTML'), 'text/html');
    assert.equal(guessContentType('x.png'), 'image/png');
    assert.equal(guessContentType('x.unknown'), 'application/octet-stream');
  });

  it('sends the whole file with validators, streamed in chunks', async () => {
    const res = await get('/data');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('content-length'), String(content.length));
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(res.headers.get('last-modified'));
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), content);
  });

  it('answers HEAD with headers only', async () => {
    const res = await get('/data', {}, 'HEAD');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(content.length));
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  it('gives 404 for a missing file', async () => {
    assert.equal((await get('/missing')).status, 404);
  });

  it('serves single ranges, suffix and open ranges', async () => {
    let res = await get('/data', { range: 'bytes=0-9' });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 0-9/${content.length}`);
    assert.equal(await res.text(), '0123456789');
    res = await get('/data', { range: 'bytes=-5' });
    assert.equal(await res.text(), content.subarray(-5).toString());
    res = await get('/data', { range: `bytes=${content.length - 3}-` });
    assert.equal(await res.text(), content.subarray(-3).toString());
  });

  it('serves several ranges as multipart/byteranges', async () => {
    const res = await get('/data', { range: 'bytes=0-1, 10-12' });
    assert.equal(res.status, 206);
    const ct = res.headers.get('content-type') ?? '';
    const boundary = /boundary=(\w+)/.exec(ct)![1]!;
    assert.match(ct, /^multipart\/byteranges/);
    const body = await res.text();
    assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(body));
    assert.ok(body.includes(`--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/${content.length}\r\n\r\n01\r\n`));
    assert.ok(body.includes(`Content-Range: bytes 10-12/${content.length}\r\n\r\nabc\r\n--${boundary}--\r\n`));
  });

  it('answers an unsatisfiable range with 416 and bytes */size, and ignores a malformed one', async () => {
    const res = await get('/data', { range: `bytes=${content.length}-` });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), `bytes */${content.length}`);
    const bad = await get('/data', { range: 'bytes=x-y' });
    assert.equal(bad.status, 200);
  });

  it('handles If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since and If-Range', async () => {
    const first = await get('/data');
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    const lm = first.headers.get('last-modified')!;
    let res = await get('/data', { 'if-none-match': `"x", ${etag}` });
    assert.equal(res.status, 304);
    assert.equal(res.headers.get('etag'), etag);
    res = await get('/data', { 'if-modified-since': lm });
    assert.equal(res.status, 304);
    res = await get('/data', { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    res = await get('/data', { 'if-match': '"other"' });
    assert.equal(res.status, 412);
    res = await get('/data', { 'if-match': etag });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    res = await get('/data', { 'if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' });
    assert.equal(res.status, 412);
    res = await get('/data', { 'if-none-match': etag }, 'PUT');
    assert.equal(res.status, 412);
    res = await get('/data', { range: 'bytes=0-1', 'if-range': etag });
    assert.equal(res.status, 206);
    assert.equal(await res.text(), '01');
    res = await get('/data', { range: 'bytes=0-1', 'if-range': '"stale"' });
    assert.equal(res.status, 200);
    assert.equal((await res.arrayBuffer()).byteLength, content.length);
  });

  it('serves a pre-compressed .gz sibling when accepted, with Vary and its own ETag', async () => {
    const plain = await get('/page', { 'accept-encoding': 'identity' });
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(plain.headers.get('vary'), 'Accept-Encoding');
    assert.equal(await plain.text(), '<p>plain</p>');
    const raw = await new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get: hget }) => {
        hget(`${served.url}/page`, { headers: { 'accept-encoding': 'gzip;q=0.8, br;q=0' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve({ headers: r.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      }, reject);
    });
    assert.equal(raw.headers['content-encoding'], 'gzip');
    assert.equal(raw.headers['content-type'], 'text/html; charset=utf-8');
    assert.notEqual(raw.headers['etag'], plain.headers.get('etag'));
    assert.equal(gunzipSync(raw.body).toString(), '<p>plain</p>');
  });

  it('sends a file no larger than chunkSize in one read, with Range, HEAD and 304 intact', async (t) => {
    const app = new Application();
    const exact = Buffer.from('e'.repeat(99) + 'E');
    const over = Buffer.concat([exact, Buffer.from('!')]);
    await writeFile(path.join(dir, 'exact.bin'), exact);
    await writeFile(path.join(dir, 'over.bin'), over);
    app.router.addGet('/exact', () => new FileResponse(path.join(dir, 'exact.bin'), { chunkSize: 100 }));
    app.router.addGet('/over', () => new FileResponse(path.join(dir, 'over.bin'), { chunkSize: 100 }));
    app.router.addGet('/small', () => new FileResponse(path.join(dir, 'page.html')));
    const s = await serve(app, t);
    const at = (p: string, headers: Record<string, string> = {}, method = 'GET') => fetch(s.url + p, { headers: { 'accept-encoding': 'identity', ...headers }, method });
    assert.deepEqual(Buffer.from(await (await at('/exact')).arrayBuffer()), exact);
    assert.deepEqual(Buffer.from(await (await at('/over')).arrayBuffer()), over);
    const full = await at('/small');
    assert.equal(full.headers.get('content-length'), '12');
    assert.equal(await full.text(), '<p>plain</p>');
    const part = await at('/small', { range: 'bytes=3-7' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 3-7/12');
    assert.equal(await part.text(), 'plain');
    const head = await at('/small', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '12');
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const etag = full.headers.get('etag')!;
    assert.equal((await at('/small', { 'if-none-match': etag })).status, 304);
    assert.equal((await at('/small', { 'if-modified-since': full.headers.get('last-modified')! })).status, 304);
  });

  it('stops serving a .gz sibling once it is removed', async (t) => {
    await writeFile(path.join(dir, 'late.txt'), 'plain text');
    await writeFile(path.join(dir, 'late.txt.gz'), gzipSync('plain text'));
    const app = new Application();
    app.router.addGet('/late', () => new FileResponse(path.join(dir, 'late.txt')));
    const s = await serve(app, t);
    const gz = await rawGet(`${s.url}/late`, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), 'plain text');
    await rm(path.join(dir, 'late.txt.gz'));
    const plain = await rawGet(`${s.url}/late`, { 'accept-encoding': 'gzip' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), 'plain text');
  });

  it('answers a FIFO with 404 and skips a FIFO sibling, without waiting for a writer', { timeout: 10_000 }, async (t) => {
    await run('mkfifo', [path.join(dir, 'fifo.txt'), path.join(dir, 'data.txt.br')]);
    t.after(() => Promise.all([rm(path.join(dir, 'fifo.txt')), rm(path.join(dir, 'data.txt.br'))]));
    const app = new Application();
    app.router.addGet('/fifo', () => new FileResponse(path.join(dir, 'fifo.txt')));
    app.router.addGet('/data', () => new FileResponse(path.join(dir, 'data.txt')));
    const s = await serve(app, t);
    assert.equal((await fetch(`${s.url}/fifo`)).status, 404);
    const res = await rawGet(`${s.url}/data`, { 'accept-encoding': 'br' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.deepEqual(res.body, content);
  });

  it('stops reading the file while the client does not read (back-pressure)', async (t) => {
    const bigPath = path.join(dir, 'big.bin');
    await writeFile(bigPath, Buffer.alloc(64 * 1024 * 1024));
    const app = new Application();
    let resp: FileResponse | undefined;
    app.router.addGet('/', () => (resp = new FileResponse(bigPath, { chunkSize: 64 * 1024 })));
    const s = await serve(app);
    const net = await import('node:net');
    const sock = net.connect(s.port, '127.0.0.1');
    t.after(async () => {
      sock.destroy();
      await s.close();
    });
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => sock.once('data', r));
    sock.pause();
    // Wait until the socket buffers are full and the server stops (bounded, so a busy machine is fine).
    let sent = -1;
    let stable = false;
    for (let i = 0; i < 40 && !stable; i++) {
      sent = resp!.bodyLength;
      await new Promise((r) => setTimeout(r, 150));
      stable = resp!.bodyLength === sent;
    }
    assert.ok(stable, 'the server kept reading while the socket was full');
    assert.ok(sent < 32 * 1024 * 1024, `sent ${sent} bytes to a paused client`);
  });

  it('works with curl for Range and 304', needs('curl'), async () => {
    const { stdout } = await run(peerPath('curl'), ['-s', '-r', '0-9', `${served.url}/data`]);
    assert.equal(stdout, '0123456789');
    const head = await run(peerPath('curl'), ['-s', '-D', '-', '-o', '/dev/null', `${served.url}/data`]);
    const etag = /etag: (.+)\r/i.exec(head.stdout)![1]!;
    const cond = await run(peerPath('curl'), ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: ${etag}`, `${served.url}/data`]);
    assert.equal(cond.stdout, '304');
  });
});
