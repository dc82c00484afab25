import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RequestOptions } from '../../src/client/index.js';
import { FormData } from '../../src/client/index.js';
import { createDemoApp } from '../../src/demo/app.js';
import { TestClient } from '../../src/test-utils/index.js';

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly options?: () => RequestOptions;
  /** Random bodies are compared by length only. */
  readonly random?: boolean;
}

function chunks(n: number, size: number): () => RequestOptions {
  return () => ({
    data: (async function* () {
      for (let i = 0; i < n; i++) yield Buffer.alloc(size, i);
    })(),
  });
}

// Every demo route, with the client features they exercise.
const CASES: readonly Case[] = [
  { name: 'hello', method: 'GET', path: '/' },
  { name: 'hello name', method: 'GET', path: '/%E4%B8%96%E7%95%8C' },
  { name: 'json echo', method: 'POST', path: '/', options: () => ({ json: { test: 'object' } }) },
  { name: 'json echo 400', method: 'POST', path: '/', options: () => ({ data: '{bad', headers: { 'Content-Type': 'application/json' } }) },
  { name: 'querystring', method: 'GET', path: '/querystring', options: () => ({ params: [['key1', 'val1'], ['key2', 'v 2'], ['key2', '世']] }) },
  { name: 'anything json', method: 'PUT', path: '/anything/a/b?x=1', options: () => ({ json: { k: [1, 2] } }) },
  { name: 'anything form', method: 'POST', path: '/anything', options: () => ({ data: { a: '1', b: '世' } }) },
  { name: 'anything bytes', method: 'PATCH', path: '/anything', options: () => ({ data: Buffer.from([0, 1, 2, 255]) }) },
  { name: 'anything multipart', method: 'POST', path: '/anything', options: () => {
    const form = new FormData(undefined, { boundary: 'parity-boundary' });
    form.addField('field', 'value');
    form.addField('file', Buffer.from('content'), { filename: 'a.txt', contentType: 'text/plain' });
    return { data: form };
  } },
  { name: 'anything delete', method: 'DELETE', path: '/anything' },
  { name: 'upload streamed', method: 'POST', path: '/upload', options: chunks(40, 64 * 1024) },
  { name: 'upload chunked buffer', method: 'POST', path: '/upload', options: () => ({ data: Buffer.alloc(300_000, 7), chunked: true }) },
  { name: 'bytes', method: 'GET', path: '/bytes/200000', random: true },
  { name: 'stream', method: 'GET', path: '/stream/300000', random: true },
  { name: 'stream empty', method: 'GET', path: '/stream/0', random: true },
  { name: 'headers', method: 'GET', path: '/headers', options: () => ({ headers: { 'X-Custom': 'one' } }) },
  { name: 'cookies set + redirect', method: 'GET', path: '/cookies/set?a=1&b=2' },
  { name: 'cookies', method: 'GET', path: '/cookies' },
  { name: 'cookies delete + redirect', method: 'GET', path: '/cookies/delete?a' },
  { name: 'cookies after delete', method: 'GET', path: '/cookies' },
  { name: 'redirect chain', method: 'GET', path: '/redirect/3' },
  { name: 'redirect not followed', method: 'GET', path: '/redirect/1', options: () => ({ allowRedirects: false }) },
  { name: 'redirect-to 307', method: 'GET', path: '/redirect-to?url=/anything%3Fv%3D1&status_code=307' },
  { name: 'redirect-to POST is 405', method: 'POST', path: '/redirect-to?url=/anything', options: () => ({ data: 'x' }) },
  { name: 'redirect-to bad', method: 'GET', path: '/redirect-to' },
  { name: 'status 204', method: 'GET', path: '/status/204' },
  { name: 'status 418', method: 'GET', path: '/status/418' },
  { name: 'status 500', method: 'GET', path: '/status/500' },
  { name: 'status bad', method: 'GET', path: '/status/abc' },
  { name: 'delay', method: 'GET', path: '/delay/0.01' },
  { name: 'sse', method: 'GET', path: '/sse' },
  { name: 'static index', method: 'GET', path: '/static/' },
  { name: 'static file', method: 'GET', path: '/static/index.html' },
  { name: 'static range', method: 'GET', path: '/static/index.html', options: () => ({ headers: { Range: 'bytes=0-9' } }) },
  { name: 'static missing', method: 'GET', path: '/static/missing.txt' },
  { name: 'head', method: 'HEAD', path: '/' },
  { name: 'method not allowed', method: 'DELETE', path: '/headers' },
  { name: 'not found', method: 'GET', path: '/no/such/path' },
];

const HEADERS = ['content-type', 'content-length', 'transfer-encoding', 'location', 'set-cookie', 'allow', 'content-range', 'etag', 'cache-control'];

interface Outcome {
  status: number;
  url: string;
  history: number[];
  headers: Record<string, string | null>;
  body: string;
}

/** Runs every case in order on one client (cookies carry over, as in a session). */
async function runAll(inProcess: boolean): Promise<Outcome[]> {
  const client = new TestClient(createDemoApp(), { inProcess });
  try {
    await client.startServer();
    const origin = client.server.baseUrl.origin;
    const out: Outcome[] = [];
    for (const c of CASES) {
      const resp = await client.request(c.method, c.path, c.options?.());
      const raw = await resp.read();
      const headers: Record<string, string | null> = {};
      for (const h of HEADERS) headers[h] = resp.headers.getAll(h).join(' | ') || null;
      // Bodies that echo the host differ in length; what must hold is that the length is the body's.
      if (headers['content-length'] === String(raw.length) && c.method !== 'HEAD') headers['content-length'] = 'length of body';
      // The host differs between the modes (no port in-process); the rest must not.
      const text = c.random ? `${raw.length} bytes` : raw.toString('utf8').split(origin).join('ORIGIN').split(client.server.baseUrl.host).join('HOST');
      out.push({
        status: resp.status,
        url: resp.url.href.replace(origin, 'ORIGIN'),
        history: resp.history.map((h) => h.status),
        headers,
        body: text,
      });
    }
    // The WebSocket route: text echo, binary echo, then the server's close on `close cmd`.
    const ws = await client.wsConnect('/ws');
    await ws.sendStr('hi');
    const text = await ws.receiveStr();
    await ws.sendBytes(Buffer.from([0, 1, 255]));
    const binary = [...(await ws.receiveBytes())].join(',');
    await ws.sendStr('close cmd');
    const close = await ws.receive();
    out.push({ status: ws.status, url: (ws.url?.href ?? '').replace(origin, 'ORIGIN'), history: [], headers: {}, body: `${text} ${binary} ${close.type} ${ws.closeCode}` });
    return out;
  } finally {
    await client.close();
  }
}

describe('in-process and loopback TestClient on the demo app', () => {
  it('give the same status, headers and bodies for every route', async () => {
    const [loopback, inProcess] = [await runAll(false), await runAll(true)];
    assert.equal(loopback.length, CASES.length + 1);
    for (let i = 0; i < loopback.length; i++) {
      assert.deepEqual(inProcess[i], loopback[i], `case ${CASES[i]?.name ?? '/ws'}`);
    }
    assert.equal(loopback.at(-1)!.body, 'hi/answer 0,1,255 8 1000');
    // The comparison must have something to compare: spot-check a few answers.
    const byName = (name: string): Outcome => loopback[CASES.findIndex((c) => c.name === name)]!;
    assert.equal(byName('hello').body, 'hello, shadaileng');
    assert.deepEqual(JSON.parse(byName('cookies').body), { cookies: { a: '1', b: '2' } });
    assert.deepEqual(JSON.parse(byName('cookies after delete').body), { cookies: { b: '2' } });
    assert.deepEqual(byName('redirect chain').history, [302, 302, 302]);
    const upload = JSON.parse(byName('upload streamed').body) as { size: number; sha256: string };
    const hash = createHash('sha256');
    for (let i = 0; i < 40; i++) hash.update(Buffer.alloc(64 * 1024, i));
    assert.deepEqual(upload, { size: 40 * 64 * 1024, sha256: hash.digest('hex') });
    assert.equal(byName('stream').body, '300000 bytes');
    assert.equal(byName('stream').headers['transfer-encoding'], 'chunked');
    assert.equal(byName('status 418').status, 418);
    assert.match(byName('sse').body, /data: tick 5/);
    assert.equal(byName('static range').status, 206);
    assert.deepEqual(byName('redirect-to 307').history, [307]);
    assert.deepEqual((JSON.parse(byName('redirect-to 307').body) as { query: unknown }).query, [['v', '1']]);
    assert.equal(byName('redirect-to POST is 405').status, 405);
  });
});
