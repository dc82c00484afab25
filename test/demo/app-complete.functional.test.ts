import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createDemoApp } from '../../src/demo/app.js';
import { parseRaw, rawRequest, serve, type Served } from '../helpers/server.js';
import { needs, peerPath } from '../helpers/peers.js';

const run = promisify(execFile);

describe('demo app: static files, SSE and multipart', () => {
  let served: Served;
  before(async () => {
    served = await serve(createDemoApp());
  });
  after(() => served.close());

  const get = (path: string, init?: RequestInit) => fetch(`${served.url}${path}`, { redirect: 'manual', ...init });

  it('serves the chat page from /static/ and /static/index.html', async () => {
    for (const path of ['/static/', '/static/index.html']) {
      const res = await get(path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      const html = await res.text();
      assert.match(html, /new WebSocket\(url\)/);
      assert.match(html, /\/ws`/);
      assert.match(html, /<button id="send"/);
    }
  });

  it('answers Range and If-None-Match on /static (curl)', needs('curl'), async () => {
    const { stdout } = await run(peerPath('curl'), ['-s', '-r', '0-14', `${served.url}/static/index.html`]);
    assert.equal(stdout, '<!DOCTYPE html>');
    const head = await run(peerPath('curl'), ['-s', '-D', '-', '-o', '/dev/null', `${served.url}/static/index.html`]);
    const etag = /etag: (.+)\r/i.exec(head.stdout)![1]!;
    const cond = await run(peerPath('curl'), ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: ${etag}`, `${served.url}/static/index.html`]);
    assert.equal(cond.stdout, '304');
  });

  it('lets no path escape the static folder', async () => {
    for (const target of ['/static/../app.js', '/static/%2e%2e/app.js', '/static/..%2fapp.js', '/static/%2e%2e%2f%2e%2e%2fpackage.json', '/static/..%5capp.js']) {
      const r = parseRaw(await rawRequest(served.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      assert.ok(r.status === 404 || r.status === 400, `${target}: ${r.status}`);
      assert.ok(!r.body.includes('createDemoApp'), target);
    }
  });

  it('streams 5 ticks 100 ms apart on /sse, then ends', async () => {
    const started = performance.now();
    const res = await get('/sse');
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const body = await res.text();
    assert.equal(body, [1, 2, 3, 4, 5].map((n) => `data: tick ${n}\n\n`).join(''));
    assert.ok(performance.now() - started >= 390);
  });

  it('describes multipart bodies on /anything: form pairs and files with sha256', async () => {
    const file = Buffer.from('file content \u00e9'.repeat(100));
    const fd = new FormData();
    fd.append('name', 'value');
    fd.append('upload', new Blob([file], { type: 'text/plain' }), 'notes.txt');
    fd.append('name', 'second');
    const res = await get('/anything', { method: 'POST', body: fd });
    const json = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(json['form'], [['name', 'value'], ['name', 'second']]);
    assert.deepEqual(json['files'], [{ field: 'upload', filename: 'notes.txt', contentType: 'text/plain', size: file.length, sha256: createHash('sha256').update(file).digest('hex') }]);
    assert.equal(typeof json['sha256'], 'string');
    const bad = await get('/anything', { method: 'POST', body: 'garbage', headers: { 'content-type': 'multipart/form-data; boundary=zz' } });
    assert.equal(bad.status, 400);
  });

  it("takes a multipart upload from Python aiohttp's client", needs('python3-aiohttp'), async () => {
    const script = `
import asyncio, hashlib, sys, aiohttp
async def main(base):
    payload = bytes(range(256)) * 300
    form = aiohttp.FormData()
    form.add_field('title', 'hello \u4e16\u754c')
    form.add_field('blob', payload, filename='data.bin', content_type='application/octet-stream')
    async with aiohttp.ClientSession() as s:
        async with s.post(base + '/anything', data=form) as r:
            body = await r.json()
    print(r.status, body['form'], body['files'][0]['filename'], body['files'][0]['size'], body['files'][0]['sha256'] == hashlib.sha256(payload).hexdigest())
asyncio.run(main(sys.argv[1]))
`;
    const { stdout } = await run(peerPath('python3-aiohttp'), ['-c', script, served.url]);
    assert.equal(stdout, "200 [['title', 'hello 世界']] data.bin 76800 True\n");
  });
});
