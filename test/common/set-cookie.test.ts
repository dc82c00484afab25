import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCookieHeader, serializeSetCookie } from '../../src/common/cookies/set-cookie.js';

describe('parseCookieHeader', () => {
  it('parses pairs, trims spaces, unquotes values and keeps the first duplicate', () => {
    assert.deepEqual({ ...parseCookieHeader('a=1; b="two words"; c=x=y; a=2;  d = 4 ') }, { a: '1', b: 'two words', c: 'x=y', d: '4' });
  });
  it('gives an empty record for a missing or empty header and ignores pairs without =', () => {
    assert.deepEqual({ ...parseCookieHeader(undefined) }, {});
    assert.deepEqual({ ...parseCookieHeader('junk; k=v') }, { k: 'v' });
  });
  it('does not let a cookie named __proto__ reach the prototype', () => {
    const c = parseCookieHeader('__proto__=x; constructor=y');
    assert.equal(c['__proto__'], 'x');
    assert.equal(c['constructor'], 'y');
  });
});

describe('serializeSetCookie', () => {
  it('writes every attribute', () => {
    const v = serializeSetCookie('sid', 'abc', {
      expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      domain: 'example.com',
      maxAge: 60,
      path: '/app',
      secure: true,
      httpOnly: true,
      sameSite: 'lax',
      partitioned: true,
    });
    assert.equal(v, 'sid=abc; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Domain=example.com; Max-Age=60; Path=/app; Secure; HttpOnly; SameSite=Lax; Partitioned');
  });
  it('defaults Path to / and quotes values outside cookie-octet', () => {
    assert.equal(serializeSetCookie('a', 'b'), 'a=b; Path=/');
    assert.equal(serializeSetCookie('a', 'x y"z'), 'a="x y\\"z"; Path=/');
  });
  it('refuses CR, LF, ; and control characters with a TypeError', () => {
    for (const bad of ['a\r\nSet-Cookie: x=y', 'a;b', 'a\0', 'a\x7f']) {
      assert.throws(() => serializeSetCookie('n', bad), TypeError);
    }
    assert.throws(() => serializeSetCookie('bad name', 'v'), /invalid cookie name/);
    assert.throws(() => serializeSetCookie('n=', 'v'), TypeError);
    assert.throws(() => serializeSetCookie('n', 'v', { path: '/\r\n' }), /path/);
    assert.throws(() => serializeSetCookie('n', 'v', { domain: 'a;b' }), /domain/);
    assert.throws(() => serializeSetCookie('n', 'v', { maxAge: '1; Secure' }), TypeError);
    assert.throws(() => serializeSetCookie('n', 'v', { sameSite: 'bogus' as 'Lax' }), /sameSite/);
  });
});
