import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Application, jsonResponse, type Request } from '../../src/server/index.js';
import { FileField } from '../../src/common/multipart/file-field.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

function multipartBody(boundary: string, parts: Array<{ name: string; filename?: string; type?: string; data: string | Buffer }>): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`;
    if (p.type) head += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

async function describeForm(request: Request) {
  const form = await request.post({ spoolThreshold: 1000, hashFiles: true });
  const fields: Array<[string, string]> = [];
  const files: Array<Record<string, unknown>> = [];
  for (const [k, v] of form) {
    if (v instanceof FileField) files.push({ field: k, filename: v.filename, contentType: v.contentType, size: v.size, sha256: v.sha256, path: v.path });
    else fields.push([k, v]);
  }
  return jsonResponse({ fields, files });
}

describe('multipart requests', () => {
  it('reads fields and files with post(), spooling big files and removing them after the response', async (t) => {
    const app = new Application();
    app.router.addPost('/', describeForm);
    const s = await serve(app, t);
    const big = Buffer.alloc(50_000, 7);
    const fd = new FormData();
    fd.append('a', 'one');
    fd.append('file', new Blob([big], { type: 'application/octet-stream' }), 'big.bin');
    fd.append('small', new Blob(['hi'], { type: 'text/plain' }), 's.txt');
    fd.append('a', '二');
    const res = await fetch(s.url, { method: 'POST', body: fd });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { fields: unknown; files: Array<Record<string, unknown>> };
    assert.deepEqual(body.fields, [['a', 'one'], ['a', '二']]);
    assert.equal(body.files.length, 2);
    assert.deepEqual({ ...body.files[0], path: undefined }, {
      field: 'file', filename: 'big.bin', contentType: 'application/octet-stream', size: 50_000,
      sha256: createHash('sha256').update(big).digest('hex'), path: undefined,
    });
    assert.equal(typeof body.files[0]!['path'], 'string');
    assert.equal(body.files[1]!['path'], undefined);
    // The temp file goes once the connection's response is over.
    for (let i = 0; i < 150 && existsSync(body.files[0]!['path'] as string); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(existsSync(body.files[0]!['path'] as string), false);
  });

  it('holds the whole multipart body to clientMaxSize (413 with a reason) and refuses malformed bodies (400)', async (t) => {
    const app = new Application({ clientMaxSize: 10_000 });
    app.router.addPost('/', describeForm);
    const s = await serve(app, t);
    // Many parts each under the limit, together over it.
    const parts = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, filename: `f${i}.bin`, data: Buffer.alloc(2000) }));
    const body = multipartBody('XyZ', parts);
    const res = await fetch(s.url, { method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } });
    assert.equal(res.status, 413);
    assert.match(await res.text(), /\d/);
    const chunked = parseRaw(await rawRequest(s.port, Buffer.concat([
      Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n`),
      body, Buffer.from('\r\n0\r\n\r\n'),
    ])));
    assert.equal(chunked.status, 413);
    const bad = await fetch(s.url, { method: 'POST', body: '--XyZ\r\nno headers here', headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } });
    assert.equal(bad.status, 400);
    const noBoundary = await fetch(s.url, { method: 'POST', body: 'x', headers: { 'content-type': 'multipart/form-data' } });
    assert.equal(noBoundary.status, 400);
  });

  it('caps a gzip-encoded multipart body after decompression', async (t) => {
    const app = new Application({ clientMaxSize: 10_000 });
    app.router.addPost('/', describeForm);
    const s = await serve(app, t);
    const small = multipartBody('b1', [{ name: 'x', data: 'y' }]);
    const ok = await fetch(s.url, { method: 'POST', body: gzipSync(small), headers: { 'content-type': 'multipart/form-data; boundary=b1', 'content-encoding': 'gzip' } });
    assert.deepEqual(((await ok.json()) as { fields: unknown }).fields, [['x', 'y']]);
    const bomb = multipartBody('b1', [{ name: 'x', filename: 'z', data: Buffer.alloc(5_000_000) }]);
    const res = await fetch(s.url, { method: 'POST', body: gzipSync(bomb), headers: { 'content-type': 'multipart/form-data; boundary=b1', 'content-encoding': 'gzip' } });
    assert.equal(res.status, 413);
  });

  it('streams parts with request.multipart()', async (t) => {
    const app = new Application();
    app.router.addPost('/', async (request) => {
      const out: Array<[string | undefined, string | undefined, number]> = [];
      for await (const part of request.multipart()) {
        let n = 0;
        for await (const chunk of part) n += chunk.length;
        out.push([part.name, part.filename, n]);
      }
      return jsonResponse(out);
    });
    const s = await serve(app, t);
    // Bigger than clientMaxSize: the streaming reader has no total cap by default.
    const body = multipartBody('q', [{ name: 'meta', data: '{"a":1}' }, { name: 'blob', filename: 'b.bin', data: Buffer.alloc(3 * 1024 * 1024) }]);
    const res = await fetch(s.url, { method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=q' } });
    assert.deepEqual(await res.json(), [['meta', null, 7], ['blob', 'b.bin', 3 * 1024 * 1024]]);
  });

  it('answers a limit or format error inside a streaming request.multipart() loop with 4xx, not 500', async (t) => {
    const app = new Application();
    app.router.addPost('/', async (request) => {
      let parts = 0;
      for await (const part of request.multipart({ maxParts: 1 })) {
        await part.release();
        parts++;
      }
      return jsonResponse({ parts });
    });
    const s = await serve(app, t);
    const body = multipartBody('q', [{ name: 'a', data: '1' }, { name: 'b', data: '2' }]);
    const tooMany = await fetch(s.url, { method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=q' } });
    assert.equal(tooMany.status, 413);
    assert.match(await tooMany.text(), /part/i);
    const truncated = await fetch(s.url, { method: 'POST', body: body.subarray(0, 40), headers: { 'content-type': 'multipart/form-data; boundary=q' } });
    assert.equal(truncated.status, 400);
  });

  it('accepts transport padding after a boundary delimiter in post() and multipart() (RFC 2046 §5.1.1)', async (t) => {
    const app = new Application();
    app.router.addPost('/post', async (request) => jsonResponse([...(await request.post())].map(([k, v]) => [k, String(v)])));
    app.router.addPost('/stream', async (request) => {
      const out: Array<[string | undefined, string]> = [];
      for await (const part of request.multipart()) out.push([part.name, await part.text()]);
      return jsonResponse(out);
    });
    const { url } = await serve(app, t);
    const body = '--B \t\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B  \r\nContent-Disposition: form-data; name="b"\r\n\r\n2\r\n--B-- \r\n';
    for (const path of ['/post', '/stream']) {
      const r = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'multipart/form-data; boundary=B' } });
      assert.equal(r.status, 200, path);
      assert.deepEqual(await r.json(), [['a', '1'], ['b', '2']]);
    }
  });
});
