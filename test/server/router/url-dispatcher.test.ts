import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UrlDispatcher, decodePathSafe } from '../../../src/server/router/url-dispatcher.js';
import { Response } from '../../../src/server/response.js';
import { DynamicResource } from '../../../src/server/router/resources.js';

const h = (): Response => new Response({ text: 'x' });

describe('UrlDispatcher', () => {
  it('resolves plain and dynamic routes with decoded params', () => {
    const r = new UrlDispatcher();
    r.addGet('/users', h);
    r.addGet('/users/{id}', h);
    r.addGet('/users/{id}/posts/{post}', h);
    assert.equal(r.resolve('GET', '/users').route?.resource.canonical, '/users');
    const m = r.resolve('GET', decodePathSafe('/users/caf%C3%A9/posts/7'));
    assert.equal(m.route?.resource.canonical, '/users/{id}/posts/{post}');
    assert.deepEqual({ ...m.matchInfo }, { id: 'café', post: '7' });
  });

  it('keeps an encoded slash inside a one-segment param and decodes it in matchInfo', () => {
    const r = new UrlDispatcher();
    r.addGet('/files/{name}', h);
    const m = r.resolve('GET', decodePathSafe('/files/a%2Fb'));
    assert.equal(m.matchInfo['name'], 'a/b');
    assert.equal(r.resolve('GET', '/files/a/b').route, null);
  });

  it('lets a regex param span segments', () => {
    const r = new UrlDispatcher();
    r.addGet('/static/{tail:.*}', h);
    r.addGet('/n/{num:\\d{2,3}}', h);
    assert.deepEqual({ ...r.resolve('GET', '/static/css/site/a.css').matchInfo }, { tail: 'css/site/a.css' });
    assert.equal(r.resolve('GET', '/n/123').matchInfo['num'], '123');
    assert.equal(r.resolve('GET', '/n/1').route, null);
  });

  it('gives each param its own value when a custom regex has capture groups of its own', () => {
    const r = new UrlDispatcher();
    r.addGet('/v/{ver:(v)(\\d+)}/{name:(?<inner>a|b)(c)?}/{rest}', h);
    const m = r.resolve('GET', '/v/v12/bc/tail');
    assert.deepEqual({ ...m.matchInfo }, { ver: 'v12', name: 'bc', rest: 'tail' });
    assert.deepEqual({ ...r.resolve('GET', '/v/v7/a/x').matchInfo }, { ver: 'v7', name: 'a', rest: 'x' });
  });

  it('prefers static segments over dynamic ones whatever the registration order', () => {
    const r = new UrlDispatcher();
    r.addGet('/{any}/x', h, { name: 'wild' });
    r.addGet('/users/{id}', h, { name: 'dyn' });
    r.addGet('/users/{id}/{tab}', h, { name: 'dyn2' });
    r.addGet('/users/{id}/profile', h, { name: 'prof' });
    r.addGet('/users/me', h, { name: 'me' });
    r.addGet('/users/x', h, { name: 'ux' });
    assert.equal(r.resolve('GET', '/users/me').route?.name, 'me');
    assert.equal(r.resolve('GET', '/users/42').route?.name, 'dyn');
    assert.equal(r.resolve('GET', '/users/42/profile').route?.name, 'prof');
    assert.equal(r.resolve('GET', '/users/42/other').route?.name, 'dyn2');
    assert.equal(r.resolve('GET', '/other/x').route?.name, 'wild');
  });

  it('reports allowed methods for a path that matches with the wrong method', () => {
    const r = new UrlDispatcher();
    r.addGet('/a', h);
    r.addPost('/a', h);
    r.addPut('/items/{id}', h);
    const m = r.resolve('DELETE', '/a');
    assert.equal(m.route, null);
    assert.deepEqual([...m.allowedMethods!].sort(), ['GET', 'HEAD', 'POST']);
    assert.deepEqual([...r.resolve('GET', '/items/1').allowedMethods!], ['PUT']);
    const nf = r.resolve('GET', '/nowhere');
    assert.equal(nf.route, null);
    assert.equal(nf.allowedMethods, null);
  });

  it('answers any method with addAny and HEAD only when allowed', () => {
    const r = new UrlDispatcher();
    r.addAny('/any', h);
    r.addGet('/nohead', h, { allowHead: false });
    assert.ok(r.resolve('PATCH', '/any').route);
    assert.equal(r.resolve('HEAD', '/nohead').route, null);
  });

  it('builds URLs for named routes with percent-encoded parts and a query', () => {
    const r = new UrlDispatcher();
    r.addGet('/users/{id}', h, { name: 'user' });
    r.addGet('/static/{path:.*}', h, { name: 'static' });
    r.addGet('/plain path', h, { name: 'plain' });
    assert.equal(r.urlFor('user', { id: 'a b/c' }), '/users/a%20b%2Fc');
    assert.equal(r.urlFor('user', { id: 7 }, { q: 'x y', n: 1 }), '/users/7?q=x+y&n=1');
    assert.equal(r.get('static')!.urlFor({ path: 'css/a b.css' }), '/static/css/a%20b.css');
    assert.equal(r.urlFor('plain'), '/plain%20path');
    assert.throws(() => r.urlFor('user'), /missing parameter "id"/);
    assert.throws(() => r.urlFor('nope'), RangeError);
  });

  it('refuses duplicate names, duplicate methods, bad patterns and changes after freeze', () => {
    const r = new UrlDispatcher();
    r.addGet('/a', h, { name: 'a' });
    assert.throws(() => r.addGet('/b', h, { name: 'a' }), /Duplicate route name/);
    assert.throws(() => r.addGet('/a', h, { name: 'a' }), /already registered/);
    assert.throws(() => r.addGet('no-slash', h), /start with '\/'/);
    assert.throws(() => r.addGet('/{x', h), /unbalanced/);
    assert.throws(() => r.addGet('/{1x}', h), /invalid parameter name/);
    assert.throws(() => r.addGet('/{x:(}', h), /bad regex/);
    r.freeze();
    assert.throws(() => r.addGet('/c', h), /frozen/);
  });

  it('resolves among 1,000 routes by index, trying only the candidates of the first segment', (t) => {
    const r = new UrlDispatcher();
    for (let i = 0; i < 500; i++) r.addGet(`/api/v${i}/items`, h, { name: `plain${i}` });
    for (let i = 0; i < 500; i++) r.addGet(`/res${i}/{id}/sub/{sub}`, h, { name: `dyn${i}` });
    r.freeze();
    let tried = 0;
    const original = DynamicResource.prototype._match;
    DynamicResource.prototype._match = function (this: DynamicResource, path: string) {
      tried++;
      return original.call(this, path);
    };
    t.after(() => {
      DynamicResource.prototype._match = original;
    });
    assert.equal(r.resolve('GET', '/api/v499/items').route?.name, 'plain499');
    assert.equal(tried, 0, 'a plain path needs no regex');
    assert.equal(r.resolve('GET', '/res499/1/sub/2').route?.name, 'dyn499');
    assert.equal(tried, 1, 'only the resource indexed under "res499" is tried');
    assert.equal(r.resolve('GET', '/unknown/1').route, null);
    assert.equal(tried, 1);
    const start = process.hrtime.bigint();
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      r.resolve('GET', `/res${i % 500}/42/sub/x`);
      r.resolve('GET', `/api/v${i % 500}/items`);
    }
    const perOp = Number(process.hrtime.bigint() - start) / (2 * n);
    // Generous, for loaded CI machines: a linear scan of 1,000 regexes is far slower.
    assert.ok(perOp < 50_000, `resolve took ${perOp.toFixed(0)} ns per lookup`);
  });
});
