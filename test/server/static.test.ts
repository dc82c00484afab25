import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Application } from '../../src/server/index.js';
import { parseRaw, rawRequest, serve, type Served } from '../helpers/server.js';

const SECRET = 'TOP-SECRET-CONTENT';

describe('static routes', () => {
  let base: string;
  let served: Served;
  let followed: Served;
  let app: Application;

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'aiohttp-ts-static-'));
    const root = path.join(base, 'root');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    await mkdir(path.join(root, '<b>&dir'));
    await writeFile(path.join(base, 'secret.txt'), SECRET);
    await writeFile(path.join(base, 'secret.gz'), gzipSync(SECRET));
    await writeFile(path.join(root, 'index.html'), '<h1>hi</h1>');
    await writeFile(path.join(root, 'sub', 'b.txt'), 'bee');
    await writeFile(path.join(root, '<script>x.txt'), 'x');
    await writeFile(path.join(root, 'app.js'), 'console.log(1)');
    await symlink(path.join(base, 'secret.txt'), path.join(root, 'link-out.txt'));
    await symlink(path.join(base, 'secret.gz'), path.join(root, 'app.js.gz'));
    await symlink(path.join(root, 'sub', 'b.txt'), path.join(root, 'link-in.txt'));
    app = new Application();
    app.router.addStatic('/static', root, { showIndex: true, appendVersion: true, name: 'static' });
    served = await serve(app);
    const app2 = new Application();
    app2.router.addStatic('/s', root, { followSymlinks: true });
    followed = await serve(app2);
  });
  after(async () => {
    await served.close();
    await followed.close();
    await rm(base, { recursive: true, force: true });
  });

  const raw = async (target: string, headers = ''): Promise<ReturnType<typeof parseRaw>> =>
    parseRaw(await rawRequest(served.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`));

  it('serves files and HEAD', async () => {
    const r = await raw('/static/sub/b.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'bee');
    const h = parseRaw(await rawRequest(served.port, 'HEAD /static/index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(h.status, 200);
    assert.equal(h.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(h.body, '');
  });

  it('serves a symlink that stays inside the root', async () => {
    assert.equal((await raw('/static/link-in.txt')).body, 'bee');
  });

  // Every attempt answers like a missing file (404) or a bad request (400), never with the secret.
  const attempts = [
    '/static/../secret.txt',
    '/static/sub/../../secret.txt',
    '/static/%2e%2e/secret.txt',
    '/static/%2E%2E/secret.txt',
    '/static/sub/%2e%2e/%2e%2e/secret.txt',
    '/static/..%2fsecret.txt',
    '/static/..%2Fsecret.txt',
    '/static/%2e%2e%2fsecret.txt',
    '/static/sub%2f..%2f..%2fsecret.txt',
    '/static/..%5csecret.txt',
    '/static/..\\secret.txt',
    '/static/sub\\..\\..\\secret.txt',
    '/static/%252e%252e/secret.txt',
    '/static/secret.txt%00.html',
    '/static/index.html%00',
    '/static//etc/passwd',
    '/static/%2fetc%2fpasswd',
    '/static/%2Fetc/passwd',
    '/static/....//secret.txt',
    '/static/.%2e/secret.txt',
    '/static/link-out.txt',
    '/static/%c0%ae%c0%ae/secret.txt',
    '/static/nonexistent.txt',
  ];
  for (const target of attempts) {
    it(`refuses ${target} without leaking or an oracle`, async () => {
      const r = await raw(target);
      assert.ok(r.status === 404 || r.status === 400, `status ${r.status}`);
      assert.ok(!r.body.includes(SECRET));
      assert.ok(!r.body.includes('root:'));
      if (r.status === 404) assert.equal(r.body, '404: Not Found');
    });
  }

  it('gives the same answer for a file outside the root and a missing one', async () => {
    const outside = await raw('/static/../secret.txt');
    const missing = await raw('/static/no-such-file.txt');
    assert.equal(outside.status, missing.status);
    assert.equal(outside.body, missing.body);
  });

  it('does not serve a symlinked .gz sibling pointing out of the root', async () => {
    const r = await raw('/static/app.js', 'Accept-Encoding: gzip\r\n');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.body, 'console.log(1)');
  });

  it('follows outside symlinks only with followSymlinks', async () => {
    const r = parseRaw(await rawRequest(followed.port, 'GET /s/link-out.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(r.body, SECRET);
    const dir = parseRaw(await rawRequest(followed.port, 'GET /s/sub HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(dir.status, 403);
  });

  it('answers a directory with 403, and a symlink to a directory outside the root like a missing file', async (t) => {
    await mkdir(path.join(base, 'outside-dir'), { recursive: true });
    await writeFile(path.join(base, 'outside-dir', 'x.txt'), SECRET);
    const root = path.join(base, 'root');
    await symlink(path.join(base, 'outside-dir'), path.join(root, 'dir-out'));
    t.after(() => rm(path.join(root, 'dir-out')));
    const plain = new Application();
    plain.router.addStatic('/p', root);
    const s = await serve(plain, t);
    const get = async (target: string) => parseRaw(await rawRequest(s.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    assert.equal((await get('/p/sub')).status, 403);
    assert.equal((await get('/p/')).status, 403);
    assert.equal((await get('/p/sub/b.txt')).body, 'bee');
    const out = await get('/p/dir-out');
    assert.equal(out.status, 404);
    assert.equal(out.body, '404: Not Found');
    const inside = await get('/p/dir-out/x.txt');
    assert.equal(inside.status, 404);
    assert.ok(!inside.body.includes(SECRET));
  });

  it('lists directories with escaped names', async () => {
    const r = await raw('/static/');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'] ?? '', /^text\/html/);
    assert.ok(!r.body.includes('<script>'));
    assert.ok(r.body.includes('&#60;script&#62;x.txt'));
    assert.ok(r.body.includes('href="/static/%3Cscript%3Ex.txt"'));
    assert.ok(r.body.includes('&#60;b&#62;&#38;dir/'));
  });

  it('builds URLs with a content version', () => {
    const url = app.router.urlFor('static', { filename: 'sub/b.txt' });
    assert.match(url, /^\/static\/sub\/b\.txt\?v=[\w-]{43}$/);
    assert.equal(app.router.urlFor('static', { filename: 'missing.txt' }), '/static/missing.txt');
  });

  it('supports Range and conditional requests', async () => {
    const r = await raw('/static/sub/b.txt', 'Range: bytes=1-1\r\n');
    assert.equal(r.status, 206);
    assert.equal(r.body, 'e');
    const etag = (await raw('/static/sub/b.txt')).headers['etag']!;
    assert.equal((await raw('/static/sub/b.txt', `If-None-Match: ${etag}\r\n`)).status, 304);
  });

  it('refuses a directory that does not exist', () => {
    assert.throws(() => new Application().router.addStatic('/x', path.join(base, 'nope')), TypeError);
  });
});
