import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicAuth, ClientSession, ContentTypeError, CookieJar, FormData, digestAuthMiddleware } from '../../src/index.js';
import { startPython } from './helpers.js';
import type { PythonPeer } from './helpers.js';
import { needs } from '../helpers/peers.js';

describe('interop: Python aiohttp 3.8 server', needs('python3-aiohttp'), () => {
  let peer: PythonPeer;
  let session: ClientSession;
  let tmp: string;

  before(async () => {
    peer = await startPython('aiohttp_peer.py', 'python3-aiohttp');
    session = new ClientSession({ baseUrl: peer.url, cookieJar: new CookieJar({ unsafe: true }) });
    tmp = mkdtempSync(join(tmpdir(), 'aiohttp-ts-interop-'));
  });
  after(async () => {
    await session.close();
    await peer.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('sends params the way aiohttp parses them (seed: querystring)', async () => {
    type Q = { query: string; pairs: Array<[string, string]>; raw: string };
    let resp = await session.get('/querystring', { params: { key1: 'val1', key2: 'val2' } });
    assert.equal(String(resp.url), `${peer.url}/querystring?key1=val1&key2=val2`);
    resp.release();
    resp = await session.get('/querystring', { params: [['key1', 'val1'], ['key2', 'val2'], ['key2', 'val3']] });
    assert.equal(String(resp.url), `${peer.url}/querystring?key1=val1&key2=val2&key2=val3`);
    assert.deepEqual(((await resp.json()) as Q).pairs, [['key1', 'val1'], ['key2', 'val2'], ['key2', 'val3']]);
    resp = await session.get('/querystring', { params: { q: 'a b+c&d é' } });
    assert.deepEqual(((await resp.json()) as Q).pairs, [['q', 'a b+c&d é']]);
    const url = `${peer.url}/querystring?key+1=val`;
    resp = await session.get(url, { encoded: true });
    assert.equal(String(resp.url), url);
    assert.equal(((await resp.json()) as Q).raw, '/querystring?key+1=val');
  });

  it('raises the seed ContentTypeError on a text/json response, then reads it as text', async () => {
    const resp = await session.post('/', { json: { test: 'object' } });
    let message = '';
    try {
      await resp.json();
    } catch (e) {
      assert.ok(e instanceof ContentTypeError);
      message = String(e);
    }
    assert.ok(message.startsWith("0, message='Attempt to decode JSON with unexpected mimetype: text/json; charset=utf-8'"), message);
    assert.equal(resp.status, 200);
    assert.deepEqual(JSON.parse(await resp.text()), { status: 'ok', got: { test: 'object' } });
  });

  it('posts a form that aiohttp decodes', async () => {
    const resp = await session.post('/form', { data: { key1: 'val1', key2: 'v 2&=' } });
    assert.deepEqual(await resp.json(), { form: [['key1', 'val1'], ['key2', 'v 2&=']], ctype: 'application/x-www-form-urlencoded' });
  });

  it('uploads a multipart file that aiohttp parses, with filename and content type', async () => {
    const p = join(tmp, 'sheet.xls');
    writeFileSync(p, Buffer.alloc(200_000, 0x41));
    const form = new FormData();
    form.addField('file', createReadStream(p), { filename: 'xxx.xls', contentType: 'application/vnd.ms-excel' });
    form.addField('note', 'héllo "quoted"');
    type Parts = { parts: Array<{ name: string; filename: string | null; size: number; ctype: string | null; text: string }> };
    const d = (await (await session.post('/upload', { data: form })).json()) as Parts;
    assert.equal(d.parts.length, 2);
    assert.deepEqual(
      { name: d.parts[0]!.name, filename: d.parts[0]!.filename, size: d.parts[0]!.size, ctype: d.parts[0]!.ctype },
      { name: 'file', filename: 'xxx.xls', size: 200_000, ctype: 'application/vnd.ms-excel' },
    );
    assert.equal(d.parts[1]!.name, 'note');
    assert.equal(Buffer.from(d.parts[1]!.text, 'latin1').toString('utf8'), 'héllo "quoted"');
    const d2 = (await (await session.post('/upload', { data: { file: createReadStream(p) } })).json()) as Parts;
    assert.equal(d2.parts[0]!.filename, 'sheet.xls');
    assert.equal(d2.parts[0]!.size, 200_000);
  });

  it('streams an upload chunked and aiohttp receives all of it', async () => {
    async function* gen(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 50; i++) yield Buffer.alloc(10_000, i);
    }
    const d = (await (await session.post('/raw', { data: gen() })).json()) as { size: number; te: string };
    assert.equal(d.size, 500_000);
    assert.equal(d.te, 'chunked');
  });

  it('keeps cookies aiohttp sets and follows its redirects', async () => {
    await (await session.get('/cookies/set')).text();
    assert.deepEqual(await (await session.get('/cookies')).json(), { peer: 'aiohttp' });
    const resp = await session.get('/redirect/3');
    assert.equal(resp.history.length, 4);
    assert.equal(resp.history[0]!.status, 302);
    assert.equal(String(resp.url), `${peer.url}/querystring?done=1`);
    await resp.read();
  });

  it('decompresses what aiohttp compresses and streams a large chunked body', async () => {
    const c = await session.get('/compressed');
    assert.match(c.headers.get('content-encoding') ?? '', /gzip|deflate|br/);
    assert.equal(await c.text(), 'compressed '.repeat(1000));
    const s = await session.get('/stream');
    let n = 0;
    for await (const chunk of s.content.iterChunked(4096)) n += chunk.length;
    assert.equal(n, 1_000_000);
  });
});

describe('interop: httpbin', needs('python3-httpbin'), () => {
  let peer: PythonPeer;
  let session: ClientSession;

  before(async () => {
    peer = await startPython('httpbin_peer.py', 'python3-httpbin');
    session = new ClientSession({ baseUrl: peer.url, cookies: { cookies_are: 'working' } });
  });
  after(async () => {
    await session.close();
    await peer.stop();
  });

  it('echoes params, json, form and headers', async () => {
    type Bin = { args: Record<string, string | string[]>; json: unknown; form: Record<string, string>; headers: Record<string, string> };
    let d = (await (await session.get('/get', { params: [['a', '1'], ['a', '2'], ['b', 'x y']], headers: { 'X-Test': 'yes' } })).json()) as Bin;
    assert.deepEqual(d.args, { a: ['1', '2'], b: 'x y' });
    assert.equal(d.headers['X-Test'], 'yes');
    d = (await (await session.post('/post', { json: { test: 'object' } })).json()) as Bin;
    assert.deepEqual(d.json, { test: 'object' });
    d = (await (await session.post('/post', { data: { key1: 'value1', key2: 'value2' } })).json()) as Bin;
    assert.deepEqual(d.form, { key1: 'value1', key2: 'value2' });
  });

  it('sends session cookies (seed: httpbin /cookies)', async () => {
    assert.deepEqual(await (await session.get('/cookies')).json(), { cookies: { cookies_are: 'working' } });
  });

  it('uploads multipart files httpbin can read', async () => {
    const form = new FormData();
    form.addField('file', Buffer.from('file-content'), { filename: 'a.txt', contentType: 'text/plain' });
    form.addField('field', 'v');
    const d = (await (await session.post('/post', { data: form })).json()) as { files: Record<string, string>; form: Record<string, string> };
    assert.deepEqual(d.files, { file: 'file-content' });
    assert.deepEqual(d.form, { field: 'v' });
  });

  it('follows httpbin redirects with history and gets gzip and deflate bodies', async () => {
    const r = await session.get('/redirect/3');
    assert.equal(r.status, 200);
    assert.equal(r.history.length, 3);
    assert.equal(String(r.url), `${peer.url}/get`);
    await r.read();
    assert.equal(((await (await session.get('/gzip')).json()) as { gzipped: boolean }).gzipped, true);
    assert.equal(((await (await session.get('/deflate')).json()) as { deflated: boolean }).deflated, true);
  });

  it('passes basic auth and raises for status', async () => {
    const ok = await session.get('/basic-auth/user/passwd', { auth: new BasicAuth('user', 'passwd') });
    assert.deepEqual(await ok.json(), { authenticated: true, user: 'user' });
    const bad = await session.get('/basic-auth/user/passwd', { auth: new BasicAuth('user', 'wrong') });
    assert.equal(bad.status, 401);
    assert.throws(() => bad.raiseForStatus(), (e: unknown) => (e as { status: number }).status === 401);
    const teapot = await session.get('/status/418');
    assert.equal(teapot.status, 418);
    teapot.release();
  });

  it('answers httpbin digest challenges (MD5, SHA-256, qop=auth) with digestAuthMiddleware', async () => {
    await using s = new ClientSession({ baseUrl: peer.url, middlewares: [digestAuthMiddleware('user', 'passwd')] });
    for (const path of ['/digest-auth/auth/user/passwd', '/digest-auth/auth/user/passwd/SHA-256']) {
      const r = await s.get(path);
      assert.equal(r.status, 200, path);
      assert.deepEqual(await r.json(), { authenticated: true, user: 'user' });
    }
    await using wrong = new ClientSession({ baseUrl: peer.url, middlewares: [digestAuthMiddleware('user', 'nope')] });
    const bad = await wrong.get('/digest-auth/auth/user/passwd');
    assert.equal(bad.status, 401);
    bad.release();
  });
});
