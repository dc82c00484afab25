import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTarget, encodeParams, quoteQueryPart, URLError } from '../../src/common/url.js';
import { MultiDict } from '../../src/common/multidict.js';

describe('url', () => {
  it('quotes query parts as yarl does', () => {
    assert.equal(quoteQueryPart('plain'), 'plain');
    assert.equal(quoteQueryPart('a b+c'), 'a+b%2Bc');
    assert.equal(quoteQueryPart('&=#%'), '%26%3D%23%25');
    assert.equal(quoteQueryPart("/?:@!$'()*,;"), "/?:@!$'()*,;");
    assert.equal(quoteQueryPart('é😀'), '%C3%A9%F0%9F%98%80');
  });

  it('encodes params from an object, pairs, a MultiDict, URLSearchParams and a string', () => {
    assert.equal(encodeParams({ key1: 'val1', key2: 'val2' }), 'key1=val1&key2=val2');
    assert.equal(encodeParams([['key1', 'val1'], ['key2', 'val2'], ['key2', 'val3']]), 'key1=val1&key2=val2&key2=val3');
    assert.equal(encodeParams(new MultiDict<string | number>([['a', 1], ['a', 2.5]])), 'a=1&a=2.5');
    assert.equal(encodeParams({ l: ['x', 'y'] }), 'l=x&l=y');
    assert.equal(encodeParams(new URLSearchParams('a=b c')), 'a=b+c');
    assert.equal(encodeParams('raw=%20'), 'raw=%20');
    assert.throws(() => encodeParams({ b: true as never }), /should be a string or a number/);
  });

  it('normalises URLs and appends params', () => {
    const t = buildTarget('HTTP://Example.COM:80/a/../b c?x=1#frag', undefined, { y: '2' }, false);
    assert.equal(t.origin, 'http://example.com');
    assert.equal(t.path, '/b%20c?x=1&y=2');
    assert.equal(t.href, 'http://example.com/b%20c?x=1&y=2#frag');
  });

  it('keeps an encoded URL verbatim', () => {
    const t = buildTarget('http://h:8080/querystring?key+1=val', undefined, undefined, true);
    assert.equal(t.path, '/querystring?key+1=val');
    assert.equal(t.href, 'http://h:8080/querystring?key+1=val');
    assert.equal(buildTarget('http://h/%7e/../x', undefined, undefined, true).path, '/%7e/../x');
    assert.equal(buildTarget('http://h', undefined, undefined, true).path, '/');
    const base = new URL('http://h/api/v1/');
    assert.equal(buildTarget('q?key+1=%7e', base, undefined, true).href, 'http://h/api/v1/q?key+1=%7e');
    assert.equal(buildTarget('/a%2fb', base, undefined, true).path, '/a%2fb');
  });

  it('joins relative URLs to a base', () => {
    const base = new URL('http://h/api/v1/');
    assert.equal(buildTarget('users', base, undefined, false).href, 'http://h/api/v1/users');
    assert.equal(buildTarget('/root', base, undefined, false).href, 'http://h/root');
  });

  it('rejects non-http schemes and garbage', () => {
    assert.throws(() => buildTarget('ftp://h/', undefined, undefined, false), URLError);
    assert.throws(() => buildTarget('not a url', undefined, undefined, false), /Invalid URL/);
  });
});
