import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as web from '../../src/server/index.js';

describe('HTTP exceptions', () => {
  it('carry status, reason and aiohttp-style default text', () => {
    const e = new web.HTTPNotFound();
    assert.equal(e.status, 404);
    assert.equal(e.reason, 'Not Found');
    assert.equal(e.text, '404: Not Found');
    assert.equal(e.name, 'HTTPNotFound');
    assert.ok(e instanceof web.HTTPClientError && e instanceof web.HTTPError && e instanceof web.HTTPException && e instanceof Error);
    assert.ok(!(e instanceof web.HTTPServerError));
  });

  it('have one class per status across the families', () => {
    const cases: Array<[new () => web.HTTPException, number]> = [
      [web.HTTPOk, 200], [web.HTTPCreated, 201], [web.HTTPNoContent, 204], [web.HTTPNotModified, 304],
      [web.HTTPBadRequest, 400], [web.HTTPUnauthorized, 401], [web.HTTPForbidden, 403], [web.HTTPConflict, 409],
      [web.HTTPUnsupportedMediaType, 415], [web.HTTPUnprocessableEntity, 422], [web.HTTPTooManyRequests, 429],
      [web.HTTPRequestHeaderFieldsTooLarge, 431], [web.HTTPInternalServerError, 500], [web.HTTPNotImplemented, 501],
      [web.HTTPBadGateway, 502], [web.HTTPServiceUnavailable, 503], [web.HTTPGatewayTimeout, 504],
      [web.HTTPNetworkAuthenticationRequired, 511],
    ];
    for (const [Cls, status] of cases) assert.equal(new Cls().status, status, Cls.name);
    assert.equal(new web.HTTPNoContent().text, undefined, '204 has no body');
  });

  it('redirects need a location and put it in Location', () => {
    for (const Cls of [web.HTTPMovedPermanently, web.HTTPFound, web.HTTPSeeOther, web.HTTPTemporaryRedirect, web.HTTPPermanentRedirect]) {
      const e = new Cls('/there');
      assert.deepEqual(e.headers, [['Location', '/there']]);
      assert.equal(e.location, '/there');
    }
    assert.throws(() => new web.HTTPFound(''), TypeError);
    assert.throws(() => new web.HTTPFound('/a\r\nX: y'), TypeError);
  });

  it('405 lists allowed methods and 413 names both sizes', () => {
    const e = new web.HTTPMethodNotAllowed('put', ['POST', 'GET']);
    assert.equal(e.method, 'PUT');
    assert.deepEqual(e.headers, [['Allow', 'GET,POST']]);
    const big = new web.HTTPRequestEntityTooLarge(10, 20);
    assert.equal(big.maxSize, 10);
    assert.equal(big.actualSize, 20);
    assert.match(big.text!, /Maximum request body size 10 exceeded, actual body size 20/);
  });

  it('take reason, text, body, headers and contentType options', () => {
    const e = new web.HTTPBadRequest({ reason: 'Nope', text: 'bad input', headers: { 'X-A': '1' }, contentType: 'text/html' });
    assert.equal(e.reason, 'Nope');
    assert.equal(e.text, 'bad input');
    assert.equal(e.message, 'bad input');
    assert.deepEqual(e.headers, [['X-A', '1']]);
    assert.equal(e.contentType, 'text/html');
    assert.deepEqual(new web.HTTPForbidden({ headers: [['A', 'b']] }).headers, [['A', 'b']]);
    assert.throws(() => new web.HTTPBadRequest({ reason: 'a\nb' }), TypeError);
  });

  it('recognises an exception branded by another copy of the package', () => {
    const foreign = { [Symbol.for('aiohttp-ts.HTTPException')]: true, status: 418 };
    assert.ok(foreign instanceof web.HTTPException);
    assert.ok(!(foreign instanceof web.HTTPNotFound));
    assert.ok(!(new Error('x') instanceof web.HTTPException));
  });

  it('refuse to construct the abstract bases', () => {
    assert.throws(() => new web.HTTPException(), /abstract/);
    assert.throws(() => new web.HTTPClientError(), /abstract/);
  });
});
