import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { memorySocketPair } from '../../src/test-utils/memory-socket.js';

describe('memorySocketPair', () => {
  it('carries bytes both ways and looks like a loopback TCP socket', async () => {
    const [a, b] = memorySocketPair(8080);
    assert.equal(a.remoteAddress, '127.0.0.1');
    assert.equal(a.remotePort, 8080);
    assert.equal(b.localPort, 8080);
    assert.equal(b.remotePort, a.localPort);
    assert.equal(a.setNoDelay(true), a);
    assert.equal(a.setKeepAlive(true, 1000), a);
    assert.equal(a.ref().unref(), a);
    a.write('ping');
    const [got] = (await once(b, 'data')) as [Buffer];
    assert.equal(got.toString(), 'ping');
    b.write('pong');
    const [back] = (await once(a, 'data')) as [Buffer];
    assert.equal(back.toString(), 'pong');
    a.destroy();
    await once(b, 'close');
  });

  it('half-closes: end() on one side is EOF on the other, which can still write', async () => {
    const [a, b] = memorySocketPair(1);
    const closed = Promise.all([once(a, 'close'), once(b, 'close')]);
    const chunks: Buffer[] = [];
    b.on('data', (c: Buffer) => chunks.push(c));
    a.end('last words');
    await once(b, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'last words');
    const reply = once(a, 'data');
    b.end('reply');
    assert.equal(String((await reply)[0]), 'reply');
    await closed;
  });

  it('applies backpressure until the reader drains', async () => {
    const [a, b] = memorySocketPair(1);
    b.pause();
    const big = Buffer.alloc(64 * 1024);
    let writes = 0;
    while (a.write(big)) writes++;
    assert.ok(writes < 64, `stopped after ${writes} writes`);
    const drained = once(a, 'drain');
    let received = 0;
    b.on('data', (c: Buffer) => (received += c.length));
    b.resume();
    await drained;
    assert.ok(received > 0);
    a.destroy();
  });

  it('destroy() on one side closes the other, like a reset', async () => {
    const [a, b] = memorySocketPair(1);
    b.resume();
    a.destroy();
    await once(b, 'close');
    assert.equal(b.destroyed, true);
    assert.equal(b.readyState, 'closed');
  });

  it("emits 'timeout' after the idle time set with setTimeout", async () => {
    const [a, b] = memorySocketPair(1);
    const fired = once(a, 'timeout');
    a.setTimeout(20);
    assert.equal(a.timeout, 20);
    // The idle timer is unref'd, as a socket's; hold the loop open while waiting for it.
    const hold = setTimeout(() => undefined, 10_000);
    await fired;
    clearTimeout(hold);
    a.setTimeout(0);
    a.destroy();
    b.destroy();
  });
});
