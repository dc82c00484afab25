/**
 * A response body is what the server sent or an error: truncated or corrupted compressed bodies,
 * transfer codings the client does not remove, and status lines it must not accept, each from a raw
 * TCP server sending exact bytes.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { answer, refusedOnce } from '../helpers/raw-server.js';
import { ClientPayloadError, ClientResponseParseError, ClientSession, ClientTimeout, type ClientResponse } from '../../src/index.js';

/** 64 KiB of text that compresses about 2:1, so a cut lands mid-stream. */
const PLAIN = Buffer.from(Array.from({ length: 2048 }, (_, i) => createHash('sha256').update(String(i)).digest('hex')).join(''));

/** A 200 response with `body` and its Content-Encoding, framed by Content-Length. */
function encoded(encoding: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: ${encoding}\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
}

/** The same, framed by chunks of 1000 bytes. */
function encodedChunked(encoding: string, body: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: ${encoding}\r\nTransfer-Encoding: chunked\r\n\r\n`)];
  for (let i = 0; i < body.length; i += 1000) {
    const c = body.subarray(i, i + 1000);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

type Reader = (resp: ClientResponse) => Promise<unknown>;
const READERS: [string, Reader][] = [
  ['read()', (r) => r.read()],
  ['text()', (r) => r.text()],
  [
    'streaming content',
    async (r) => {
      const got: Buffer[] = [];
      for await (const c of r.content.iterAny()) got.push(c);
      return Buffer.concat(got);
    },
  ],
];

/** Every reader of a response carrying `raw` fails with ClientPayloadError. */
async function refusedBody(t: TestContext, raw: Buffer): Promise<void> {
  const { url } = await answer(t, raw);
  await using session = new ClientSession({ timeout: new ClientTimeout({ total: 10 }) });
  for (const [name, read] of READERS) {
    const resp = await session.get(url);
    await assert.rejects(read(resp), (err) => err instanceof ClientPayloadError, `${name} must fail`);
  }
}

const gz = gzipSync(PLAIN);
const flipped = Buffer.from(gz);
for (let i = gz.length >> 1; i < (gz.length >> 1) + 4; i++) flipped[i] = flipped[i]! ^ 0xff;

describe('client: a compressed body ends where its format says, checksum verified', () => {
  it('accepts a whole gzip, deflate and brotli body, framed by length or by chunks', async (t) => {
    for (const [enc, body] of [['gzip', gz], ['deflate', deflateSync(PLAIN)], ['br', brotliCompressSync(PLAIN)]] as const) {
      for (const raw of [encoded(enc, body), encodedChunked(enc, body)]) {
        const { url } = await answer(t, raw);
        await using session = new ClientSession({ timeout: new ClientTimeout({ total: 10 }) });
        const resp = await session.get(url);
        assert.ok((await resp.read()).equals(PLAIN), enc);
      }
    }
  });
  it('refuses half a gzip stream with ClientPayloadError', (t) => refusedBody(t, encoded('gzip', gz.subarray(0, gz.length >> 1))));
  it('refuses half a chunked gzip stream with ClientPayloadError', (t) => refusedBody(t, encodedChunked('gzip', gz.subarray(0, gz.length >> 1))));
  it('refuses a gzip stream with bytes flipped mid-way with ClientPayloadError', (t) => refusedBody(t, encoded('gzip', flipped)));
  it('refuses a gzip stream without its CRC32/ISIZE trailer with ClientPayloadError', (t) => refusedBody(t, encoded('gzip', gz.subarray(0, gz.length - 8))));
  it('refuses a gzip stream whose trailer CRC32 is wrong with ClientPayloadError', (t) => {
    const bad = Buffer.from(gz);
    bad[bad.length - 8] = bad[bad.length - 8]! ^ 0x01;
    return refusedBody(t, encoded('gzip', bad));
  });
  it('refuses a truncated deflate stream with ClientPayloadError', (t) => {
    const d = deflateSync(PLAIN);
    return refusedBody(t, encoded('deflate', d.subarray(0, d.length >> 1)));
  });
  it('refuses a zlib deflate stream without its Adler-32 with ClientPayloadError', (t) => {
    const d = deflateSync(PLAIN);
    return refusedBody(t, encoded('deflate', d.subarray(0, d.length - 4)));
  });
  it('refuses a truncated brotli stream with ClientPayloadError', (t) => {
    const b = brotliCompressSync(PLAIN);
    return refusedBody(t, encoded('br', b.subarray(0, b.length >> 1)));
  });
});

/** The request fails with ClientResponseParseError, and the next one does not ride the refused connection. */
function refusedHead(t: TestContext, raw: Buffer | string, method = 'GET'): Promise<void> {
  return refusedOnce(t, raw, {
    method,
    check: (err) => err instanceof ClientResponseParseError && err.status === 400,
    session: () => new ClientSession({ timeout: new ClientTimeout({ total: 10 }) }),
  });
}

describe('client: transfer codings other than chunked', () => {
  it('refuses Transfer-Encoding: gzip, chunked with ClientResponseParseError instead of returning gzip bytes', (t) => {
    const body = gzipSync('hello');
    return refusedHead(t, Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]));
  });
  it('refuses a transfer coding in a second Transfer-Encoding header, and one without chunked', async (t) => {
    await refusedHead(t, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    await refusedHead(t, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\nxyz');
  });
  it('accepts Transfer-Encoding: chunked in any case', async (t) => {
    const { url } = await answer(t, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    await using session = new ClientSession({ timeout: new ClientTimeout({ total: 10 }) });
    assert.equal(await (await session.get(url)).text(), 'ok');
  });
});

describe('client: status lines', () => {
  it('raises ClientResponseParseError, not ServerDisconnectedError, for an interim 100 Continue it did not ask for', (t) =>
    refusedHead(t, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
  it('refuses NUL and other control bytes in the reason phrase with ClientResponseParseError', async (t) => {
    await refusedHead(t, 'HTTP/1.1 200 O\0K\r\nContent-Length: 2\r\n\r\nhi');
    await refusedHead(t, 'HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nhi');
    await refusedHead(t, 'HTTP/1.1 204 No\0Content\r\n\r\n');
  });
  it('refuses an HTTP/2.0 status line on an HTTP/1.1 connection with ClientResponseParseError', async (t) => {
    await refusedHead(t, 'HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nhi');
    await refusedHead(t, 'HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n', 'HEAD');
  });
  it('accepts HTTP/1.0 and HTTP/1.1 status lines, an empty reason and a tab in it, and skips 103 Early Hints', async (t) => {
    for (const raw of [
      'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 200 O\tK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    ]) {
      const { url } = await answer(t, raw);
      await using session = new ClientSession({ timeout: new ClientTimeout({ total: 10 }) });
      const resp = await session.get(url);
      assert.equal(resp.status, 200, JSON.stringify(raw));
      assert.equal(await resp.text(), 'ok');
    }
  });
});
