import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket as RawWebSocket } from 'ws';
import type { WebSocketConnection } from '../../src/websocket/connection.js';
import {
  WSConnectionClosedError,
  WSHeartbeatTimeoutError,
  WSMessageTypeError,
  WSReceiveTimeoutError,
  WebSocketError,
  isWSTimeoutError,
} from '../../src/websocket/errors.js';
import { WSMsgType } from '../../src/websocket/models.js';
import { connectClientSocket } from '../../src/websocket/ws-adapter.js';
import { silentPeer, wsServer } from './helpers.js';

async function echo(conn: WebSocketConnection): Promise<void> {
  for await (const msg of conn) {
    if (msg.type === WSMsgType.TEXT) {
      if (msg.data === 'close cmd') {
        await conn.close();
        break;
      }
      await conn.sendStr(`${msg.data}/answer`);
    } else if (msg.type === WSMsgType.BINARY) {
      await conn.sendBytes(msg.data);
    }
  }
}

async function pair(t: Parameters<typeof wsServer>[0], serverOpts = {}, clientOpts = {}) {
  const srv = await wsServer(t, serverOpts);
  const { connection: client } = await connectClientSocket(srv.url, clientOpts);
  t.after(() => client.terminate());
  const server = await srv.nextConnection();
  t.after(() => server.terminate());
  return { client, server, srv };
}

describe('WebSocketConnection', () => {
  it('echoes text, binary and JSON, and "close cmd" makes the server close with 1000', async (t) => {
    const srv = await wsServer(t, {}, echo);
    const { connection: ws } = await connectClientSocket(srv.url);
    await ws.sendStr('hello');
    assert.equal(await ws.receiveStr(), 'hello/answer');
    await ws.sendBytes(Buffer.from([0, 1, 2, 255]));
    assert.deepEqual(await ws.receiveBytes(), Buffer.from([0, 1, 2, 255]));
    await ws.sendBytes(new Uint8Array([7, 8]));
    assert.deepEqual(await ws.receiveBytes(), Buffer.from([7, 8]));
    await ws.sendJson({ a: [1, 'x'] });
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.TEXT);
    assert.equal(msg.type === WSMsgType.TEXT && msg.data, '{"a":[1,"x"]}/answer');
    await ws.sendStr('close cmd');
    const close = await ws.receive();
    assert.equal(close.type, WSMsgType.CLOSE);
    assert.equal(close.data, 1000);
    assert.equal(ws.closed, true);
    assert.equal(ws.closeCode, 1000);
    assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  });

  it('await using closes the connection with 1000 at the end of the block', async (t) => {
    const srv = await wsServer(t);
    {
      await using ws = (await connectClientSocket(srv.url)).connection;
      await ws.sendStr('inside');
    }
    const server = await srv.nextConnection();
    assert.equal(await server.receiveStr(), 'inside');
    const msg = await server.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(msg.data, 1000);
  });

  it('receiveJson parses with a custom loads and sendJson uses dumps', async (t) => {
    const { client, server } = await pair(t);
    await client.sendJson({ n: 1 }, { dumps: (v) => JSON.stringify({ wrapped: v }) });
    assert.deepEqual(await server.receiveJson(), { wrapped: { n: 1 } });
    await server.sendStr('[1,2]');
    assert.deepEqual(await client.receiveJson({ loads: (s) => JSON.parse(s).reverse() }), [2, 1]);
    await server.sendStr('{"k":"v"}');
    const msg = await client.receive();
    assert.ok(msg.type === WSMsgType.TEXT);
    assert.deepEqual(msg.json(), { k: 'v' });
  });

  it('receiveStr on a binary message and receiveBytes on text reject with WSMessageTypeError', async (t) => {
    const { client, server } = await pair(t);
    await server.sendBytes(Buffer.from('x'));
    await assert.rejects(client.receiveStr(), (err: unknown) => {
      assert.ok(err instanceof WSMessageTypeError);
      assert.ok(err instanceof TypeError);
      assert.equal(err.code, 'ERR_WS_MESSAGE_TYPE');
      assert.match(err.message, /BINARY/);
      return true;
    });
    await server.sendStr('y');
    await assert.rejects(client.receiveBytes(), WSMessageTypeError);
    await server.sendStr('not json');
    await assert.rejects(client.receiveJson(), SyntaxError);
  });

  it('sendStr and sendBytes refuse the wrong type with a TypeError naming data', async (t) => {
    const { client } = await pair(t);
    await assert.rejects(client.sendStr(42 as unknown as string), /data argument/);
    await assert.rejects(client.sendBytes('x' as unknown as Buffer), /data argument/);
  });

  it('sending back or relaying a received text arrives as the same TEXT, from either side, compressed or not', async (t) => {
    for (const compress of [false, true]) {
      const srv = await wsServer(t, { compress });
      const { connection: a } = await connectClientSocket(srv.url, { compress });
      t.after(() => a.terminate());
      const serverA = await srv.nextConnection();
      const { connection: b } = await connectClientSocket(srv.url, { compress });
      t.after(() => b.terminate());
      const serverB = await srv.nextConnection();
      // short and multi-byte, and long enough (over the 1 KiB threshold) to be deflated
      for (const text of ['héllo ✓ 𝄞', `${'ü𝄞x'.repeat(300)}end`]) {
        await a.sendStr(text);
        const received = await serverA.receiveStr();
        assert.equal(received, text);
        // echo to the sender, relay to another connection, and a string built apart with equal content
        await serverA.sendStr(received);
        await serverB.sendStr(received);
        await serverB.sendStr([...text].join(''));
        for (const [conn, n] of [[a, 1], [b, 2]] as const) {
          for (let i = 0; i < n; i++) {
            const msg = await conn.receive();
            assert.equal(msg.type, WSMsgType.TEXT, `compress ${String(compress)}`);
            assert.equal(msg.data, text);
          }
        }
        // The client masks what it sends: its received bytes must reach the server intact, twice.
        await serverA.sendStr(received);
        const echoed = await a.receiveStr();
        await a.sendStr(echoed);
        await a.sendStr(echoed);
        assert.equal(await serverA.receiveStr(), text);
        assert.equal(await serverA.receiveStr(), text);
        // an equal-length string with other content is sent as itself
        const other = `!${text.slice(1)}`;
        await serverA.sendStr(other);
        assert.equal(await a.receiveStr(), other);
      }
    }
  });

  it('for await yields data messages and ends when the peer closes', async (t) => {
    const { client, server } = await pair(t);
    const got: string[] = [];
    const loop = (async () => {
      for await (const msg of server) if (msg.type === WSMsgType.TEXT) got.push(msg.data);
    })();
    await client.sendStr('a');
    await client.sendStr('b');
    assert.equal(await client.close({ code: 4001, message: 'bye' }), true);
    await loop;
    assert.deepEqual(got, ['a', 'b']);
    assert.equal(server.closed, true);
    assert.equal(server.closeCode, 4001);
    assert.equal(client.closeCode, 4001);
    assert.equal(await client.close(), false);
  });

  it('delivers the peer close reason in the CLOSE message', async (t) => {
    const { client, server } = await pair(t);
    const closing = server.close({ code: 1001, message: 'going' });
    const msg = await client.receive();
    assert.deepEqual({ type: msg.type, data: msg.data, extra: msg.extra }, { type: WSMsgType.CLOSE, data: 1001, extra: 'going' });
    assert.equal(await closing, true);
    assert.equal(server.closeCode, 1001);
  });

  it('close() during a pending receive() makes it return CLOSING', async (t) => {
    const { client } = await pair(t);
    const pending = client.receive();
    const closed = client.close();
    assert.equal((await pending).type, WSMsgType.CLOSING);
    assert.equal(await closed, true);
    assert.equal(client.closeCode, 1000);
    assert.equal((await client.receive()).type, WSMsgType.CLOSED);
  });

  it('refuses a second concurrent receive()', async (t) => {
    const { client, server } = await pair(t);
    const first = client.receive();
    await assert.rejects(client.receive(), (err: unknown) => err instanceof WebSocketError && err.code === 'ERR_WS_CONCURRENT_RECEIVE');
    await server.sendStr('x');
    assert.equal((await first).data, 'x');
  });

  it('sending after close rejects with WSConnectionClosedError', async (t) => {
    const { client } = await pair(t);
    await client.close();
    await assert.rejects(client.sendStr('x'), WSConnectionClosedError);
    await assert.rejects(client.ping(), WSConnectionClosedError);
  });

  it('throws after repeated receive() on a closed socket, as aiohttp', async (t) => {
    const { client } = await pair(t);
    await client.close();
    for (let i = 0; i < 4; i++) assert.equal((await client.receive()).type, WSMsgType.CLOSED);
    await assert.rejects(client.receive(), WSConnectionClosedError);
  });

  it('validates close code and reason', async (t) => {
    const { client } = await pair(t);
    await assert.rejects(client.close({ code: 1006 }), RangeError);
    await assert.rejects(client.close({ message: 'x'.repeat(124) }), RangeError);
    assert.equal(client.closed, false);
  });

  it('with autoclose off the CLOSE is returned and close() completes it', async (t) => {
    const { client, server } = await pair(t, { autoclose: false });
    await client.close({ code: 4000 });
    const msg = await server.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(server.closed, false);
    assert.equal((await server.receive()).type, WSMsgType.CLOSING);
    assert.equal(await server.close(), true);
    assert.equal(server.closeCode, 4000);
  });

  it('with autoping off PING and PONG are surfaced; with it on they are answered and hidden', async (t) => {
    const { client, server } = await pair(t, { autoping: false }, {});
    await client.ping('p1');
    const ping = await server.receive();
    assert.equal(ping.type, WSMsgType.PING);
    assert.deepEqual(ping.data, Buffer.from('p1'));
    await server.pong(ping.data as Buffer);
    await server.ping('p2');
    const pongs: unknown[] = [];
    // Our client has autoping on: the PONG answer is swallowed and the PING answered for us.
    await server.sendStr('after');
    assert.equal(await client.receiveStr(), 'after');
    const pong = await server.receive();
    assert.equal(pong.type, WSMsgType.PONG);
    assert.deepEqual(pong.data, Buffer.from('p2'));
    pongs.push(pong);
    // The iterator yields PING too when autoping is off.
    await client.ping('p3');
    const it = server[Symbol.asyncIterator]();
    const next = await it.next();
    assert.equal(!next.done && next.value.type, WSMsgType.PING);
  });

  it('receive(timeout) rejects with WSReceiveTimeoutError and the socket stays usable', async (t) => {
    const { client, server } = await pair(t, {}, { receiveTimeout: 0.05 });
    await assert.rejects(client.receive(), (err: unknown) => {
      assert.ok(err instanceof WSReceiveTimeoutError);
      assert.ok(isWSTimeoutError(err));
      assert.equal(err.code, 'ERR_WS_RECEIVE_TIMEOUT');
      return true;
    });
    await assert.rejects(client.receiveStr({ timeout: 0.02 }), WSReceiveTimeoutError);
    assert.equal(client.closed, false);
    await server.sendStr('late');
    assert.equal(await client.receiveStr(), 'late');
  });

  it('heartbeat closes a silent peer with 1006 and a WSHeartbeatTimeoutError', async (t) => {
    const peer = await silentPeer(t);
    // Measured from before the handshake: the heartbeat timers start inside it.
    const started = performance.now();
    const { connection: ws } = await connectClientSocket(peer.url, { heartbeat: 0.1 });
    t.after(() => ws.terminate());
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.ERROR);
    assert.ok(msg.data instanceof WSHeartbeatTimeoutError);
    assert.ok(performance.now() - started >= 145, 'waits heartbeat + heartbeat/2');
    assert.equal(ws.closed, true);
    assert.equal(ws.closeCode, 1006);
    assert.equal(ws.exception(), msg.data);
    assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  });

  it('heartbeat PINGs an idle peer and stays open while PONGs come back', async (t) => {
    const { client, server } = await pair(t, { autoping: false }, { heartbeat: 0.2 });
    const started = Date.now();
    for (let i = 0; i < 2; i++) {
      const ping = await server.receive();
      assert.equal(ping.type, WSMsgType.PING);
      await server.pong();
    }
    assert.ok(Date.now() - started >= 390, 'one PING per idle heartbeat period');
    assert.equal(client.closed, false);
    await client.sendStr('still here');
    assert.equal(await server.receiveStr(), 'still here');
  });

  it('a message bigger than maxMsgSize closes with 1009', async (t) => {
    const { client, server } = await pair(t, { maxMsgSize: 1024 });
    await client.sendStr('x'.repeat(1025));
    const msg = await server.receive();
    assert.equal(msg.type, WSMsgType.ERROR);
    assert.ok(msg.data instanceof WebSocketError);
    assert.equal((msg.data as WebSocketError).code, 'ERR_WS_MESSAGE_TOO_BIG');
    assert.equal(server.closeCode, 1009);
    const c = await client.receive();
    assert.equal(c.type, WSMsgType.CLOSE);
    assert.equal(c.data, 1009);
  });

  it('a message of exactly maxMsgSize passes', async (t) => {
    const { client, server } = await pair(t, { maxMsgSize: 1024 });
    await client.sendBytes(Buffer.alloc(1024, 1));
    assert.equal((await server.receiveBytes()).length, 1024);
  });

  it('close() gives up after `timeout` when the peer never answers, with 1006', async (t) => {
    const peer = await silentPeer(t);
    const { connection: ws } = await connectClientSocket(peer.url, { timeout: 0.1 });
    t.after(() => ws.terminate());
    assert.equal(await ws.close(), true);
    assert.equal(ws.closeCode, 1006);
    assert.ok(isWSTimeoutError(ws.exception()));
    assert.equal(ws.exception()?.name, 'WSCloseTimeoutError');
  });

  it('a lost connection ends receive() with CLOSED and closeCode 1006', async (t) => {
    const peer = await silentPeer(t);
    const { connection: ws } = await connectClientSocket(peer.url);
    const pending = ws.receive();
    for (const s of peer.sockets) s.destroy();
    assert.equal((await pending).type, WSMsgType.CLOSED);
    assert.equal(ws.closeCode, 1006);
  });

  it('pauses a fast sender when unread messages pass readHighWaterMark and resumes when drained', async (t) => {
    const srv = await wsServer(t, { readHighWaterMark: 64 * 1024 });
    const raw = new RawWebSocket(srv.url, { perMessageDeflate: false });
    t.after(() => raw.terminate());
    await once(raw, 'open');
    const server = await srv.nextConnection();
    const chunk = Buffer.alloc(16 * 1024, 7);
    const total = 2000; // 32 MiB: far more than socket buffers hold
    for (let i = 0; i < total; i++) {
      chunk.writeUInt32BE(i, 0);
      raw.send(chunk);
    }
    // Wait (bounded) for the queue to stop reading while the sender still has a backlog.
    for (let i = 0; i < 200 && !(server._readPaused && raw.bufferedAmount > 0); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(server._readPaused, true, 'queue paused the socket');
    assert.ok(raw.bufferedAmount > 1024 * 1024, `sender is held back (${raw.bufferedAmount} bytes unsent)`);
    // Memory bounded: buffered = high water mark + at most what ws parsed from one socket read.
    assert.ok(server._readBufferedBytes < 64 * 1024 + 512 * 1024, `buffered ${server._readBufferedBytes}`);
    for (let i = 0; i < total; i++) {
      const data = await server.receiveBytes();
      assert.equal(data.readUInt32BE(0), i);
      assert.ok(server._readBufferedBytes < 64 * 1024 + 512 * 1024);
    }
    assert.equal(server._readPaused, false);
  });

  it('sendBytes waits for the flush while the write buffer is full, so the buffer stays bounded', async (t) => {
    const { client, server } = await pair(t, { readHighWaterMark: 64 * 1024 });
    const chunk = Buffer.alloc(16 * 1024, 1);
    const total = 1500; // 24 MiB
    const reader = (async () => {
      for (let i = 0; i < total; i++) await server.receiveBytes();
    })();
    let maxBuffered = 0;
    for (let i = 0; i < total; i++) {
      await client.sendBytes(chunk);
      maxBuffered = Math.max(maxBuffered, client.bufferedAmount);
    }
    await reader;
    assert.ok(maxBuffered > 0);
    assert.ok(maxBuffered <= 64 * 1024 + chunk.length + 14, `write buffer peaked at ${maxBuffered}`);
  });
});
