/**
 * Request parsing attacks on the server, one raw-socket case each (aiohttp's smuggling and limit
 * advisories). Every malformed request must get a 4xx/5xx and a closed connection, never reach a
 * handler.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import * as web from '../../src/server/index.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';
import { FRAMING_CORPUS } from './corpus.js';

/** An app whose handler records every request whose body it could read whole. */
async function target(t: TestContext, options: web.AppRunnerOptions = {}): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const app = new web.Application();
  const echo = async (req: web.Request): Promise<web.Response> => {
    const body = req.canReadBody ? await req.text() : '';
    seen.push(`${req.method} ${req.rawPath}`);
    return new web.Response({ text: `ok ${req.method} ${req.rawPath} ${body.length}` });
  };
  app.router.addRoute('*', '/{tail:.*}', echo);
  const { port } = await serve(app, t, options);
  return { port, seen };
}

/** Sends `data` and asserts the server refused it with `status` and closed the connection. */
async function refused(t: TestContext, data: string | Buffer, status = 400, options: web.AppRunnerOptions = {}): Promise<void> {
  const { port, seen } = await target(t, options);
  const raw = await rawRequest(port, data);
  const { status: got, headers } = parseRaw(raw);
  assert.equal(got, status, raw.slice(0, 200));
  assert.equal(headers.connection, 'close');
  assert.equal(raw.match(/HTTP\/1\.1 /g)?.length, 1, 'exactly one response: nothing smuggled behind it');
  assert.deepEqual(seen, [], 'no handler got the request with a complete body');
}

const H = 'Host: a\r\n';
const C = 'Connection: close\r\n';

describe('server request parsing (raw sockets)', () => {
  it('refuses a duplicate Host header', (t) => refused(t, `GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n${C}\r\n`));
  it('refuses a duplicate Content-Length', (t) => refused(t, `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n${C}\r\nabc`));
  it('refuses differing Content-Lengths', (t) => refused(t, `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n${C}\r\nabcd`));
  it('refuses a Content-Length list', (t) => refused(t, `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n${C}\r\nabc`));
  it('refuses a signed Content-Length', (t) => refused(t, `POST / HTTP/1.1\r\n${H}Content-Length: +3\r\n${C}\r\nabc`));
  it('refuses a duplicate Transfer-Encoding', (t) =>
    refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n${C}\r\n3\r\nabc\r\n0\r\n\r\n`));
  it('refuses Content-Length together with Transfer-Encoding', (t) =>
    refused(t, `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n${C}\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n${H}\r\n`));
  it('refuses chunked that is not the final transfer coding', (t) =>
    refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n${C}\r\n0\r\n\r\n`));
  it('refuses a transfer coding it does not implement with 501', (t) =>
    refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n${C}\r\n0\r\n\r\n`, 501));
  it('refuses a Transfer-Encoding whose last coding is not chunked with 400 (RFC 9112 §6.3)', async (t) => {
    for (const te of ['gzip', 'identity', 'chunked, gzip', 'gzip, chunked, deflate', 'x-custom']) {
      await refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: ${te}\r\n${C}\r\n0\r\n\r\n`, 400);
    }
  });
  it('refuses Transfer-Encoding in an HTTP/1.0 request', (t) =>
    refused(t, `POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.0\r\n\r\n`));
  it('refuses a non-hex chunk size', (t) => refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n${C}\r\nzz\r\nabc\r\n0\r\n\r\n`));
  it('refuses a negative chunk size', (t) => refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n${C}\r\n-3\r\nabc\r\n0\r\n\r\n`));
  it('refuses a signed chunk size', (t) => refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n${C}\r\n+3\r\nabc\r\n0\r\n\r\n`));
  it('refuses an overflowing chunk size', (t) =>
    refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n${C}\r\nfffffffffffffffff\r\nabc\r\n0\r\n\r\n`));
  it('refuses a chunk size line ended by a bare LF', (t) => refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n${C}\r\n3\nabc\r\n0\r\n\r\n`));
  it('refuses oversized chunk extensions', (t) =>
    refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n${C}\r\n3;${'a'.repeat(30000)}\r\nabc\r\n0\r\n\r\n`));
  it('refuses obs-fold continuation lines', (t) => refused(t, `GET / HTTP/1.1\r\n${H}X-A: b\r\n c\r\n${C}\r\n`));
  it('refuses bare LF line endings', (t) => refused(t, `GET / HTTP/1.1\nHost: a\nConnection: close\n\n`));
  it('refuses a bare LF after a header', (t) => refused(t, `GET / HTTP/1.1\r\nHost: a\nX: y\r\n${C}\r\n`));
  it('refuses a bare CR inside a header value', (t) => refused(t, `GET / HTTP/1.1\r\n${H}X-A: b\rc\r\n${C}\r\n`));
  it('refuses NUL in a header name', (t) => refused(t, `GET / HTTP/1.1\r\n${H}X\0A: b\r\n${C}\r\n`));
  it('refuses NUL in a header value', (t) => refused(t, `GET / HTTP/1.1\r\n${H}X-A: b\0c\r\n${C}\r\n`));
  it('refuses control bytes in a header name', (t) => refused(t, `GET / HTTP/1.1\r\n${H}X\x01A: b\r\n${C}\r\n`));
  it('refuses control bytes and DEL in a header value', async (t) => {
    await refused(t, `GET / HTTP/1.1\r\n${H}X-A: b\x01c\r\n${C}\r\n`);
    await refused(t, `GET / HTTP/1.1\r\n${H}X-A: b\x7fc\r\n${C}\r\n`);
  });
  it('refuses whitespace between a header name and the colon', (t) => refused(t, `GET / HTTP/1.1\r\n${H}X-A : b\r\n${C}\r\n`));
  it('refuses CR in the method', (t) => refused(t, `GE\rT / HTTP/1.1\r\n${H}${C}\r\n`));
  it('refuses NUL in the method', (t) => refused(t, `GE\0T / HTTP/1.1\r\n${H}${C}\r\n`));
  it('refuses LF in the method', (t) => refused(t, `GE\nT / HTTP/1.1\r\n${H}${C}\r\n`));
  it('refuses an unknown HTTP version', (t) => refused(t, `GET / HTTP/1.7\r\n${H}\r\n`));
  it('refuses an HTTP/0.9-style request line without a version', (t) => refused(t, 'GET /\r\n\r\n'));
  it('refuses whitespace and raw non-ASCII bytes in the request target', async (t) => {
    await refused(t, `GET /a b HTTP/1.1\r\n${H}${C}\r\n`);
    await refused(t, `GET /a\tb HTTP/1.1\r\n${H}${C}\r\n`);
    await refused(t, Buffer.from(`GET /\xff\xfe HTTP/1.1\r\n${H}${C}\r\n`, 'latin1'));
  });
  it('refuses an HTTP/1.1 request without Host', (t) => refused(t, `GET / HTTP/1.1\r\n${C}\r\n`));

  it('answers an HTTP/1.0 request without Host', async (t) => {
    const { port, seen } = await target(t);
    const raw = await rawRequest(port, 'GET /old HTTP/1.0\r\n\r\n');
    assert.equal(parseRaw(raw).status, 200);
    assert.deepEqual(seen, ['GET /old']);
  });

  it('answers 414 for a request line over maxLineSize (8190 by default)', (t) => refused(t, `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}${C}\r\n`, 414));
  it('answers 414 for a request line over the whole header limit', (t) => refused(t, `GET /${'a'.repeat(20000)} HTTP/1.1\r\n${H}${C}\r\n`, 414));
  it('answers 431 for a header block over maxHeaderSize', (t) => refused(t, `GET / HTTP/1.1\r\n${H}X: ${'a'.repeat(20000)}\r\n${C}\r\n`, 431));
  it('answers 431 for more than 128 header lines', (t) =>
    refused(t, `GET / HTTP/1.1\r\n${H}${Array.from({ length: 129 }, (_, i) => `X-${i}: v\r\n`).join('')}${C}\r\n`, 431));
  it('answers 431 for 1,000 small header lines under the size limit', (t) =>
    refused(t, `GET / HTTP/1.1\r\n${H}${Array.from({ length: 1000 }, (_, i) => `X${i}:\r\n`).join('')}${C}\r\n`, 431));
  it('accepts exactly 128 header lines', async (t) => {
    const { port } = await target(t);
    const raw = await rawRequest(port, `GET / HTTP/1.1\r\n${H}${Array.from({ length: 126 }, (_, i) => `X-${i}: v\r\n`).join('')}${C}\r\n`);
    assert.equal(parseRaw(raw).status, 200);
  });
  it('answers 431 for trailers over maxHeaderSize', (t) =>
    refused(t, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n${C}\r\n3\r\nabc\r\n0\r\nX-T: ${'a'.repeat(20000)}\r\n\r\n`, 431));

  it('answers pipelined requests in order', async (t) => {
    const { port, seen } = await target(t);
    const reqs = Array.from({ length: 10 }, (_, i) => `GET /p${i} HTTP/1.1\r\n${H}${i === 9 ? C : ''}\r\n`).join('');
    const raw = await rawRequest(port, reqs);
    const bodies = raw.match(/ok GET \/p\d+/g);
    assert.deepEqual(bodies, Array.from({ length: 10 }, (_, i) => `ok GET /p${i}`));
    assert.equal(seen.length, 10);
  });

  it('closes a connection whose pipelined queue passes maxPipelinedRequests', async (t) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const app = new web.Application();
    app.router.addGet('/{n}', async () => {
      calls++;
      await gate;
      return new web.Response({ text: 'late' });
    });
    const { port } = await serve(app, t, { maxPipelinedRequests: 8 });
    const sock = net.connect(port, '127.0.0.1');
    t.after(() => sock.destroy());
    sock.on('error', () => {});
    const closed = new Promise((r) => sock.once('close', r));
    sock.write(Array.from({ length: 100 }, (_, i) => `GET /${i} HTTP/1.1\r\n${H}\r\n`).join(''));
    await closed;
    release();
    assert.ok(calls <= 10, `only the allowed queue reached handlers, got ${calls}`);
  });
});

describe('server against the shared framing corpus (test/security/corpus.ts)', () => {
  for (const c of FRAMING_CORPUS) {
    it(`refuses ${c.name} in a request with 400 and a closed connection`, (t) => refused(t, `POST / HTTP/1.1\r\n${H}${C}${c.fields}\r\n${c.body}`));
  }
});

describe('rejected WebSocket upgrades (raw sockets)', () => {
  const SMUGGLED = `GET /secret HTTP/1.1\r\n${H}\r\n`;
  const UPGRADE = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
  const framings: Array<[string, string]> = [
    ['a Content-Length body', `Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
    ['a chunked body', `Transfer-Encoding: chunked\r\n\r\n${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n${SMUGGLED}`],
    ['bytes after the headers', `\r\n${SMUGGLED}`],
  ];
  const rejections: Array<[string, string, number]> = [
    ['a middleware 401', '/guarded', 401],
    ['a handler 403', '/forbidden', 403],
    ['a failed handshake', '/ws', 400],
  ];

  for (const [why, path, status] of rejections) {
    for (const [framing, rest] of framings) {
      it(`never serves /secret from ${framing} of an upgrade refused by ${why}`, async (t) => {
        let secret = 0;
        const guard: web.Middleware = (req, handler) => {
          if (req.path === '/guarded') throw new web.HTTPUnauthorized();
          return handler(req);
        };
        const app = new web.Application({ middlewares: [guard] });
        const upgrade = async (req: web.Request): Promise<web.StreamResponse> => {
          const ws = new web.WebSocketResponse();
          await ws.prepare(req);
          return ws;
        };
        app.router.addGet('/guarded', upgrade);
        app.router.addGet('/forbidden', () => {
          throw new web.HTTPForbidden();
        });
        app.router.addGet('/ws', upgrade);
        app.router.addGet('/secret', () => {
          secret++;
          return new web.Response({ text: 'secret' });
        });
        const { port } = await serve(app, t);
        // A handshake with an unsupported version fails; the others would be accepted upgrades.
        const version = path === '/ws' ? 'Sec-WebSocket-Version: 7\r\n' : 'Sec-WebSocket-Version: 13\r\n';
        const sock = net.connect(port, '127.0.0.1');
        t.after(() => sock.destroy());
        sock.on('error', () => {});
        const chunks: Buffer[] = [];
        sock.on('data', (c) => chunks.push(c));
        sock.write(`GET ${path} HTTP/1.1\r\n${H}${UPGRADE}${version}${rest}`);
        // Follow up on the same connection as a smuggler would; it must be closed or ignored.
        sock.once('data', () => sock.write(SMUGGLED, () => undefined));
        let keptOpen = false;
        const timer = setTimeout(() => {
          keptOpen = true;
          sock.destroy();
        }, 5000);
        await once(sock, 'close');
        clearTimeout(timer);
        const raw = Buffer.concat(chunks).toString('latin1');
        assert.equal(keptOpen, false, 'the server closes the connection after refusing the upgrade');
        assert.equal(parseRaw(raw).status, status, raw);
        assert.equal(raw.match(/HTTP\/1\.1 /g)?.length, 1, raw);
        assert.doesNotMatch(raw, /secret/);
        assert.equal(secret, 0);
      });
    }
  }
});
