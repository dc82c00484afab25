/**
 * Client errors are typed (issue 16): a response head that is not HTTP is ClientResponseParseError
 * (a ClientResponseError, as aiohttp), a bad chunk after the head ClientPayloadError, an unknown
 * charset UnknownEncodingError, and a body json() cannot read JSONDecodeError, with UTF-8 decoded
 * strictly.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  ClientPayloadError, ClientResponseError, ClientResponseParseError, ClientSession, JSONDecodeError, UnknownEncodingError,
} from '../../src/index.js';

/** A raw TCP server writing `raw` once the request head has arrived. */
async function raw(t: TestContext, bytes: string | Buffer): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    let head = '';
    sock.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) sock.end(bytes);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const HEADS: Record<string, string> = {
  'a status code that is not a number': 'HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n',
  'a line that is not a status line': 'garbage\r\n\r\n',
  'a header name that is not a token': 'HTTP/1.1 200 OK\r\nFo o: x\r\nContent-Length: 0\r\n\r\n',
  'a Content-Length that is not a number': 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n',
};

describe('typed client errors', () => {
  it('raises ClientResponseParseError (a ClientResponseError with status 400) for a response head that is not HTTP', async (t) => {
    await using session = new ClientSession();
    for (const [what, bytes] of Object.entries(HEADS)) {
      const url = await raw(t, bytes);
      await assert.rejects(session.get(url), (e: unknown) => {
        assert.ok(e instanceof ClientResponseParseError, `${what}: ${String(e)}`);
        assert.ok(e instanceof ClientResponseError);
        assert.equal(e.code, 'ERR_CLIENT_RESPONSE_PARSE');
        assert.equal(e.status, 400);
        assert.equal(e.requestInfo.url.href, url);
        return true;
      }, what);
    }
  });

  it('raises ClientPayloadError for invalid chunked framing after the head', async (t) => {
    const url = await raw(t, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n');
    await using session = new ClientSession();
    const resp = await session.get(url);
    await assert.rejects(resp.read(), (e: unknown) => e instanceof ClientPayloadError && !(e instanceof ClientResponseError) && e.code === 'ERR_CLIENT_PAYLOAD');
  });

  it('raises UnknownEncodingError for an unknown charset in text() and json()', async (t) => {
    const url = await raw(t, 'HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=no-such-charset\r\nContent-Length: 2\r\n\r\n{}');
    await using session = new ClientSession();
    const resp = await session.get(url);
    await assert.rejects(resp.text(), (e: unknown) => e instanceof UnknownEncodingError && e.encoding === 'no-such-charset' && e.code === 'ERR_CLIENT_UNKNOWN_ENCODING');
    await assert.rejects(resp.json(), UnknownEncodingError);
    await assert.rejects(resp.text('bogus-8'), UnknownEncodingError);
    assert.equal(await resp.text('utf-8'), '{}');
  });

  it('raises JSONDecodeError for invalid JSON and for invalid UTF-8 in a JSON body, never U+FFFD-replaced text', async (t) => {
    await using session = new ClientSession();
    const bad = await raw(t, 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"a":');
    await assert.rejects((await session.get(bad)).json(), (e: unknown) => e instanceof JSONDecodeError && e.code === 'ERR_CLIENT_JSON_DECODE' && e.cause instanceof SyntaxError);
    const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const latin = await raw(t, Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
    await assert.rejects((await session.get(latin)).json(), JSONDecodeError);
    // A custom parser keeps its own errors.
    const custom = new TypeError('mine');
    await assert.rejects((await session.get(bad)).json({ loads: () => { throw custom; } }), (e: unknown) => e === custom);
    // Valid JSON still parses, with a BOM too.
    const ok = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ü":1}')]);
    const good = await raw(t, Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${ok.length}\r\n\r\n`), ok]));
    assert.deepEqual(await (await session.get(good)).json(), { 'ü': 1 });
  });
});
