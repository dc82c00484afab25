import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BasicAuth,
  ClientConnectorError,
  ClientResponseError,
  ClientSession,
  ClientWebSocketResponse,
  CookieJar,
  Fingerprint,
  ServerFingerprintMismatch,
  TCPConnector,
  UnixConnector,
  WSHeartbeatTimeoutError,
  WSMsgType,
  WSServerHandshakeError,
  web,
} from '../../src/index.js';
import { createDemoApp } from '../../src/demo/app.js';
import { serve } from '../helpers/server.js';
import { needs, peerPath } from '../helpers/peers.js';

const PYTHON = peerPath('python3-aiohttp');
const fixture = (name: string): Buffer => readFileSync(new URL(`../../../test/client/fixtures/${name}`, import.meta.url));

async function session(t: TestContext, options: ConstructorParameters<typeof ClientSession>[0] = {}): Promise<ClientSession> {
  const s = new ClientSession(options);
  t.after(() => s.close());
  return s;
}

/** An app whose /ws reports what the handshake carried, then echoes; `close N` closes with N. */
function inspectApp(options: web.WebSocketResponseOptions = {}): web.Application {
  const app = new web.Application();
  app.router.addGet('/ws', async (request: web.Request) => {
    const ws = new web.WebSocketResponse(options);
    ws.setCookie('issued', 'by-server');
    await ws.prepare(request);
    await ws.sendJson({
      cookies: request.cookies,
      ua: request.headers.get('user-agent') ?? null,
      custom: request.headers.get('x-default') ?? null,
      perCall: request.headers.get('x-call') ?? null,
      authorization: request.headers.get('authorization') ?? null,
      origin: request.headers.get('origin') ?? null,
      query: request.query.toArray(),
    });
    for await (const msg of ws) {
      if (msg.type === WSMsgType.TEXT) {
        if (msg.data.startsWith('close ')) await ws.close({ code: Number(msg.data.slice(6)), message: 'server says bye' });
        else if (msg.data.startsWith('big ')) await ws.sendStr('x'.repeat(Number(msg.data.slice(4))));
        else await ws.sendStr(`${msg.data}/answer`);
      }
    }
    return ws;
  });
  app.router.addGet('/forbidden', () => {
    throw new web.HTTPForbidden({ text: 'go away' });
  });
  return app;
}

describe('ClientSession.wsConnect against our server', () => {
  it('runs the seed example: for await, echo with /answer, close cmd closes', async (t) => {
    const { url } = await serve(createDemoApp(), t);
    const s = await session(t);
    await using ws = await s.wsConnect(`${url}/ws`);
    assert.ok(ws instanceof ClientWebSocketResponse);
    assert.equal(ws.status, 101);
    assert.equal(ws.headers.get('upgrade')?.toLowerCase(), 'websocket');
    const seen: string[] = [];
    await ws.sendStr('hello');
    for await (const msg of ws) {
      if (msg.type === WSMsgType.TEXT) {
        seen.push(msg.data);
        if (msg.data === 'hello/answer') await ws.sendStr('close cmd');
        else await ws.sendStr(`${msg.data}/answer`);
      } else if (msg.type === WSMsgType.ERROR) {
        break;
      }
    }
    assert.deepEqual(seen, ['hello/answer']);
    assert.equal(ws.closed, true);
    assert.equal(ws.closeCode, 1000);
  });

  it('knows closeCode when a for await loop ends because close() ran concurrently', async (t) => {
    const { url } = await serve(inspectApp(), t);
    const s = await session(t);
    const ws = await s.wsConnect(`${url}/ws`);
    assert.equal((await ws.receive()).type, WSMsgType.TEXT); // the handshake report
    let codeWhenLoopEnded: number | null | undefined;
    const loop = (async () => {
      for await (const msg of ws) void msg;
      codeWhenLoopEnded = ws.closeCode;
    })();
    await new Promise((r) => setImmediate(r)); // the loop is parked in a step
    const closing = ws.close();
    await loop;
    assert.equal(codeWhenLoopEnded, 1000);
    assert.equal(await closing, true);
  });

  it('echoes binary and JSON through ws:// and http:// URLs alike', async (t) => {
    const { port } = await serve(createDemoApp(), t);
    const s = await session(t);
    for (const url of [`ws://127.0.0.1:${port}/ws`, `http://127.0.0.1:${port}/ws`]) {
      const ws = await s.wsConnect(url);
      await ws.sendBytes(Buffer.from([9, 8, 7]));
      assert.deepEqual(await ws.receiveBytes(), Buffer.from([9, 8, 7]));
      await ws.sendJson({ a: 1 });
      assert.equal(await ws.receiveStr(), '{"a":1}/answer');
      assert.equal(await ws.close(), true);
      assert.equal(ws.closeCode, 1000);
    }
  });

  it("sends the session's cookies, default headers and auth, and stores the 101's cookies", async (t) => {
    const { url, port } = await serve(inspectApp(), t);
    // unsafe: as in aiohttp, the default jar refuses cookies from IP hosts like 127.0.0.1.
    const s = await session(t, {
      headers: { 'X-Default': 'd' },
      cookies: { sid: 'abc' },
      cookieJar: new CookieJar({ unsafe: true }),
      auth: new BasicAuth('user', 'pass'),
    });
    const ws = await s.wsConnect(`${url}/ws`, { headers: { 'X-Call': 'c' }, params: { q: '1' }, origin: 'http://example.test' });
    t.after(() => ws.terminate());
    const info = await ws.receiveJson<Record<string, unknown>>();
    assert.deepEqual(info, {
      cookies: { sid: 'abc' },
      ua: 'aiohttp-ts/0.1',
      custom: 'd',
      perCall: 'c',
      authorization: `Basic ${Buffer.from('user:pass').toString('base64')}`,
      origin: 'http://example.test',
      query: [['q', '1']],
    });
    assert.match(ws.headers.get('set-cookie') ?? '', /^issued=by-server/);
    const jarCookies = s.cookieJar.filterCookies(new URL(`http://127.0.0.1:${port}/`));
    assert.equal(jarCookies.get('issued'), 'by-server');
    await ws.close();
  });

  it('receives the close code and reason the server chose', async (t) => {
    const { url } = await serve(inspectApp(), t);
    const s = await session(t);
    const ws = await s.wsConnect(`${url}/ws`);
    await ws.receiveJson();
    await ws.sendStr('close 4321');
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(msg.data, 4321);
    assert.equal(msg.extra, 'server says bye');
    assert.equal(ws.closeCode, 4321);
    assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  });

  it('throws WSServerHandshakeError (a ClientResponseError) when the server refuses', async (t) => {
    const { url } = await serve(inspectApp(), t);
    const s = await session(t);
    const err = await s.wsConnect(`${url}/forbidden`).catch((e: unknown) => e);
    assert.ok(err instanceof WSServerHandshakeError, String(err));
    assert.ok(err instanceof ClientResponseError);
    assert.equal(err.status, 403);
    assert.equal(err.requestInfo.url.pathname, '/forbidden');
    const plain = await s.wsConnect(`${url}/nowhere`).catch((e: unknown) => e);
    assert.ok(plain instanceof WSServerHandshakeError);
    assert.equal(plain.status, 404);
  });

  it('maps a refused connection to ClientConnectorError', async (t) => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const s = await session(t);
    const err = await s.wsConnect(`ws://127.0.0.1:${port}/ws`).catch((e: unknown) => e);
    assert.ok(err instanceof ClientConnectorError, String(err));
    assert.equal(err.port, port);
  });

  it('closes with 1009 when the server sends more than maxMsgSize', async (t) => {
    const { url } = await serve(inspectApp(), t);
    const s = await session(t);
    const ws = await s.wsConnect(`${url}/ws`, { maxMsgSize: 1000 });
    await ws.receiveJson();
    await ws.sendStr('big 10');
    assert.equal(await ws.receiveStr(), 'xxxxxxxxxx');
    await ws.sendStr('big 5000');
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.ERROR);
    assert.equal(ws.closeCode, 1009);
  });

  it('drops a server that stops answering heartbeat pings', async (t) => {
    const { url } = await serve(inspectApp({ autoping: false }), t);
    const s = await session(t);
    const ws = await s.wsConnect(`${url}/ws`, { heartbeat: 0.1 });
    await ws.receiveJson();
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.ERROR);
    assert.ok(msg.data instanceof WSHeartbeatTimeoutError);
    assert.equal(ws.closeCode, 1006);
  });

  it("connects to wss:// with the session connector's TLS options", async (t) => {
    const server = createHttpsServer({ key: fixture('localhost-key.pem'), cert: fixture('localhost-cert.pem') });
    const protocol = new web.ServerProtocol(createDemoApp());
    protocol.attach(server as unknown as import('node:http').Server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const sockets = new Set<Socket>();
    server.on('secureConnection', (sock: Socket) => sockets.add(sock));
    t.after(() => {
      for (const sock of sockets) sock.destroy();
      server.close();
    });
    const port = (server.address() as AddressInfo).port;
    const untrusted = await session(t);
    await assert.rejects(untrusted.wsConnect(`wss://localhost:${port}/ws`), ClientConnectorError);
    const s = await session(t, { connector: new TCPConnector({ ssl: { ca: fixture('localhost-cert.pem') } }) });
    const ws = await s.wsConnect(`https://localhost:${port}/ws`);
    await ws.sendStr('secure');
    assert.equal(await ws.receiveStr(), 'secure/answer');
    assert.equal((ws.getExtraInfo('cipher') as { name?: string } | null)?.name !== undefined, true);
    await ws.close();
    // Certificate pinning, per call and per connector; a wrong digest fails before the request is sent.
    const digest = new X509Certificate(fixture('localhost-cert.pem')).fingerprint256;
    const pinned = await untrusted.wsConnect(`wss://127.0.0.1:${port}/ws`, { ssl: new Fingerprint(digest) });
    await pinned.sendStr('pinned');
    assert.equal(await pinned.receiveStr(), 'pinned/answer');
    await pinned.close();
    const wrong = await session(t, { connector: new TCPConnector({ ssl: new Fingerprint(Buffer.alloc(32, 7)) }) });
    await assert.rejects(wrong.wsConnect(`wss://localhost:${port}/ws`), ServerFingerprintMismatch);
  });

  it("goes through a UnixConnector's socket path", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-ws-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const runner = new web.AppRunner(createDemoApp(), { shutdownTimeout: 5 });
    await runner.setup();
    t.after(() => runner.cleanup());
    await new web.UnixSite(runner, join(dir, 'demo.sock')).start();
    const s = await session(t, { connector: new UnixConnector({ path: join(dir, 'demo.sock') }) });
    const ws = await s.wsConnect('http://localhost/ws');
    await ws.sendStr('unix');
    assert.equal(await ws.receiveStr(), 'unix/answer');
    await ws.close();
  });

  it('tunnels through an HTTP proxy with CONNECT and proxy credentials', async (t) => {
    const { port } = await serve(createDemoApp(), t);
    const seen: string[] = [];
    const proxy = createNetServer((client) => {
      client.once('data', (head: Buffer) => {
        const text = head.toString('latin1');
        seen.push(text.split('\r\n')[0]!, /proxy-authorization: (.*)/i.exec(text)?.[1] ?? '');
        const [host, p] = text.split(' ')[1]!.split(':');
        const upstream = connect(Number(p), host!, () => {
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          client.pipe(upstream).pipe(client);
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        t.after(() => upstream.destroy());
      });
      t.after(() => client.destroy());
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    t.after(() => proxy.close());
    const proxyUrl = `http://pu:pp@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const s = await session(t);
    const ws = await s.wsConnect(`ws://127.0.0.1:${port}/ws`, { proxy: proxyUrl });
    await ws.sendStr('via proxy');
    assert.equal(await ws.receiveStr(), 'via proxy/answer');
    await ws.close();
    const basic = `Basic ${Buffer.from('pu:pp').toString('base64')}`;
    assert.deepEqual(seen, [`CONNECT 127.0.0.1:${port} HTTP/1.1`, basic]);
    // The session's own proxy applies too.
    const viaSession = await session(t, { proxy: proxyUrl });
    const ws2 = await viaSession.wsConnect(`http://127.0.0.1:${port}/ws`);
    await ws2.sendStr('again');
    assert.equal(await ws2.receiveStr(), 'again/answer');
    await ws2.close();
    assert.equal(seen.length, 4);
  });
});

const AIOHTTP_SERVER = `
import asyncio, json
from aiohttp import web, WSMsgType

async def ws_handler(request):
    ws = web.WebSocketResponse(protocols=('chat',))
    await ws.prepare(request)
    await ws.send_json({'cookie': request.cookies.get('sid'), 'hdr': request.headers.get('X-Default')})
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            if msg.data == 'close cmd':
                await ws.close(code=4005, message=b'py bye')
                break
            await ws.send_str(msg.data + '/answer')
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    print(json.dumps({'event': 'closed', 'code': ws.close_code}), flush=True)
    return ws

async def main():
    app = web.Application()
    app.router.add_get('/ws', ws_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', 0)
    await site.start()
    print(json.dumps({'event': 'listening', 'port': site._server.sockets[0].getsockname()[1]}), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
`;

describe('ClientSession.wsConnect against Python aiohttp 3.8', needs('python3-aiohttp'), () => {
  it('exchanges text, binary and JSON, with protocol, cookies and headers, and closes', async (t) => {
    const child = spawn(PYTHON, ['-c', AIOHTTP_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => child.kill());
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<{ event: string; port?: number; code?: number }> => JSON.parse(String((await lines.next()).value));
    const { port } = await next();
    const s = await session(t, { headers: { 'X-Default': 'd' }, cookies: { sid: 'py-cookie' } });
    const ws = await s.wsConnect(`http://127.0.0.1:${port!}/ws`, { protocols: ['chat'], compress: 15 });
    assert.equal(ws.protocol, 'chat');
    assert.equal(ws.compress, 15);
    assert.deepEqual(await ws.receiveJson(), { cookie: 'py-cookie', hdr: 'd' });
    await ws.sendStr('hello');
    assert.equal(await ws.receiveStr(), 'hello/answer');
    await ws.sendBytes(Buffer.from([0, 255]));
    assert.deepEqual(await ws.receiveBytes(), Buffer.from([0, 255]));
    await ws.sendStr('close cmd');
    const msg = await ws.receive();
    assert.equal(msg.type, WSMsgType.CLOSE);
    assert.equal(msg.data, 4005);
    assert.equal(msg.extra, 'py bye');
    assert.deepEqual(await next(), { event: 'closed', code: 4005 });
  });
});

describe('examples/client/websocket.ts', () => {
  it('runs against the demo app and prints the echoes', async (t) => {
    const { url } = await serve(createDemoApp(), t);
    const script = fileURLToPath(new URL('../../examples/client/websocket.js', import.meta.url));
    const child = spawn(process.execPath, [script, `${url}/ws`], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => child.kill());
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    assert.deepEqual(out.trim().split('\n'), ['received: hello/answer', 'received: hello/answer/answer/answer', 'closed with 1000']);
  });
});
