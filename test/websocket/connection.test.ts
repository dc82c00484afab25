/** WebSocketConnection against a fake transport: state machine and timers without sockets. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { WebSocketConnection } from '../../src/websocket/connection.js';
import type { WSTransport } from '../../src/websocket/connection.js';
import { WSConnectionClosedError, WSHeartbeatTimeoutError, WSReceiveTimeoutError, protocolError } from '../../src/websocket/errors.js';
import { WSMsgType } from '../../src/websocket/models.js';

class FakeTransport extends EventEmitter implements WSTransport {
  readyState = 1;
  protocol = '';
  bufferedAmount = 0;
  socket = undefined;
  readonly sent: (string | Buffer)[] = [];
  readonly log: string[] = [];
  conn: WebSocketConnection | undefined;

  send(data: string | Buffer, _binary: boolean, _compress: boolean, cb?: (err?: Error | null) => void): void {
    this.sent.push(data);
    if (cb) setImmediate(cb);
  }
  ping(): void {
    this.log.push('ping');
    this.emit('ping');
  }
  pong(_data: string | Buffer, cb?: (err?: Error | null) => void): void {
    this.log.push('pong');
    cb?.();
  }
  close(code: number): void {
    this.log.push(`close ${code}`);
    this.readyState = 2;
    this.emit('close-frame', code);
  }
  terminate(): void {
    this.log.push('terminate');
    this.readyState = 3;
    setImmediate(() => this.conn?._onClose(1006, ''));
    this.emit('terminate');
  }
  pause(): void {
    this.log.push('pause');
  }
  resume(): void {
    this.log.push('resume');
  }
}

// Heartbeat timers are unref'd (a real socket keeps the process alive); a fake one does not.
function keepAlive(ctx: { after: (fn: () => void) => void }): void {
  const keep = setInterval(() => {}, 1000);
  ctx.after(() => clearInterval(keep));
}

function make(options: ConstructorParameters<typeof WebSocketConnection>[1] = {}): { t: FakeTransport; ws: WebSocketConnection } {
  const t = new FakeTransport();
  const ws = new WebSocketConnection(t, options);
  t.conn = ws;
  return { t, ws };
}

describe('WebSocketConnection (unit)', () => {
  it('heartbeat does not kill a peer whose data waits behind back-pressure', async (ctx) => {
    keepAlive(ctx);
    const { t, ws } = make({ heartbeat: 0.04, readHighWaterMark: 100 });
    ctx.after(() => ws.terminate());
    for (let i = 0; i < 5; i++) ws._onMessage(Buffer.alloc(50), true);
    assert.deepEqual(t.log, ['pause']);
    await once(t, 'ping');
    await once(t, 'ping'); // the missed PONG was excused and a new period started
    assert.equal(ws.closed, false);
    assert.ok(!t.log.includes('terminate'));
    // Draining lifts the pause; a missed PONG now ends the connection.
    for (let i = 0; i < 5; i++) await ws.receive();
    assert.ok(t.log.includes('resume'));
    await once(t, 'terminate');
    assert.equal(ws.closeCode, 1006);
    assert.ok(ws.exception() instanceof WSHeartbeatTimeoutError);
  });

  it('heartbeat: any incoming frame counts as a PONG', async (ctx) => {
    keepAlive(ctx);
    const { t, ws } = make({ heartbeat: 0.04 });
    ctx.after(() => ws.terminate());
    await once(t, 'ping');
    ws._onMessage(Buffer.from('alive'), false);
    await once(t, 'ping');
    ws._onPong(Buffer.alloc(0));
    await once(t, 'ping');
    assert.equal(ws.closed, false);
    assert.equal((await ws.receive()).data, 'alive');
  });

  it('for await yields an ERROR and then ends', async () => {
    const { ws } = make();
    ws._onMessage(Buffer.from('a'), false);
    ws._onError(protocolError('Invalid WebSocket frame: invalid UTF-8 sequence', 1007));
    ws._onClose(1006, '');
    const kinds: WSMsgType[] = [];
    for await (const msg of ws) {
      // @ts-expect-error the loop never sees CLOSE: the type says so too
      if (msg.type === WSMsgType.CLOSE) assert.fail('CLOSE in loop');
      kinds.push(msg.type);
    }
    assert.deepEqual(kinds, [WSMsgType.TEXT, WSMsgType.ERROR]);
    assert.equal(ws.closeCode, 1007);
    assert.equal(ws.closed, true);
  });

  it('a peer close frame becomes CLOSE with code and reason, after the data before it', async () => {
    const { t, ws } = make();
    ws._onMessage(Buffer.from('last'), false);
    ws._onClose(4002, 'why');
    assert.equal(await ws.receiveStr(), 'last');
    const msg = await ws.receive();
    assert.deepEqual([msg.type, msg.data, msg.extra], [WSMsgType.CLOSE, 4002, 'why']);
    assert.equal(ws.closed, true);
    assert.equal(ws.closeCode, 4002);
    assert.deepEqual(t.log, [], 'the transport already answered; nothing more to send');
  });

  it('close() sends the close frame and takes the code of the answer', async () => {
    const { t, ws } = make();
    t.once('close-frame', () => setImmediate(() => ws._onClose(1001, '')));
    assert.equal(await ws.close({ code: 4000, message: 'x' }), true);
    assert.deepEqual(t.log, ['close 4000']);
    assert.equal(ws.closeCode, 1001);
  });

  it('close() drops unread messages, which resumes a paused socket', async () => {
    const { t, ws } = make({ readHighWaterMark: 10 });
    ws._onMessage(Buffer.alloc(100), true);
    t.once('close-frame', () => setImmediate(() => ws._onClose(1000, '')));
    await ws.close();
    assert.deepEqual(t.log, ['pause', 'resume', 'close 1000']);
    assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  });

  it('sends wait for the flush only while the write buffer is above writeHighWaterMark', async () => {
    const { t, ws } = make({ writeHighWaterMark: 10 });
    let flushed = false;
    await ws.sendStr('a');
    t.bufferedAmount = 50;
    const pending = ws.sendStr('b').then(() => (flushed = true));
    assert.equal(flushed, false);
    await pending;
    assert.deepEqual(t.sent, ['a', 'b']);
  });

  it('hands messages that arrive during a pending receive() over in order', async () => {
    const { ws } = make();
    const first = ws.receive();
    ws._onMessage(Buffer.from('a'), false);
    ws._onMessage(Buffer.from('b'), false);
    ws._onMessage(Buffer.from([1, 2]), true);
    assert.equal((await first).data, 'a');
    assert.equal(await ws.receiveStr(), 'b');
    assert.deepEqual(await ws.receiveBytes(), Buffer.from([1, 2]));
  });

  it('for await gets messages pushed while it waits, and a CLOSE then ends it after autoclose', async () => {
    const { t, ws } = make();
    t.once('close-frame', () => setImmediate(() => ws._onClose(1000, '')));
    const seen: string[] = [];
    const loop = (async () => {
      for await (const msg of ws) if (msg.type === WSMsgType.TEXT) seen.push(msg.data);
    })();
    ws._onMessage(Buffer.from('x'), false);
    await new Promise((r) => setImmediate(r));
    ws._onMessage(Buffer.from('y'), false);
    ws._onClose(4001, 'bye');
    await loop;
    assert.deepEqual(seen, ['x', 'y']);
    assert.equal(ws.closed, true);
    assert.equal(ws.closeCode, 4001);
  });

  it('break leaves the socket open; a new loop and receive() go on with the next message', async () => {
    const { ws } = make();
    for (const m of ['1', '2', '3']) ws._onMessage(Buffer.from(m), false);
    for await (const msg of ws) {
      assert.equal(msg.data, '1');
      break;
    }
    assert.equal(ws.closed, false);
    for await (const msg of ws) {
      assert.equal(msg.data, '2');
      break;
    }
    assert.equal(await ws.receiveStr(), '3');
  });

  it('a step of for await counts as a pending receive: a concurrent receive() rejects', async () => {
    const { ws } = make();
    const it = ws[Symbol.asyncIterator]();
    const step = it.next();
    await assert.rejects(ws.receive(), { code: 'ERR_WS_CONCURRENT_RECEIVE' });
    ws._onMessage(Buffer.from('z'), false);
    const r = await step;
    assert.equal(r.done, false);
    assert.equal(r.value?.data, 'z');
  });

  it('with receiveTimeout, for await rejects with WSReceiveTimeoutError and then is done', async () => {
    const { ws } = make({ receiveTimeout: 0.02 });
    const it = ws[Symbol.asyncIterator]();
    await assert.rejects(it.next(), WSReceiveTimeoutError);
    assert.equal(ws.closed, false);
    ws._onMessage(Buffer.from('late'), false);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.equal(await ws.receiveStr(), 'late');
  });

  it('a receive() waiting when the socket goes away without a close frame gets CLOSED (1006)', async () => {
    const { ws } = make();
    const pending = ws.receive();
    ws._onClose(1006, '');
    assert.equal((await pending).type, WSMsgType.CLOSED);
    assert.equal(ws.closeCode, 1006);
  });

  it('sends report misuse and a closed socket as rejections, never synchronous throws', async () => {
    const { t, ws } = make();
    const bad = ws.sendStr(42 as unknown as string);
    await assert.rejects(bad, TypeError);
    await assert.rejects(ws.sendBytes('x' as unknown as Uint8Array), TypeError);
    t.once('close-frame', () => setImmediate(() => ws._onClose(1000, '')));
    await ws.close();
    const late = ws.sendStr('x');
    await assert.rejects(late, WSConnectionClosedError);
    assert.deepEqual(t.sent, []);
  });

  it('rejects bad option values with RangeError naming them', () => {
    assert.throws(() => make({ heartbeat: -1 }), /heartbeat/);
    assert.throws(() => make({ receiveTimeout: Number.NaN }), /receiveTimeout/);
  });
});
