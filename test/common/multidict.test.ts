import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CIMultiDict, MultiDict, MultiDictProxy } from '../../src/common/multidict.js';

for (const Kind of [MultiDict, CIMultiDict]) {
  describe(Kind.name, () => {
    it('keeps repeated keys in insertion order', () => {
      const md = new Kind([['a', '1'], ['b', '2'], ['a', '3']]);
      assert.deepEqual(md.getAll('a'), ['1', '3']);
      assert.equal(md.get('a'), '1');
      assert.equal(md.size, 3);
      assert.deepEqual([...md], [['a', '1'], ['b', '2'], ['a', '3']]);
    });

    it('builds from an object whose array values become repeated keys', () => {
      const md = new Kind({ a: ['1', '2'], b: '3' });
      assert.deepEqual(md.toArray(), [['a', '1'], ['a', '2'], ['b', '3']]);
    });

    it('set replaces every value at the first position', () => {
      const md = new Kind([['a', '1'], ['b', '2'], ['a', '3']]);
      md.set('a', 'x');
      assert.deepEqual(md.toArray(), [['a', 'x'], ['b', '2']]);
    });

    it('delete removes all values and reports it', () => {
      const md = new Kind([['a', '1'], ['b', '2'], ['a', '3']]);
      assert.equal(md.delete('a'), true);
      assert.equal(md.delete('a'), false);
      assert.deepEqual(md.toArray(), [['b', '2']]);
    });

    it('getOne throws a RangeError naming the key', () => {
      assert.throws(() => new Kind().getOne('nope'), /nope/);
    });

    it('update replaces keys present in the argument and keeps the rest', () => {
      const md = new Kind([['a', '1'], ['b', '2']]);
      md.update([['a', '9'], ['a', '10'], ['c', '3']]);
      assert.deepEqual(md.toArray(), [['b', '2'], ['a', '9'], ['a', '10'], ['c', '3']]);
    });

    it('copies independently', () => {
      const md = new Kind([['a', '1']]);
      const cp = md.copy();
      cp.add('a', '2');
      assert.equal(md.size, 1);
      assert.ok(cp instanceof Kind);
    });
  });
}

describe('CIMultiDict', () => {
  it('matches keys case-insensitively and keeps their spelling', () => {
    const md = new CIMultiDict([['Content-Type', 'text/plain']]);
    assert.equal(md.get('content-type'), 'text/plain');
    assert.ok(md.has('CONTENT-TYPE'));
    assert.deepEqual([...md.keys()], ['Content-Type']);
  });
});

describe('MultiDict', () => {
  it('matches keys case-sensitively', () => {
    const md = new MultiDict([['A', '1']]);
    assert.equal(md.get('a'), undefined);
  });
});

describe('MultiDictProxy', () => {
  it('reads through to the dict and copies into a mutable one', () => {
    const md = new CIMultiDict([['X', '1']]);
    const proxy = new MultiDictProxy(md);
    md.add('x', '2');
    assert.deepEqual(proxy.getAll('x'), ['1', '2']);
    const cp = proxy.copy();
    cp.add('x', '3');
    assert.equal(proxy.size, 2);
    assert.equal('add' in proxy, false);
  });
});
