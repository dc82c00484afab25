/** The client against hostile raw `net` servers: endless heads and bodies, bad chunking, cut responses. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostile, onHead } from '../helpers/raw-server.js';
import { ClientSession, ClientError, ServerDisconnectedError, ContentTooLargeError, TCPConnector } from '../../src/index.js';

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
