import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentType } from '../../src/common/content-type.js';

describe('parseContentType', () => {
  it('lower-cases the mimetype and keeps the first of repeated parameters', () => {
    const parsed = parseContentType('Text/HTML; Charset="utf-8"; charset=latin1');
    assert.equal(parsed.mimetype, 'text/html');
    assert.deepEqual({ ...parsed.params }, { charset: 'utf-8' });
  });

  it('keeps parameters named like Object.prototype members as plain data', () => {
    const parsed = parseContentType('a/b; constructor=""; __proto__="x"; toString=y');
    assert.equal(parsed.params['constructor'], '');
    assert.equal(parsed.params['tostring'], 'y');
    assert.ok(Object.hasOwn(parsed.params, '__proto__'));
    assert.equal(parsed.params['__proto__'], 'x');
    assert.equal(Object.getPrototypeOf(parsed.params), null);
  });
});
