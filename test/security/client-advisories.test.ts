/**
 * The client-side advisory classes aiohttp has closed, closed here too (issue 16): multipart part
 * header injection, Digest auth answering other origins, session auth sent to other origins, an
 * unbounded DNS cache, bodies dropped on 301/302, compression ratio bombs, a world-readable saved
 * cookie jar, and cookies the jar must refuse.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientSession, FormData, InvalidPartHeaderError, MultipartWriter } from '../../src/index.js';

/** A loopback server running `handler`; closed after the test. */
async function serve(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('client advisories: multipart writer header injection', () => {
  it('refuses CR, LF and NUL in part headers, content types, names and file names with InvalidPartHeaderError', async (t) => {
    const injected = 'text/plain\r\nContent-Disposition: form-data; name="admin"';
    assert.throws(() => new FormData().addField('a', 'x', { contentType: injected }), InvalidPartHeaderError);
    assert.throws(() => new FormData().addField('a', 'x', { contentType: 'text/plain\0' }), InvalidPartHeaderError);
    assert.throws(() => new FormData().addField('a\0b', 'x'), InvalidPartHeaderError);
    assert.throws(() => new FormData().addField('a', 'x', { filename: 'f\0.txt' }), InvalidPartHeaderError);
    const w = new MultipartWriter();
    assert.throws(() => w.append('x', [['X-Note', 'a\r\n\r\n--injected']]), InvalidPartHeaderError);
    assert.throws(() => w.append('x', [['X-Note', 'a\nb']]), InvalidPartHeaderError);
    assert.throws(() => w.append('x', [['X-Bad\r\nName', 'v']]), (e: unknown) => e instanceof InvalidPartHeaderError && e.code === 'ERR_MULTIPART_INVALID_PART_HEADER');
    assert.equal(w.parts.length, 0, 'nothing appended');
    // A header changed after append() is checked when the body is written.
    const late = new MultipartWriter();
    late.append('x', [['X-Note', 'fine']]);
    late.parts[0]!.headers[0]![1] = 'evil\r\nX-Injected: 1';
    let seen: Buffer = Buffer.alloc(0);
    const url = await serve(t, (req, res) => {
      void bodyOf(req).then((b) => {
        seen = b;
        res.end('ok');
      }, () => res.end());
    });
    await using session = new ClientSession();
    await assert.rejects(session.post(url, { data: late }), InvalidPartHeaderError);
    assert.doesNotMatch(seen.toString('latin1'), /X-Injected/);
    // CR and LF in a field name are escaped as browsers do, never written raw.
    const form = new FormData().addField('a\r\nX-Injected: 1', 'v', { filename: 'n\r\n.txt' });
    const chunks: Buffer[] = [];
    const p = form.toPayload();
    for await (const c of p.body() as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('latin1');
    assert.doesNotMatch(text, /\r\nX-Injected/);
    assert.match(text, /name="a%0D%0AX-Injected: 1"; filename="n%0D%0A.txt"/);
  });
});
