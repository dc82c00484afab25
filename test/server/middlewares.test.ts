import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as web from '../../src/server/index.js';
import { serve } from '../helpers/server.js';

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
});
