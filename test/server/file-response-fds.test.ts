// FileResponse works on raw descriptors, so a descriptor closed twice can close another request's
// file that reused its number in between. This file spies on node:fs's open/close (its own process,
// so no other test sees the spy) and checks every descriptor is closed exactly once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Application } from '../../src/server/index.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

type Callback = (err: NodeJS.ErrnoException | null, fd: number) => void;

describe('FileResponse descriptors', () => {
  it('closes every descriptor it opens exactly once: files, directories, refused symlinks, missing files, siblings', { timeout: 10_000 }, async (t) => {
    const base = await mkdtemp(path.join(tmpdir(), 'aiohttp-ts-fds-'));
    t.after(() => rm(base, { recursive: true, force: true }));
    const root = path.join(base, 'root');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    await writeFile(path.join(root, 'sub', 'b.txt'), 'bee');
    await writeFile(path.join(root, 'app.js'), 'console.log(1)');
    await writeFile(path.join(root, 'app.js.gz'), gzipSync('console.log(1)'));
    await writeFile(path.join(base, 'secret.txt'), 'secret');
    await symlink(path.join(base, 'secret.txt'), path.join(root, 'link-out.txt'));

    // per descriptor number, what happened to it in order; only descriptors opened under `base`
    const history = new Map<number, string[]>();
    const openNow = new Set<number>();
    let balanced: (() => void) | undefined;
    const realOpen = fs.open;
    const realClose = fs.close;
    fs.open = ((...args: unknown[]) => {
      const cb = args.pop() as Callback;
      const file = String(args[0]);
      (realOpen as (...a: unknown[]) => void)(...args, (err: NodeJS.ErrnoException | null, fd: number) => {
        if (err === null && file.startsWith(base)) {
          history.set(fd, [...(history.get(fd) ?? []), 'open']);
          openNow.add(fd);
        }
        cb(err, fd);
      });
    }) as typeof fs.open;
    fs.close = ((fd: number, cb?: (err: NodeJS.ErrnoException | null) => void) => {
      if (history.has(fd)) {
        history.get(fd)!.push('close');
        openNow.delete(fd);
        if (openNow.size === 0) balanced?.();
      }
      realClose(fd, cb);
    }) as typeof fs.close;
    syncBuiltinESMExports();
    t.after(() => {
      fs.open = realOpen;
      fs.close = realClose;
      syncBuiltinESMExports();
    });

    const app = new Application();
    app.router.addStatic('/p', root);
    const s = await serve(app, t);
    const get = async (target: string, extra = '') =>
      parseRaw(await rawRequest(s.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`));
    assert.equal((await get('/p/sub')).status, 403);
    assert.equal((await get('/p/sub/b.txt')).body, 'bee');
    assert.equal((await get('/p/link-out.txt')).status, 404);
    assert.equal((await get('/p/missing.txt')).status, 404);
    assert.equal((await get('/p/app.js', 'Accept-Encoding: gzip\r\n')).headers['content-encoding'], 'gzip');
    assert.equal((await get('/p/app.js')).body, 'console.log(1)');

    // the last close can come just after the response: wait until nothing the spy saw is open
    if (openNow.size > 0) await new Promise<void>((resolve) => { balanced = resolve; });
    assert.ok(history.size > 0, 'the spy saw the descriptors');
    // open, close, open, close...: a number is reused only after its close, and closed once
    for (const [fd, events] of history) {
      assert.equal(events.length % 2, 0, `descriptor ${fd}: ${events.join(', ')}`);
      assert.deepEqual(events, events.map((_, i) => (i % 2 === 0 ? 'open' : 'close')), `descriptor ${fd}: ${events.join(', ')}`);
    }
  });
});
