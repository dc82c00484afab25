import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { WebSocket as RawWebSocket } from 'ws';
import {
  WSConnectionError,
  WSHandshakeError,
  WSHandshakeTimeoutError,
  WSServerHandshakeError,
  WebSocketError,
} from '../../src/websocket/errors.js';
import { WSMsgType } from '../../src/websocket/models.js';
import { WebSocketConnection } from '../../src/websocket/connection.js';
import {
  checkUpgradeRequest,
  connectClientSocket,
  createServerSocket,
  negotiatedWindowBits,
  rejectUpgrade,
  selectProtocol,
  wsLimitOptions,
} from '../../src/websocket/ws-adapter.js';
import type { ServerSocketOptions } from '../../src/websocket/ws-adapter.js';
import { frame, rawClient, silentPeer, wsServer } from './helpers.js';

const goodHeaders = {
  upgrade: 'websocket',
  connection: 'keep-alive, Upgrade',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

describe('checkUpgradeRequest', () => {
  it('accepts a valid RFC 6455 handshake', () => {
    assert.equal(checkUpgradeRequest('GET', goodHeaders), null);
  });

  it('names the status for each defect', () => {
    assert.equal(checkUpgradeRequest('POST', goodHeaders)?.status, 405);
    assert.equal(checkUpgradeRequest('GET', { ...goodHeaders, upgrade: 'h2c' })?.status, 426);
    assert.equal(checkUpgradeRequest('GET', { ...goodHeaders, connection: 'close' })?.status, 400);
    const version = checkUpgradeRequest('GET', { ...goodHeaders, 'sec-websocket-version': '8' });
    assert.equal(version?.status, 400);
    assert.equal(version?.headers['sec-websocket-version'], '13');
    assert.equal(checkUpgradeRequest('GET', { ...goodHeaders, 'sec-websocket-key': 'short' })?.status, 400);
  });
});

describe('selectProtocol', () => {
  it("takes the client's first offer that we support, else none", () => {
    assert.equal(selectProtocol('b, a', ['a', 'b']), 'b');
    assert.equal(selectProtocol('x,a', ['a']), 'a');
    assert.equal(selectProtocol('x', ['a']), null);
    assert.equal(selectProtocol(undefined, ['a']), null);
  });
});

describe('wsLimitOptions', () => {
  it('defaults to 4 MiB and no deflate; maps window bits and rejects bad values', () => {
    assert.deepEqual(wsLimitOptions(undefined, undefined), { maxPayload: 4 * 1024 * 1024, perMessageDeflate: false });
    const on = wsLimitOptions(true, 0);
    assert.equal(on.maxPayload, 0);
    assert.ok(on.perMessageDeflate);
    assert.equal((wsLimitOptions(10, 1).perMessageDeflate as { serverMaxWindowBits?: number }).serverMaxWindowBits, 10);
    assert.throws(() => wsLimitOptions(8, 1), RangeError);
    assert.throws(() => wsLimitOptions(true, -1), /maxMsgSize/);
  });

  it('reads window bits from a negotiated extension header', () => {
    assert.equal(negotiatedWindowBits(undefined), 0);
    assert.equal(negotiatedWindowBits('permessage-deflate'), 15);
    assert.equal(negotiatedWindowBits('permessage-deflate; server_max_window_bits=10'), 10);
  });
});

describe('createServerSocket', () => {
  it('unmasked client frame -> 1002', async (t) => {
    const srv = await wsServer(t);
    const { socket, reader } = await rawClient(t, srv.port);
    const server = await srv.nextConnection();
    socket.write(frame(1, 'hi', { mask: false }));
    assert.equal(await reader.closeCode(), 1002);
    const msg = await server.receive();
    assert.equal(msg.type, WSMsgType.ERROR);
    assert.equal((msg.data as WebSocketError).code, 'ERR_WS_PROTOCOL');
    assert.equal(server.closeCode, 1002);
  });

  it('unknown opcode -> 1002', async (t) => {
    const srv = await wsServer(t);
    const { socket, reader } = await rawClient(t, srv.port);
    socket.write(frame(3, 'x'));
    assert.equal(await reader.closeCode(), 1002);
  });

  it('RSV1 without negotiated permessage-deflate -> 1002', async (t) => {
    const srv = await wsServer(t);
    const { socket, reader } = await rawClient(t, srv.port);
    socket.write(frame(1, 'x', { rsv1: true }));
    assert.equal(await reader.closeCode(), 1002);
  });

  it('invalid UTF-8 in a text frame -> 1007', async (t) => {
    const srv = await wsServer(t);
    const { socket, reader } = await rawClient(t, srv.port);
    const server = await srv.nextConnection();
    socket.write(frame(1, Buffer.from([0x68, 0xc3, 0x28])));
    assert.equal(await reader.closeCode(), 1007);
    const msg = await server.receive();
    assert.equal((msg.data as WebSocketError).code, 'ERR_WS_INVALID_TEXT');
    assert.equal(server.closeCode, 1007);
  });

  it('a control frame over 125 bytes -> 1002', async (t) => {
    const srv = await wsServer(t);
    const { socket, reader } = await rawClient(t, srv.port);
    socket.write(frame(9, Buffer.alloc(126)));
    assert.equal(await reader.closeCode(), 1002);
  });

  it('an oversized message, also split in fragments -> 1009', async (t) => {
    const srv = await wsServer(t, { maxMsgSize: 100 });
    const a = await rawClient(t, srv.port);
    a.socket.write(frame(2, Buffer.alloc(101)));
    assert.equal(await a.reader.closeCode(), 1009);
    const b = await rawClient(t, srv.port);
    b.socket.write(frame(2, Buffer.alloc(60), { fin: false }));
    b.socket.write(frame(0, Buffer.alloc(60)));
    assert.equal(await b.reader.closeCode(), 1009);
  });

  it('bounds the inflated size: a small deflated message that inflates past maxMsgSize -> 1009', async (t) => {
    const srv = await wsServer(t, { maxMsgSize: 64 * 1024 });
    const raw = new RawWebSocket(srv.url, { perMessageDeflate: true });
    t.after(() => raw.terminate());
    await once(raw, 'open');
    const server = await srv.nextConnection();
    assert.equal(server.compress, 15);
    const wire = (raw as unknown as { _socket: Socket })._socket;
    const closed = once(raw, 'close');
    raw.send(Buffer.alloc(4 * 1024 * 1024));
    const [code] = (await closed) as [number];
    assert.equal(code, 1009);
    assert.ok(wire.bytesWritten > 0 && wire.bytesWritten < 64 * 1024, `the frame on the wire was small (${wire.bytesWritten})`);
    assert.equal(server.closeCode, 1009);
  });

  it('answers a bad upgrade with its status and rejects with WSHandshakeError', async (t) => {
    const srv = await wsServer(t);
    const socket = connect(srv.port, '127.0.0.1');
    t.after(() => socket.destroy());
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n',
    );
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    await once(socket, 'close');
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /sec-websocket-version: 13/i);
    assert.equal(srv.rejections.length, 1);
    assert.ok(srv.rejections[0] instanceof WSHandshakeError);
    assert.equal((srv.rejections[0] as WSHandshakeError).status, 400);
  });

  it('selects the subprotocol, adds extra 101 headers and sees client headers and origin', async (t) => {
    let request: IncomingMessage | undefined;
    const srv = await wsServer(
      t,
      { protocols: ['a', 'b'], headers: { 'set-cookie': ['s=1', 't=2'], 'x-extra': 'y' } },
      (_conn, req) => {
        request = req;
      },
    );
    const { connection, response } = await connectClientSocket(srv.url, {
      protocols: ['b', 'a'],
      headers: { 'x-token': 'abc' },
      origin: 'http://example.test',
    });
    t.after(() => connection.terminate());
    const server = await srv.nextConnection();
    assert.equal(connection.protocol, 'b');
    assert.equal(server.protocol, 'b');
    assert.equal(response.status, 101);
    assert.deepEqual(response.headers['set-cookie'], ['s=1', 't=2']);
    assert.equal(response.headers['x-extra'], 'y');
    assert.equal(request?.headers['x-token'], 'abc');
    assert.deepEqual(server.getExtraInfo('sockname'), ['127.0.0.1', srv.port]);
    assert.equal(server.getExtraInfo('peercert'), null);
    assert.equal(request?.headers.origin, 'http://example.test');
  });

  it('negotiates permessage-deflate when the client asks and round-trips compressed messages', async (t) => {
    const srv = await wsServer(t, { compress: true });
    const { connection } = await connectClientSocket(srv.url, { compress: 10 });
    t.after(() => connection.terminate());
    const server = await srv.nextConnection();
    assert.equal(connection.compress, 10);
    assert.equal(server.compress, 10);
    const big = 'abc'.repeat(10000);
    await connection.sendStr(big);
    assert.equal(await server.receiveStr(), big);
    await server.sendStr(big, { compress: false });
    assert.equal(await connection.receiveStr(), big);
    const plain = await connectClientSocket(srv.url);
    t.after(() => plain.connection.terminate());
    assert.equal(plain.connection.compress, 0);
  });

  it('sends messages under the deflate threshold uncompressed, bigger ones compressed; threshold 0 compresses all', async (t) => {
    const rsv1Of = async (compress: NonNullable<ServerSocketOptions['compress']>): Promise<boolean[]> => {
      const srv = await wsServer(t, { compress });
      const { reader, response } = await rawClient(t, srv.port, ['Sec-WebSocket-Extensions: permessage-deflate']);
      assert.match(response, /permessage-deflate/i);
      const server = await srv.nextConnection();
      await server.sendStr('small');
      await server.sendStr('x'.repeat(2000));
      await server.sendBytes(Buffer.alloc(100));
      const flags: boolean[] = [];
      for (let i = 0; i < 3; i++) flags.push((await reader.next())?.rsv1 ?? false);
      server.terminate();
      return flags;
    };
    assert.deepEqual(await rsv1Of(true), [false, true, false]);
    assert.deepEqual(await rsv1Of({ threshold: 50 }), [false, true, true]);
    assert.deepEqual(await rsv1Of({ threshold: 0 }), [true, true, true]);
  });
});

describe('connectClientSocket', () => {
  it('a non-101 answer rejects with WSServerHandshakeError carrying status and headers', async (t) => {
    const server = createServer((_req, res) => {
      res.writeHead(403, { 'x-reason': 'nope' }).end('forbidden');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const { port } = server.address() as AddressInfo;
    await assert.rejects(connectClientSocket(`ws://127.0.0.1:${port}/ws`), (err: unknown) => {
      assert.ok(err instanceof WSServerHandshakeError);
      assert.equal(err.code, 'ERR_WS_SERVER_HANDSHAKE');
      assert.equal(err.status, 403);
      assert.equal(err.headers['x-reason'], 'nope');
      assert.match(err.message, /403/);
      return true;
    });
  });

  it('rejectUpgrade answers on the raw socket, e.g. a 401 from an auth middleware', async (t) => {
    const server = createServer();
    server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      rejectUpgrade(socket, { status: 401, reason: 'login first', headers: { 'www-authenticate': 'Basic realm="ws"' } });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const { port } = server.address() as AddressInfo;
    await assert.rejects(connectClientSocket(`ws://127.0.0.1:${port}/ws`), (err: unknown) => {
      assert.ok(err instanceof WSServerHandshakeError);
      assert.equal(err.status, 401);
      assert.equal(err.headers['www-authenticate'], 'Basic realm="ws"');
      return true;
    });
  });

  it('a bad Sec-WebSocket-Accept rejects with status 101 and the reason', async (t) => {
    const peer = await silentPeer(t, {
      response: () =>
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bogus\r\n\r\n',
    });
    await assert.rejects(connectClientSocket(peer.url), (err: unknown) => {
      assert.ok(err instanceof WSServerHandshakeError);
      assert.equal(err.status, 101);
      assert.match(err.message, /Sec-WebSocket-Accept/);
      return true;
    });
  });

  it('a subprotocol the client did not offer rejects', async (t) => {
    const peer = await silentPeer(t, {
      response: (accept) =>
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: other\r\n\r\n`,
    });
    await assert.rejects(connectClientSocket(peer.url, { protocols: ['chat'] }), (err: unknown) => {
      assert.ok(err instanceof WSServerHandshakeError);
      assert.equal(err.message, 'Server sent an invalid subprotocol');
      assert.equal(err.headers['sec-websocket-protocol'], 'other');
      return true;
    });
    await assert.rejects(connectClientSocket(peer.url), /Server sent a subprotocol but none was requested/);
  });

  it('a server that picks no subprotocol is accepted with protocol null, as aiohttp', async (t) => {
    const srv = await wsServer(t, { protocols: [] });
    const { connection, response } = await connectClientSocket(srv.url, { protocols: ['chat', 'v2'] });
    t.after(() => connection.terminate());
    assert.equal(connection.protocol, null);
    assert.equal(response.headers['sec-websocket-protocol'], undefined);
    const both = await connectClientSocket(srv.url);
    t.after(() => both.connection.terminate());
    assert.equal(both.connection.protocol, null);
  });

  it('the chosen subprotocol stays visible in the response headers', async (t) => {
    const srv = await wsServer(t, { protocols: ['v2'] });
    const { connection, response } = await connectClientSocket(srv.url, { protocols: ['chat', 'v2'] });
    t.after(() => connection.terminate());
    assert.equal(connection.protocol, 'v2');
    assert.equal(response.headers['sec-websocket-protocol'], 'v2');
  });

  it('refuses malformed or duplicated subprotocols with a TypeError', async () => {
    await assert.rejects(connectClientSocket('ws://127.0.0.1:1/', { protocols: ['a b'] }), TypeError);
    await assert.rejects(connectClientSocket('ws://127.0.0.1:1/', { protocols: ['a', 'a'] }), TypeError);
  });

  it('a refused connection rejects with WSConnectionError copying the OS code', async (t) => {
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, 'close');
    t.after(() => undefined);
    await assert.rejects(connectClientSocket(`ws://127.0.0.1:${port}/`), (err: unknown) => {
      assert.ok(err instanceof WSConnectionError);
      assert.equal(err.osCode, 'ECONNREFUSED');
      assert.equal(err.syscall, 'connect');
      return true;
    });
  });

  it('handshakeTimeout rejects with WSHandshakeTimeoutError when the server never answers', async (t) => {
    const sockets: Socket[] = [];
    const server = createNetServer((s) => sockets.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const { port } = server.address() as AddressInfo;
    await assert.rejects(connectClientSocket(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 0.05 }), WSHandshakeTimeoutError);
  });

  it('an abort signal cancels the handshake with its reason', async (t) => {
    const sockets: Socket[] = [];
    const server = createNetServer((s) => sockets.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const { port } = server.address() as AddressInfo;
    const ac = new AbortController();
    const p = connectClientSocket(`ws://127.0.0.1:${port}/`, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
  });

  it('builds a WebSocketConnection subclass when given one', async (t) => {
    class Tagged extends WebSocketConnection {
      readonly tag = 'client';
    }
    const srv = await wsServer(t);
    const { connection } = await connectClientSocket(srv.url, {}, Tagged);
    t.after(() => connection.terminate());
    assert.ok(connection instanceof Tagged);
    assert.equal(connection.tag, 'client');
    await connection.sendStr('typed');
    assert.equal(await (await srv.nextConnection()).receiveStr(), 'typed');
  });

  it('wss:// works with the TLS options in requestOptions, and an untrusted certificate fails', async (t) => {
    const fixtures = new URL('../../../test/websocket/fixtures/', import.meta.url);
    const cert = readFileSync(new URL('localhost-cert.pem', fixtures));
    const key = readFileSync(new URL('localhost-key.pem', fixtures));
    const server = createHttpsServer({ cert, key });
    const sockets = new Set<Duplex>();
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      sockets.add(socket);
      void createServerSocket(req, socket, head).then(async (conn) => {
        for await (const msg of conn) if (msg.type === WSMsgType.TEXT) await conn.sendStr(`${msg.data}/tls`);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const { port } = server.address() as AddressInfo;
    const { connection } = await connectClientSocket(`wss://127.0.0.1:${port}/ws`, { requestOptions: { ca: cert } });
    t.after(() => connection.terminate());
    await connection.sendStr('secure');
    assert.equal(await connection.receiveStr(), 'secure/tls');
    assert.deepEqual(connection.getExtraInfo('peername'), ['127.0.0.1', port]);
    assert.equal((connection.getExtraInfo('peercert') as { subject: { CN: string } }).subject.CN, 'localhost');
    assert.equal(connection.getExtraInfo('nope', 'dflt'), 'dflt');
    await assert.rejects(connectClientSocket(`wss://127.0.0.1:${port}/ws`), (err: unknown) => {
      assert.ok(err instanceof WSConnectionError);
      assert.equal(err.osCode, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      return true;
    });
  });

  it('a malformed URL is a TypeError', async () => {
    await assert.rejects(connectClientSocket('ftp://127.0.0.1/'), TypeError);
  });

  it('a masked frame from the server -> the client closes with 1002', async (t) => {
    let resolveCode: (code: number) => void = () => {};
    const peerSaw = new Promise<number>((resolve) => {
      resolveCode = resolve;
    });
    const peer = await silentPeer(t, {
      onOpen: (socket) => {
        socket.write(frame(1, 'masked', { mask: true }));
        let buf = Buffer.alloc(0);
        socket.on('data', (c: Buffer) => {
          buf = Buffer.concat([buf, c]);
          if (buf.length >= 8 && ((buf[0] as number) & 0x0f) === 8) {
            // Client close frames are masked: 2 header bytes + 4 key bytes, then the code.
            resolveCode((((buf[6] as number) ^ (buf[2] as number)) << 8) | ((buf[7] as number) ^ (buf[3] as number)));
          }
        });
      },
    });
    const { connection } = await connectClientSocket(peer.url);
    t.after(() => connection.terminate());
    const msg = await connection.receive();
    assert.equal(msg.type, WSMsgType.ERROR);
    assert.equal(connection.closeCode, 1002);
    assert.equal(await peerSaw, 1002);
  });
});
