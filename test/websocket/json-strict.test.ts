/** receiveJson() and msg.json() read JSON as strict UTF-8 (RFC 8259 §8.1), on both sides of a WebSocket. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketError } from '../../src/websocket/errors.js';
import { WSMsgType } from '../../src/websocket/models.js';
import { frame, rawClient, wsServer } from './helpers.js';

const BAD = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]); // {"a":"\xff"}

describe('WebSocket JSON is strict UTF-8', () => {
  it('receiveJson rejects a text message that is not UTF-8 with ERR_WS_INVALID_TEXT and closes with 1007', async (t) => {
    const srv = await wsServer(t);
    const { socket, reader } = await rawClient(t, srv.port);
    const server = await srv.nextConnection();
    socket.write(frame(0x1, BAD));
    await assert.rejects(server.receiveJson(), (err: unknown) => {
      assert.ok(err instanceof WebSocketError, String(err));
      assert.equal(err.code, 'ERR_WS_INVALID_TEXT');
      assert.equal(err.closeCode, 1007);
      return true;
    });
    const close = await reader.next();
    assert.equal(close?.opcode, 0x8);
    assert.equal(close?.payload.readUInt16BE(0), 1007);
  });

  it('msg.json() of a binary message that is not UTF-8 throws ERR_WS_INVALID_TEXT instead of replacing bytes', async (t) => {
    const srv = await wsServer(t);
    const { socket } = await rawClient(t, srv.port);
    const server = await srv.nextConnection();
    socket.write(frame(0x2, BAD));
    const msg = await server.receive();
    assert.equal(msg.type, WSMsgType.BINARY);
    assert.throws(() => msg.type === WSMsgType.BINARY && msg.json(), (err: unknown) => {
      assert.ok(err instanceof WebSocketError, String(err));
      assert.equal(err.code, 'ERR_WS_INVALID_TEXT');
      return true;
    });
    socket.write(frame(0x2, '{"a":"\u00e9"}'));
    const ok = await server.receive();
    assert.deepEqual(ok.type === WSMsgType.BINARY && ok.json(), { a: '\u00e9' });
  });
});
