/** Interop with Python aiohttp 3.8.4 (Debian's /usr/bin/python3) in both directions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import type { WebSocketConnection } from '../../src/websocket/connection.js';
import type { WebSocketError } from '../../src/websocket/errors.js';
import { WSMsgType } from '../../src/websocket/models.js';
import { connectClientSocket } from '../../src/websocket/ws-adapter.js';
import { wsServer } from './helpers.js';
import { needs, peerPath } from '../helpers/peers.js';

const PYTHON = peerPath('python3-aiohttp');

const AIOHTTP_SERVER = `
import asyncio, json
from aiohttp import web, WSMsgType

async def ws_handler(request):
    ws = web.WebSocketResponse(protocols=('chat',), heartbeat=None)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            if msg.data == 'close cmd':
                await ws.close()
                break
            elif msg.data.startswith('big '):
                await ws.send_str('x' * int(msg.data[4:]))
            elif msg.data == 'ping me':
                await ws.ping(b'py')
                await ws.send_str('pinged')
            else:
                await ws.send_str(msg.data + '/answer')
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
        elif msg.type == WSMsgType.ERROR:
            break
    print(json.dumps({'event': 'closed', 'code': ws.close_code, 'compress': ws.compress}), flush=True)
    return ws

async def main():
    app = web.Application()
    app.router.add_get('/ws', ws_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(json.dumps({'event': 'listening', 'port': port}), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
`;

const AIOHTTP_CLIENT = `
import asyncio, json, sys
import aiohttp

async def main(url):
    out = {}
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(url, protocols=('chat',), compress=15) as ws:
            out['protocol'] = ws.protocol
            out['compress'] = ws.compress
            await ws.send_str('hello')
            out['text'] = await ws.receive_str()
            await ws.send_bytes(b'\\x00\\x01\\xff')
            out['bytes'] = list(await ws.receive_bytes())
            await ws.send_json({'a': [1, 'b']})
            out['json'] = await ws.receive_str()
            await ws.send_str('\\u4e16\\u754c' * 50000)
            out['big_len'] = len(await ws.receive_str())
            await ws.ping(b'hb')
            await ws.send_str('close cmd')
            msg = await ws.receive()
            out['close'] = [int(msg.type), msg.data, msg.extra]
            out['close_code'] = ws.close_code
        async with s.ws_connect(url) as ws2:
            await ws2.close(code=4000, message=b'done')
            out['client_close'] = ws2.close_code
    print(json.dumps(out), flush=True)

asyncio.run(main(sys.argv[1]))
`;

interface PyProcess {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncIterator<string>;
  stderr: () => string;
}

function python(t: TestContext, script: string, args: string[] = []): PyProcess {
  const child = spawn(PYTHON, ['-c', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, lines, stderr: () => err };
}

async function nextJson(py: PyProcess): Promise<Record<string, unknown>> {
  const line = await py.lines.next();
  if (line.done) throw new Error(`python exited early: ${py.stderr()}`);
  return JSON.parse(line.value) as Record<string, unknown>;
}

describe('interop with Python aiohttp 3.8.4', needs('python3-aiohttp'), () => {
  it('our client talks to an aiohttp WebSocket server: echo, binary, close cmd, close codes, 1009', async (t) => {
    const py = python(t, AIOHTTP_SERVER);
    const listening = await nextJson(py);
    assert.equal(listening.event, 'listening');
    const url = `ws://127.0.0.1:${String(listening.port)}/ws`;

    // The seed's loop, translated: echo with /answer, "close cmd" closes.
    const { connection: ws, response } = await connectClientSocket(url, { protocols: ['chat'], compress: true });
    t.after(() => ws.terminate());
    assert.equal(response.status, 101);
    assert.equal(ws.protocol, 'chat');
    assert.equal(ws.compress, 15);
    await ws.sendStr('hello');
    assert.equal(await ws.receiveStr(), 'hello/answer');
    await ws.sendBytes(Buffer.from([1, 2, 3]));
    assert.deepEqual(await ws.receiveBytes(), Buffer.from([1, 2, 3]));
    const big = 'y'.repeat(200_000);
    await ws.sendStr(big);
    assert.equal(await ws.receiveStr(), `${big}/answer`);
    await ws.sendStr('ping me');
    assert.equal(await ws.receiveStr(), 'pinged', 'the PING was answered and not surfaced');
    await ws.sendStr('close cmd');
    const close = await ws.receive();
    assert.equal(close.type, WSMsgType.CLOSE);
    assert.equal(close.data, 1000);
    assert.equal(ws.closeCode, 1000);
    assert.deepEqual(await nextJson(py), { event: 'closed', code: 1000, compress: 15 });

    // aiohttp answers an unsupported offer with no subprotocol; we accept that, as aiohttp's client does.
    const { connection: ws2 } = await connectClientSocket(url, { protocols: ['nope'] });
    t.after(() => ws2.terminate());
    assert.equal(ws2.protocol, null);
    assert.equal(await ws2.close({ code: 4001, message: 'bye' }), true);
    // As in aiohttp, closeCode is the code of the peer's answering close frame: aiohttp answers 1000.
    assert.equal(ws2.closeCode, 1000);
    assert.deepEqual(await nextJson(py), { event: 'closed', code: 4001, compress: 0 });

    const { connection: ws3 } = await connectClientSocket(url, { maxMsgSize: 1000 });
    t.after(() => ws3.terminate());
    await ws3.sendStr('big 5000');
    const err = await ws3.receive();
    assert.equal(err.type, WSMsgType.ERROR);
    assert.equal((err.data as WebSocketError).code, 'ERR_WS_MESSAGE_TOO_BIG');
    assert.equal(ws3.closeCode, 1009);
    assert.deepEqual(await nextJson(py), { event: 'closed', code: 1009, compress: 0 });
  });

  it("aiohttp's ClientSession.ws_connect talks to our server helper", async (t) => {
    const closes: [number | null, string][] = [];
    let bothClosed: () => void = () => {};
    const handlersDone = new Promise<void>((resolve) => {
      bothClosed = resolve;
    });
    const srv = await wsServer(t, { protocols: ['chat'] }, async (conn: WebSocketConnection) => {
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
      closes.push([conn.closeCode, conn.protocol ?? '']);
      if (closes.length === 2) bothClosed();
    });
    const py = python(t, AIOHTTP_CLIENT, [`http://127.0.0.1:${srv.port}/ws`]);
    const out = await nextJson(py);
    const wide = '\u4e16\u754c'.repeat(50000);
    assert.deepEqual(out, {
      protocol: 'chat',
      compress: 15,
      text: 'hello/answer',
      bytes: [0, 1, 255],
      json: '{"a": [1, "b"]}/answer',
      big_len: wide.length + '/answer'.length,
      close: [8, 1000, ''],
      close_code: 1000,
      client_close: 4000,
    });
    const [code] = await new Promise<(number | null)[]>((resolve) => py.child.once('exit', (c) => resolve([c])));
    assert.equal(code, 0, py.stderr());
    // Both server-side handlers finished: ours closed with 1000, the second saw the client's 4000.
    await handlersDone;
    assert.deepEqual(closes, [
      [1000, 'chat'],
      [4000, ''],
    ]);
  });
});
