import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IncompleteReadError, LineTooLongError, StreamReader } from '../../src/common/streams.js';

function fed(...chunks: string[]): StreamReader {
  const r = new StreamReader();
  for (const c of chunks) r.feedData(Buffer.from(c));
  r.feedEof();
  return r;
}

describe('StreamReader', () => {
  it('reads n bytes across chunks and everything with read()', async () => {
    const r = fed('hel', 'lo wo', 'rld');
    assert.equal((await r.read(4)).toString(), 'hell');
    assert.equal((await r.read(2)).toString(), 'o ');
    assert.equal((await r.read()).toString(), 'world');
    assert.equal((await r.read()).length, 0);
    assert.ok(r.atEof());
  });

  it('waits for data fed later', async () => {
    const r = new StreamReader();
    const p = r.read(3);
    setImmediate(() => r.feedData(Buffer.from('abcdef')));
    assert.equal((await p).toString(), 'abc');
    assert.equal((await r.readAny()).toString(), 'def');
  });

  it('readExactly throws IncompleteReadError with the partial bytes', async () => {
    const r = fed('abc');
    await assert.rejects(r.readExactly(5), (e: unknown) => e instanceof IncompleteReadError && e.partial.toString() === 'abc' && e.expected === 5);
  });

  it('readline splits on \\n across chunks, readUntil on multi-byte separators', async () => {
    const r = fed('a\nb', 'c\r', '\nd');
    assert.equal((await r.readline()).toString(), 'a\n');
    assert.equal((await r.readUntil('\r\n')).toString(), 'bc\r\n');
    assert.equal((await r.readline()).toString(), 'd');
    assert.equal((await r.readline()).length, 0);
  });

  it('limits line length', async () => {
    const r = new StreamReader({ limit: 8 });
    r.feedData(Buffer.from('0123456789abcdef'));
    await assert.rejects(r.readline(), LineTooLongError);
  });

  it('pauses the producer above the limit and resumes below half', async () => {
    const events: string[] = [];
    const r = new StreamReader({ limit: 10, onPause: () => events.push('pause'), onResume: () => events.push('resume') });
    assert.equal(r.feedData(Buffer.alloc(6)), true);
    assert.equal(r.feedData(Buffer.alloc(6)), false);
    assert.deepEqual(events, ['pause']);
    await r.read(4);
    assert.deepEqual(events, ['pause']);
    await r.read(4);
    assert.deepEqual(events, ['pause', 'resume']);
  });

  it('iterates chunked, any, lines and with for await', async () => {
    const sizes: number[] = [];
    for await (const c of fed('abcdefg', 'hij').iterChunked(4)) sizes.push(c.length);
    assert.deepEqual(sizes, [4, 4, 2]);
    const any: string[] = [];
    for await (const c of fed('ab', 'cd')) any.push(c.toString());
    assert.equal(any.join(''), 'abcd');
    const lines: string[] = [];
    for await (const l of fed('x\ny\n').iterLine()) lines.push(l.toString());
    assert.deepEqual(lines, ['x\n', 'y\n']);
  });

  it('propagates a producer exception to pending and later reads', async () => {
    const r = new StreamReader();
    const p = r.read();
    r.setException(new Error('boom'));
    await assert.rejects(p, /boom/);
    await assert.rejects(r.readAny(), /boom/);
  });

  it('calls onDone once the last byte is read', async () => {
    let done = 0;
    const r = new StreamReader({ onDone: () => done++ });
    r.feedData(Buffer.from('ab'));
    r.feedEof();
    assert.equal(done, 0);
    await r.read(1);
    assert.equal(done, 0);
    await r.read(1);
    assert.equal(done, 1);
  });
});
