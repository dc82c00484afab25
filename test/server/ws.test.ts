import { describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { Application, HTTPForbidden, Response, WebSocketResponse, serverWebSockets } from '../../src/server/index.js';
import type { Middleware, Request, WebSocketResponseOptions } from '../../src/server/index.js';
import { WSMsgType } from '../../src/websocket/models.js';
import { WSHeartbeatTimeoutError, WSServerHandshakeError } from '../../src/websocket/errors.js';
import { connectClientSocket } from '../../src/websocket/ws-adapter.js';
import type { ClientSocketOptions } from '../../src/websocket/ws-adapter.js';
import type { WebSocketConnection } from '../../src/websocket/connection.js';
import { createDemoApp } from '../../src/demo/app.js';
import { createChatApp, websockets } from '../../examples/websocket/chat-server.js';
import { createEchoApp } from '../../examples/websocket/echo-server.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';
import { frame, rawClient } from '../websocket/helpers.js';
import { needs, peerPath } from '../helpers/peers.js';

interface Seen {
  sockets: WebSocketResponse[];
  closed: Promise<WebSocketResponse>[];
}

/** An app with an echo WebSocket at /ws (`close cmd` closes with 1000, `close 4001` with 4001). */
function echoApp(options: WebSocketResponseOptions = {}, middlewares: Middleware[] = []): { app: Application; seen: Seen } {
  const seen: Seen = { sockets: [], closed: [] };
  const app = new Application({ middlewares });
  app.router.addGet('/ws', (request: Request) => {
    const ws = new WebSocketResponse(options);
    seen.sockets.push(ws);
    const done = (async () => {
      await ws.prepare(request);
      for await (const msg of ws) {
        if (msg.type === WSMsgType.TEXT) {
          if (msg.data === 'close cmd') await ws.close();
          else if (msg.data.startsWith('close ')) await ws.close({ code: Number(msg.data.slice(6)), message: 'bye' });
          else if (msg.data === 'json') await ws.sendJson({ cookies: request.cookies, auth: request.headers.get('x-token') ?? null });
          else await ws.sendStr(`${msg.data}/answer`);
        } else if (msg.type === WSMsgType.BINARY) {
          await ws.sendBytes(msg.data);
        } else if (msg.type === WSMsgType.PONG) {
          await ws.sendStr('got pong');
        }
      }
      return ws;
    })();
    seen.closed.push(done);
    return done;
  });
  return { app, seen };
}

async function client(t: TestContext, url: string, options: ClientSocketOptions = {}): Promise<WebSocketConnection> {
  const { connection } = await connectClientSocket(url, options);
  t.after(() => connection.terminate());
  return connection;
}

describe('WebSocketResponse', () => {
  it('echoes text and binary messages and closes when the client asks', async (t) => {
    const { app, seen } = echoApp();
    const { port } = await serve(app, t);
    const ws = await client(t, `ws://127.0.0.1:${port}/ws`);
    await ws.sendStr('hello');
    assert.equal(await ws.receiveStr(), 'hello/answer');
    await ws.sendBytes(Buffer.from([0, 1, 255]));
    assert.deepEqual(await ws.receiveBytes(), Buffer.from([0, 1, 255]));
    await ws.close({ code: 4000 });
    const server = await seen.closed[0]!;
    assert.equal(server.closed, true);
    assert.equal(server.closeCode, 4000);
    assert.equal(server.status, 101);
    assert.equal(server.prepared, true);
  });

  it('closes a WebSocket left open when its handler returns, as aiohttp does', async (t) => {
    const app = new Application();
    app.router.addGet('/ws', async (request: Request) => {
      const ws = new WebSocketResponse();
      await ws.prepare(request);
      await ws.sendStr('hi');
      return ws;
    });
    const { port } = await serve(app, t);
    const ws = await client(t, `ws://127.0.0.1:${port}/ws`);
    assert.equal(await ws.receiveStr(), 'hi');
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(ws.closeCode, 1000);
  });

  it('closes from the server side with the given code and reason', async (t) => {
    const { app, seen } = echoApp();
    const { port } = await serve(app, t);
    const ws = await client(t, `ws://127.0.0.1:${port}/ws`);
    await ws.sendStr('close 4001');
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(msg.data, 4001);
    assert.equal(msg.extra, 'bye');
    const server = await seen.closed[0]!;
    assert.equal(server.closeCode, 4001);
  });

  it('answers a plain GET with 426 and Upgrade: websocket, and a bad version with 400', async (t) => {
    const { app } = echoApp();
    const { port } = await serve(app, t);
    const plain = parseRaw(await rawRequest(port, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(plain.status, 426);
    assert.equal(plain.headers['upgrade'], 'websocket');
    assert.match(plain.body, /WebSocket/);
    const bad = parseRaw(
      await rawRequest(
        port,
        'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n',
      ),
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['sec-websocket-version'], '13');
  });

  it('refuses a WebSocket handshake on HTTP/1.0 with 400 (RFC 6455 §4.2.1)', async (t) => {
    const { app, seen } = echoApp();
    let ready: boolean | undefined;
    app.router.addGet('/can', (request: Request) => {
      ready = new WebSocketResponse().canPrepare(request).ok;
      return new Response({ text: 'checked' });
    });
    const { port } = await serve(app, t);
    const handshake = 'Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    // Until the server closes, or a 101 it should not send (the old behaviour) arrives.
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET /ws HTTP/1.0\r\n${handshake}`));
      let got = '';
      sock.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        if (/^HTTP\/1\.1 101 [^]*\r\n\r\n/.test(got)) sock.destroy();
      });
      sock.on('error', reject);
      sock.on('close', () => resolve(got));
    });
    const old = parseRaw(raw);
    assert.equal(old.status, 400, raw.slice(0, 100));
    assert.match(old.body, /HTTP\/1\.1/);
    assert.doesNotMatch(raw, / 101 /);
    assert.equal(seen.sockets[0]?.prepared, false);
    await rawRequest(port, `GET /can HTTP/1.0\r\n${handshake}`);
    assert.equal(ready, false);
    await rawRequest(port, `GET /can HTTP/1.1\r\n${handshake.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')}`);
    assert.equal(ready, true);
  });

  it('tells with canPrepare() whether a request can be upgraded and which protocol it gets', async (t) => {
    const app = new Application();
    app.router.addGet('/check', (request: Request) => {
      const ready = new WebSocketResponse({ protocols: ['v2', 'v1'] }).canPrepare(request);
      throw new HTTPForbidden({ text: JSON.stringify(ready) });
    });
    const { port } = await serve(app, t);
    const plain = parseRaw(await rawRequest(port, 'GET /check HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.deepEqual(JSON.parse(plain.body), { ok: false, protocol: null });
    const err = await connectClientSocket(`ws://127.0.0.1:${port}/check`, { protocols: ['v1', 'v2'] }).catch((e: unknown) => e);
    assert.ok(err instanceof WSServerHandshakeError);
    assert.equal(err.status, 403);
  });

  it('lets a middleware refuse the upgrade with 403 before it happens', async (t) => {
    const guard: Middleware = (request, handler) => {
      if (request.headers.get('x-token') !== 'secret') throw new HTTPForbidden({ text: 'no token' });
      return handler(request);
    };
    const { app, seen } = echoApp({}, [guard]);
    const { port } = await serve(app, t);
    const err = await connectClientSocket(`ws://127.0.0.1:${port}/ws`).catch((e: unknown) => e);
    assert.ok(err instanceof WSServerHandshakeError, String(err));
    assert.equal(err.status, 403);
    assert.equal(seen.sockets.length, 0);
    const ws = await client(t, `ws://127.0.0.1:${port}/ws`, { headers: { 'x-token': 'secret', cookie: 'a=1' } });
    await ws.sendStr('json');
    assert.deepEqual(await ws.receiveJson(), { cookies: { a: '1' }, auth: 'secret' });
  });

  it('negotiates a subprotocol and sends headers and cookies set before prepare()', async (t) => {
    const app = new Application();
    app.onResponsePrepare.push((_request, response) => {
      response.headers.set('X-Prepared', 'yes');
    });
    app.router.addGet('/ws', async (request: Request) => {
      const ws = new WebSocketResponse({ protocols: ['chat', 'superchat'] });
      ws.setCookie('session', 'abc');
      await ws.prepare(request);
      await ws.sendStr(ws.protocol ?? 'none');
      await ws.close();
      return ws;
    });
    const { port } = await serve(app, t);
    const { connection, response } = await connectClientSocket(`ws://127.0.0.1:${port}/ws`, { protocols: ['superchat', 'chat'] });
    t.after(() => connection.terminate());
    assert.equal(connection.protocol, 'superchat');
    assert.equal(await connection.receiveStr(), 'superchat');
    assert.equal(response.headers['x-prepared'], 'yes');
    assert.deepEqual(response.headers['set-cookie'], ['session=abc; Path=/']);
  });

  it('closes with 1009 when a message exceeds maxMsgSize', async (t) => {
    const { app, seen } = echoApp({ maxMsgSize: 1024 });
    const { port } = await serve(app, t);
    const ws = await client(t, `ws://127.0.0.1:${port}/ws`);
    await ws.sendStr('small');
    assert.equal(await ws.receiveStr(), 'small/answer');
    await ws.sendStr('x'.repeat(2000));
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(msg.data, 1009);
    const server = await seen.closed[0]!;
    assert.equal(server.closeCode, 1009);
    assert.equal((server.exception() as { closeCode?: number } | null)?.closeCode, 1009);
  });

  it('bounds the inflated size of compressed messages by maxMsgSize', async (t) => {
    const { app, seen } = echoApp({ maxMsgSize: 4096 });
    const { port } = await serve(app, t);
    const ws = await client(t, `ws://127.0.0.1:${port}/ws`, { compress: true });
    assert.equal(ws.compress, 15);
    await ws.sendStr('y'.repeat(2000));
    assert.equal((await ws.receiveStr()).length, 2007);
    // About 100 bytes on the wire, 100 KB once inflated.
    await ws.sendStr('z'.repeat(100_000));
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(msg.data, 1009);
    assert.equal((await seen.closed[0]!).closeCode, 1009);
  });

  it('closes with 1002 on an unmasked client frame and 1007 on invalid UTF-8', async (t) => {
    const { app } = echoApp();
    const { port } = await serve(app, t);
    const a = await rawClient(t, port);
    assert.match(a.response, /^HTTP\/1\.1 101/);
    a.socket.write(frame(0x1, 'hi', { mask: false }));
    assert.equal(await a.reader.closeCode(), 1002);
    const b = await rawClient(t, port);
    b.socket.write(frame(0x1, Buffer.from([0xc3, 0x28])));
    assert.equal(await b.reader.closeCode(), 1007);
  });

  // 1 s, so the pong has 0.5 s to come back: with 0.05 s (25 ms for the pong) a loaded machine dropped
  // the connection before the client answered.
  it('sends heartbeat pings that a live client answers', async (t) => {
    const { app } = echoApp({ heartbeat: 1, autoping: false });
    const { port } = await serve(app, t);
    const ws = await client(t, `ws://127.0.0.1:${port}/ws`);
    // The server surfaces the PONG (autoping off) and tells us.
    assert.equal(await ws.receiveStr({ timeout: 5 }), 'got pong');
  });

  it('drops a client that stops answering heartbeat pings', async (t) => {
    const { app, seen } = echoApp({ heartbeat: 0.1 });
    const { port } = await serve(app, t);
    await client(t, `ws://127.0.0.1:${port}/ws`, { autoping: false });
    const server = await seen.closed[0]!;
    assert.equal(server.closeCode, 1006);
    assert.ok(server.exception() instanceof WSHeartbeatTimeoutError);
  });

  it('closes open WebSockets with 1001 on shutdown, within shutdownTimeout', async (t) => {
    const { app, seen } = echoApp();
    const served = await serve(app, t, { shutdownTimeout: 2 });
    const a = await client(t, `ws://127.0.0.1:${served.port}/ws`);
    const b = await client(t, `ws://127.0.0.1:${served.port}/ws`);
    // A raw client that never answers our close frame: terminated when the time is up.
    const silent = await rawClient(t, served.port);
    silent.socket.pause();
    await a.sendStr('x');
    await a.receiveStr();
    assert.equal(serverWebSockets(app).size, 3);
    const started = Date.now();
    await served.close();
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 3000, `shutdown took ${elapsed} ms`);
    for (const ws of [a, b]) {
      const msg = await ws.receive();
      assert.equal(msg.type, WSMsgType.CLOSE);
      assert.equal(msg.data, 1001);
    }
    const codes = (await Promise.all(seen.closed)).map((ws) => ws.closeCode);
    assert.deepEqual(codes.slice(0, 2), [1001, 1001]);
    assert.equal(codes[2], 1006);
    assert.equal(serverWebSockets(app).size, 0);
  });

  it('refuses the message API before prepare()', async () => {
    const ws = new WebSocketResponse();
    assert.equal(ws.closed, false);
    assert.equal(ws.closeCode, null);
    assert.equal(ws.prepared, false);
    assert.throws(() => ws.receive(), /prepare/);
    assert.throws(() => ws.sendStr('x'), /prepare/);
    await assert.rejects(ws.write(), TypeError);
  });
});

const PYTHON = peerPath('python3-aiohttp');

// Python aiohttp 3.8.4's client against the demo's /ws, as the seed notes' example uses it.
const AIOHTTP_CLIENT = `
import asyncio, json, sys
import aiohttp

async def main(url):
    out = {}
    async with aiohttp.ClientSession(cookies={'who': 'py'}) as s:
        async with s.ws_connect(url, compress=15, heartbeat=5) as ws:
            out['compress'] = ws.compress
            await ws.send_str('hello')
            out['text'] = await ws.receive_str()
            await ws.send_bytes(b'\\x00\\x01\\xff')
            out['bytes'] = list(await ws.receive_bytes())
            await ws.send_str('\\u4e16' * 100000)
            out['big_len'] = len(await ws.receive_str())
            await ws.send_str('close cmd')
            msg = await ws.receive()
            out['close'] = [int(msg.type), msg.data]
            out['close_code'] = ws.close_code
    print(json.dumps(out))

asyncio.run(main(sys.argv[1]))
`;

describe('demo /ws with Python aiohttp as the client', needs('python3-aiohttp'), () => {
  it('echoes with /answer, echoes binary, and closes with 1000 on close cmd', async (t) => {
    const { port } = await serve(createDemoApp(), t);
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', AIOHTTP_CLIENT, `http://127.0.0.1:${port}/ws`], { timeout: 20_000 });
    assert.deepEqual(JSON.parse(stdout), {
      compress: 15,
      text: 'hello/answer',
      bytes: [0, 1, 255],
      big_len: 100000 + '/answer'.length,
      close: [WSMsgType.CLOSE, 1000],
      close_code: 1000,
    });
  });
});

describe('examples/websocket/chat-server.ts', () => {
  it('broadcasts to the other peers and closes them with its own shutdown hook', async (t) => {
    const app = createChatApp();
    const served = await serve(app, t);
    const alice = await client(t, `ws://127.0.0.1:${served.port}/chat?name=alice`);
    const bob = await client(t, `ws://127.0.0.1:${served.port}/chat?name=bob`);
    // Both are registered once bob's first broadcast reaches alice.
    await bob.sendStr('hi');
    assert.equal(await alice.receiveStr(), 'bob: hi');
    await alice.sendStr('hello');
    assert.equal(await bob.receiveStr(), 'alice: hello');
    assert.equal(app.get(websockets).size, 2);
    await served.close();
    for (const ws of [alice, bob]) {
      const msg = await ws.receive();
      assert.equal(msg.type, WSMsgType.CLOSE);
      assert.equal(msg.data, 1001);
      assert.equal(msg.extra, 'Server shutdown');
    }
  });
});

describe('examples/websocket/echo-server.ts', () => {
  it('answers with /answer, echoes binary and closes on close cmd', async (t) => {
    const { port } = await serve(createEchoApp(), t);
    const ws = await client(t, `ws://127.0.0.1:${port}/ws`);
    await ws.sendStr('ping');
    assert.equal(await ws.receiveStr(), 'ping/answer');
    await ws.sendBytes(Buffer.from([1, 2]));
    assert.deepEqual(await ws.receiveBytes(), Buffer.from([1, 2]));
    await ws.sendStr('close cmd');
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(msg.data, 1000);
  });
});
