/** The demo app answers input it cannot serve with a 400 naming the problem, never a 500 (issue 15). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDemoApp } from '../../src/demo/app.js';
import { needs, peerPath } from '../helpers/peers.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

const NOT_UTF8_JSON = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);

function post(path: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
}

describe('demo app: 400 with a reason', () => {
  it('answers 400 to JSON that is not UTF-8 on POST / and /anything', async (t) => {
    const { port } = await serve(createDemoApp(), t);
    const root = parseRaw(await rawRequest(port, post('/', NOT_UTF8_JSON)));
    assert.equal(root.status, 400);
    assert.match(root.body, /not valid UTF-8/);
    const anything = parseRaw(await rawRequest(port, post('/anything', NOT_UTF8_JSON)));
    assert.equal(anything.status, 400);
    assert.match(anything.body, /not valid UTF-8/);
  });
});

describe('demo app: values that cannot be sent', () => {
  for (const [target, reason] of [
    ['/cookies/set?bad%20name=1', /invalid cookie name "bad name"/],
    ['/cookies/set?a=x%0D%0ASet-Cookie:%20admin=1', /cookie value for "a" cannot be sent: CR/],
    ['/cookies/set?a=%E4%B8%96', /cookie value for "a" cannot be sent: U\+4E16/],
    ['/cookies/delete?bad;name', /invalid cookie name "bad;name"/],
    ['/redirect-to?url=/x%0D%0ASet-Cookie:%20admin=1', /header Location has a value that cannot be sent: CR/],
    ['/redirect-to?url=/%00', /header Location has a value that cannot be sent: NUL/],
  ] as const) {
    it(`answers 400 naming the problem to ${target}`, async (t) => {
      const { port } = await serve(createDemoApp(), t);
      const raw = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      const { status, headers, body } = parseRaw(raw);
      assert.equal(status, 400, raw);
      assert.match(body, reason);
      assert.equal(headers['set-cookie'], undefined);
      assert.equal(headers.location, undefined);
    });
  }

  it('still sets cookies and redirects for input that can be sent', async (t) => {
    const { port } = await serve(createDemoApp(), t);
    const set = parseRaw(await rawRequest(port, `GET /cookies/set?a=b%20c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`));
    assert.equal(set.status, 302);
    assert.equal(set.headers['set-cookie'], 'a="b c"; Path=/');
    const to = parseRaw(await rawRequest(port, `GET /redirect-to?url=/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`));
    assert.equal(to.status, 302);
    assert.equal(to.headers.location, '/x');
  });
});

describe('demo app: big uploads', () => {
  it('takes a 5 MiB curl -T upload to /upload, sent after 100 Continue', needs('curl'), async (t) => {
    const { port } = await serve(createDemoApp(), t);
    const dir = mkdtempSync(join(tmpdir(), 'demo-upload-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const data = Buffer.alloc(5 * 1024 * 1024, 'z');
    writeFileSync(join(dir, 'big.bin'), data);
    const { stdout, stderr } = await promisify(execFile)(peerPath('curl'), ['-sS', '-v', '-X', 'POST', '-T', join(dir, 'big.bin'), `http://127.0.0.1:${port}/upload`]);
    assert.match(stderr, /< HTTP\/1\.1 100 Continue/);
    assert.deepEqual(JSON.parse(stdout), { size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  });
});
