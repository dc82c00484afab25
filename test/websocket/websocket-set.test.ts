import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketSet } from '../../src/websocket/websocket-set.js';
import { WSMsgType } from '../../src/websocket/models.js';
import { connectClientSocket } from '../../src/websocket/ws-adapter.js';
import type { WebSocketConnection } from '../../src/websocket/connection.js';
import { rawClient, wsServer } from './helpers.js';

describe('WebSocketSet', () => {
  it('closeAll closes every tracked socket with 1001 and the clients see it', async (t) => {
    const sockets = new WebSocketSet<WebSocketConnection>();
    const srv = await wsServer(t, {}, (conn) => {
      sockets.add(conn);
    });
    const clients = await Promise.all([1, 2, 3].map(() => connectClientSocket(srv.url)));
    for (const { connection } of clients) t.after(() => connection.terminate());
    for (let i = 0; i < 3; i++) await srv.nextConnection();
    assert.equal(sockets.size, 3);
    const seen = clients.map(({ connection }) => connection.receive());
    await sockets.closeAll();
    for (const msg of await Promise.all(seen)) {
      assert.equal(msg.type, WSMsgType.CLOSE);
      assert.equal(msg.data, 1001);
      assert.equal(msg.extra, 'Server shutdown');
    }
    assert.equal(sockets.size, 0);
  });

  it('forgets sockets that closed by themselves', async (t) => {
    const srv = await wsServer(t);
    const { connection } = await connectClientSocket(srv.url);
    const server = await srv.nextConnection();
    const set = new WebSocketSet().add(server);
    assert.equal(set.has(server), true);
    await connection.close();
    assert.equal((await server.receive()).type, WSMsgType.CLOSE);
    assert.equal(set.size, 0);
    assert.deepEqual([...set], []);
  });

  it('closeAll with a timeout terminates a peer that never answers the close', async (t) => {
    const srv = await wsServer(t, { timeout: 30 });
    const { reader } = await rawClient(t, srv.port);
    const server = await srv.nextConnection();
    const set = new WebSocketSet().add(server);
    const started = Date.now();
    await set.closeAll({ timeout: 0.1, code: 1012, message: 'restart' });
    assert.ok(Date.now() - started < 5000);
    assert.equal(await reader.closeCode(), 1012);
    assert.equal(server.closed, true);
    assert.equal(server.closeCode, 1006);
  });
});
