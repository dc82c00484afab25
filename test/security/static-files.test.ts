/**
 * Pre-compressed siblings cannot leave the static root: a `.br` or `.gz` sibling that is a symlink
 * out of the root is ignored (the plain file is served), one inside the root is used.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import * as web from '../../src/server/index.js';
import { serve } from '../helpers/server.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';

describe('static pre-compressed siblings', () => {
  it('never serves a .br or .gz sibling that is a symlink out of the root', async (t) => {
    const base = await mkdtemp(path.join(tmpdir(), 'aiohttp-ts-siblings-'));
    t.after(() => rm(base, { recursive: true, force: true }));
    const root = path.join(base, 'root');
    await mkdir(root);
    await writeFile(path.join(base, 'secret.br'), brotliCompressSync(SECRET));
    await writeFile(path.join(base, 'secret.gz'), gzipSync(SECRET));
    await writeFile(path.join(root, 'app.js'), 'console.log(1)');
    await symlink(path.join(base, 'secret.br'), path.join(root, 'app.js.br'));
    await symlink(path.join(base, 'secret.gz'), path.join(root, 'app.js.gz'));
    await writeFile(path.join(root, 'inside.br.data'), brotliCompressSync('inside, compressed'));
    await writeFile(path.join(root, 'ok.js'), 'inside, plain');
    await symlink(path.join(root, 'inside.br.data'), path.join(root, 'ok.js.br'));
    const app = new web.Application();
    app.router.addStatic('/static', root);
    const { url } = await serve(app, t);
    for (const accept of ['br', 'gzip', 'br, gzip']) {
      const res = await fetch(`${url}/static/app.js`, { headers: { 'Accept-Encoding': accept } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-encoding'), null, accept);
      const body = await res.text();
      assert.equal(body, 'console.log(1)', accept);
    }
    // A sibling inside the root is served, so the refusal above is about where it points.
    const ok = await fetch(`${url}/static/ok.js`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(ok.headers.get('content-encoding'), 'br');
    const raw = Buffer.from(await ok.arrayBuffer());
    // fetch may or may not have decoded it already; either way it is the inside file.
    const text = raw.toString() === 'inside, compressed' ? raw.toString() : brotliDecompressSync(raw).toString();
    assert.equal(text, 'inside, compressed');
  });
});
