/** The client against hostile raw `net` servers: endless heads and bodies, bad chunking, cut responses, and the framing corpus shared with the server (corpus.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostile, onHead, refusedOnce } from '../helpers/raw-server.js';
import {
  ClientSession,
  ClientError,
  ClientPayloadError,
  ClientResponseParseError,
  ClientTimeout,
  ServerDisconnectedError,
  ContentTooLargeError,
  TCPConnector,
} from '../../src/index.js';
import { FRAMING_CORPUS } from './corpus.js';

/** A session whose every request ends within 10 s, so a hang fails the test instead of stalling it. */
const bounded = (): ClientSession => new ClientSession({ timeout: new ClientTimeout({ total: 10 }) });

describe('client against hostile servers', () => {
  it('stops an endless header stream with a typed error', async (t) => {
    const { url } = await hostile(t, (sock) =>
      onHead(sock, () => {
        sock.write('HTTP/1.1 200 OK\r\n');
        const timer = setInterval(() => sock.writable && sock.write(`X-Junk: ${'a'.repeat(1000)}\r\n`), 1);
        sock.on('close', () => clearInterval(timer));
      }),
    );
    await using session = new ClientSession();
    await assert.rejects(session.get(url), (err) => err instanceof ClientError);
  });

  it('stops an endless body at maxBodySize with ContentTooLargeError', async (t) => {
    const { url } = await hostile(t, (sock) =>
      onHead(sock, () => {
        sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        const chunk = `4000\r\n${'a'.repeat(0x4000)}\r\n`;
        const pump = (): void => {
          while (sock.writable && sock.write(chunk));
        };
        sock.on('drain', pump);
        pump();
      }),
    );
    await using session = new ClientSession({ maxBodySize: 1024 * 1024 });
    const resp = await session.get(url);
    await assert.rejects(resp.read(), (err) => err instanceof ContentTooLargeError);
  });

  it('refuses invalid chunked encoding with a typed error', async (t) => {
    const { url } = await hostile(t, (sock) => onHead(sock, () => sock.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n')));
    await using session = new ClientSession();
    await assert.rejects(
      session.get(url).then((r) => r.read()),
      (err) => err instanceof ClientError,
    );
  });

  it('raises ServerDisconnectedError when the server closes mid-response, and never retries a POST', async (t) => {
    const { url, conns } = await hostile(t, (sock) => onHead(sock, () => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')));
    await using session = new ClientSession({ connector: new TCPConnector() });
    await assert.rejects(
      session.post(url, { data: 'x' }).then((r) => r.read()),
      (err) => err instanceof ClientError,
    );
    const { url: url2, conns: conns2 } = await hostile(t, (sock) => onHead(sock, () => sock.destroy()));
    await assert.rejects(session.post(url2, { data: 'x' }), (err) => err instanceof ServerDisconnectedError);
    assert.equal(conns2(), 1, 'the POST was sent once');
    assert.equal(conns(), 1);
  });
});

describe('client against the shared framing corpus (test/security/corpus.ts)', () => {
  for (const c of FRAMING_CORPUS) {
    const want = c.client === 'head' ? 'ClientResponseParseError' : 'ClientPayloadError';
    it(`refuses ${c.name} in a response with ${want}, and opens a new connection next`, (t) =>
      refusedOnce(t, `HTTP/1.1 200 OK\r\n${c.fields}\r\n${c.body}`, {
        check: (err) => (c.client === 'head' ? err instanceof ClientResponseParseError : err instanceof ClientPayloadError && !(err instanceof ClientResponseParseError)),
        session: bounded,
      }));
  }

  it('refuses a bare LF status line end and bare LF line endings with ClientResponseParseError', async (t) => {
    for (const raw of ['HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok']) {
      await refusedOnce(t, raw, { check: (err) => err instanceof ClientResponseParseError, session: bounded });
    }
  });

  it('stops a flood of interim 1xx responses with ClientResponseParseError after 100', (t) =>
    refusedOnce(t, 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'.repeat(1000), {
      check: (err) => err instanceof ClientResponseParseError && /interim/.test(err.message),
      session: bounded,
    }));

  it('skips up to 100 interim 1xx responses before the final one', async (t) => {
    const { url } = await hostile(t, (sock) =>
      onHead(sock, () => sock.write(`${'HTTP/1.1 103 Early Hints\r\n\r\n'.repeat(100)}HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`)),
    );
    await using session = bounded();
    assert.equal(await (await session.get(url)).text(), 'ok');
  });

  it('ignores a body sent in answer to HEAD and never hands it to the next request', async (t) => {
    const smuggled = 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil';
    const { url, conns } = await hostile(t, (sock) =>
      onHead(sock, (head) =>
        sock.write(head.startsWith('HEAD') ? `HTTP/1.1 200 OK\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}` : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
      ),
    );
    await using session = bounded();
    const head = await session.head(url);
    assert.equal(head.status, 200);
    assert.equal((await head.read()).length, 0);
    assert.equal(await (await session.get(url)).text(), 'ok');
    assert.equal(conns(), 2, 'the connection with bytes after the HEAD response was not reused');
  });
});
