import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as web from '../../src/server/index.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

describe('normalizePathMiddleware', () => {
  it('redirects to the path with a trailing slash or merged slashes, keeping the query', async (t) => {
    const app = new web.Application({ middlewares: [web.normalizePathMiddleware()] });
    app.router.addGet('/dir/', () => new web.Response({ text: 'dir' }));
    app.router.addGet('/a/b', () => new web.Response({ text: 'ab' }));
    const { url } = await serve(app, t);
    const slash = await fetch(`${url}/dir?x=1`, { redirect: 'manual' });
    assert.equal(slash.status, 308);
    assert.equal(slash.headers.get('location'), '/dir/?x=1');
    const merged = await fetch(`${url}//a//b`, { redirect: 'manual' });
    assert.equal(merged.status, 308);
    assert.equal(merged.headers.get('location'), '/a/b');
    assert.equal((await fetch(`${url}/none`)).status, 404);
  });

  it('removes a trailing slash when asked, with the chosen redirect class', async (t) => {
    const app = new web.Application({
      middlewares: [web.normalizePathMiddleware({ appendSlash: false, removeSlash: true, redirectClass: web.HTTPFound })],
    });
    app.router.addGet('/file', () => new web.Response({ text: 'file' }));
    const { url } = await serve(app, t);
    const res = await fetch(`${url}/file/`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/file');
    assert.throws(() => web.normalizePathMiddleware({ appendSlash: true, removeSlash: true }), TypeError);
  });

  it('never redirects off the site, with every option combination: no //host and no raw backslash in Location', async (t) => {
    const combos: web.NormalizePathOptions[] = [
      { appendSlash: true, mergeSlashes: true },
      { appendSlash: true, mergeSlashes: false },
      { appendSlash: false, mergeSlashes: true },
      { appendSlash: false, mergeSlashes: false },
      { appendSlash: false, removeSlash: true, mergeSlashes: true },
      { appendSlash: false, removeSlash: true, mergeSlashes: false },
    ];
    const paths = ['//evil.example', '//evil.example/', '///evil.example', '//evil.example//x', '/\\evil.example', '/\\evil.example/', '/\\\\evil.example', '/%5Cevil.example', '/\\/evil.example'];
    for (const options of combos) {
      const app = new web.Application({ middlewares: [web.normalizePathMiddleware(options)] });
      const ok = (): web.Response => new web.Response({ text: 'ok' });
      // Routes that make some variant of each hostile path resolve, so the middleware has something to redirect to.
      if (options.appendSlash) app.router.addGet('/{a:.*}/', ok);
      else if (options.removeSlash) app.router.addGet('/{a:.*[^/]}', ok);
      else app.router.addGet('/evil.example', ok);
      const { port } = await serve(app, t);
      const get = async (path: string) => parseRaw(await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n`));
      let redirects = 0;
      for (const path of [...paths, ...paths.map((p) => `${p}?q=1`)]) {
        const r = await get(path);
        const where = `${JSON.stringify(options)} ${path}`;
        if (r.status === 404 || r.status === 200) continue;
        assert.equal(r.status, 308, where);
        redirects++;
        const location = r.headers.location!;
        assert.ok(!/^[/\\]{2}/.test(location) && !location.includes('\\'), `${where} -> ${location}`);
        assert.equal(new URL(location, 'http://good.example/').host, 'good.example', `${where} -> ${location}`);
        assert.equal((await get(location)).status, 200, `${where} -> ${location} resolves`);
      }
      assert.ok(options.mergeSlashes === false && !options.appendSlash && !options.removeSlash ? redirects === 0 : redirects > 0, JSON.stringify(options));
    }
  });
});
