import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageQueue } from '../../src/websocket/message-queue.js';

describe('MessageQueue', () => {
  it('is FIFO', () => {
    const q = new MessageQueue<string>();
    q.push('a');
    q.push('b');
    assert.equal(q.tryShift(), 'a');
    assert.equal(q.tryShift(), 'b');
    assert.equal(q.tryShift(), undefined);
    assert.equal(q.length, 0);
  });

  it('end() lets buffered items drain and ignores later pushes', () => {
    const q = new MessageQueue<number>();
    q.push(1);
    q.push(2);
    q.end();
    q.push(3);
    assert.equal(q.ended, true);
    assert.deepEqual([q.tryShift(), q.tryShift(), q.tryShift()], [1, 2, undefined]);
  });

  it('pauses above highWaterMark and resumes at lowWaterMark, by byte weight', () => {
    const events: string[] = [];
    const q = new MessageQueue<Buffer>({
      highWaterMark: 100,
      lowWaterMark: 40,
      sizeOf: (b) => b.length,
      onPause: () => events.push('pause'),
      onResume: () => events.push('resume'),
    });
    for (let i = 0; i < 5; i++) q.push(Buffer.alloc(30));
    assert.equal(q.bufferedBytes, 150);
    assert.equal(q.paused, true);
    assert.deepEqual(events, ['pause']);
    q.tryShift();
    q.tryShift();
    q.tryShift();
    assert.equal(q.paused, true, '60 bytes is still above lowWaterMark');
    q.tryShift();
    assert.equal(q.paused, false);
    assert.deepEqual(events, ['pause', 'resume']);
  });

  it('clear() drops items and resumes', () => {
    let resumed = 0;
    const q = new MessageQueue<number>({ highWaterMark: 2, onResume: () => resumed++ });
    for (let i = 0; i < 5; i++) q.push(i);
    q.clear();
    assert.equal(q.length, 0);
    assert.equal(resumed, 1);
  });

  it('keeps order across lazy compaction of a long buffer', () => {
    const q = new MessageQueue<number>({ highWaterMark: 1e9 });
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 3000; i++) assert.equal(q.tryShift(), i);
    for (let i = 5000; i < 6000; i++) q.push(i);
    for (let i = 3000; i < 6000; i++) assert.equal(q.tryShift(), i);
    assert.equal(q.length, 0);
  });

  it('refuses inconsistent water marks', () => {
    assert.throws(() => new MessageQueue({ highWaterMark: 10, lowWaterMark: 20 }), RangeError);
  });
});
