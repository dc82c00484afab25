import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync, deflateSync, deflateRawSync, brotliCompressSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BasicAuth,
  ClientResponseError,
  ClientSession,
  ClientConnectorError,
  ClientError,
  ContentTooLargeError,
  ContentTypeError,
  FormData,
  InvalidUrlClientError,
  NonHttpUrlClientError,
  ClientSessionClosedError,
  MultiDict,
  ClientPayloadError,
  ServerDisconnectedError,
} from '../../src/index.js';
import { readBody, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

function echo(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString('latin1') }));
}

const routes: Record<string, Handler> = {
  '/echo': echo,
  '/text-json': (_req, res) => {
    res.setHeader('content-type', 'text/json;charset=utf-8');
    res.end(JSON.stringify({ status: 'ok' }));
  },
  '/gbk': (_req, res) => {
    res.setHeader('content-type', 'text/plain; charset=gbk');
    res.end(Buffer.from([0xc4, 0xe3, 0xba, 0xc3]));
  },
  '/latin1-nocharset': (_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(Buffer.from('héllo', 'utf8'));
  },
  '/status/404': (_req, res) => {
    res.statusCode = 404;
    res.statusMessage = 'Nope Not Here';
    res.end('missing');
  },
  '/headers': (_req, res) => {
    res.setHeader('X-Multi', ['a', 'b']);
    res.setHeader('Set-Cookie', ['c1=v1; Path=/', 'c2=v2; HttpOnly']);
    res.end('ok');
  },
  '/big': (_req, res) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let n = 0;
    const write = (): void => {
      while (n < 64) {
        n++;
        if (!res.write(chunk)) {
          res.once('drain', write);
          return;
        }
      }
      res.end();
    };
    write();
  },
  '/links': (_req, res) => {
    res.setHeader('link', ['<https://api.test/items?page=2>; rel="next"; title="Next, page"', '</items?page=1>; rel=first, <../up>']);
    res.end();
  },
  '/cut-body': (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('only ten!!');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/no-response': (req) => {
    req.socket.destroy();
  },
  '/lines': (_req, res) => {
    res.end('one\ntwo\nthree');
  },
  '/gzip': (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(gzipSync(Buffer.from('gzipped body')));
  },
  '/deflate': (_req, res) => {
    res.setHeader('content-encoding', 'deflate');
    res.end(deflateSync(Buffer.from('deflated body')));
  },
  '/deflate-raw': (_req, res) => {
    res.setHeader('content-encoding', 'deflate');
    res.end(deflateRawSync(Buffer.from('raw deflated body')));
  },
  '/br': (_req, res) => {
    res.setHeader('content-encoding', 'br');
    res.end(brotliCompressSync(Buffer.from('brotli body')));
  },
  '/bomb': (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(gzipSync(Buffer.alloc(4 * 1024 * 1024)));
  },
  '/empty-json': (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('');
  },
  '/problem-json': (_req, res) => {
    res.setHeader('content-type', 'application/problem+json');
    res.end('{"title":"x"}');
  },
};

describe('ClientSession (functional)', () => {
  let srv: TestServer;
  let session: ClientSession;
  let tmp: string;

  before(async () => {
    srv = await startServer((req, res) => {
      void readBody(req).then((body) => {
        const path = (req.url ?? '/').split('?')[0]!;
        const h = routes[path] ?? echo;
        h(req, res, body);
      });
    });
    session = new ClientSession({ baseUrl: srv.url });
    tmp = mkdtempSync(join(tmpdir(), 'aiohttp-ts-client-'));
  });
  after(async () => {
    await session.close();
    await srv.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('gets text with status, reason, ok, url and method', async () => {
    const resp = await session.get('/echo');
    assert.equal(resp.status, 200);
    assert.equal(resp.reason, 'OK');
    assert.equal(resp.ok, true);
    assert.equal(resp.method, 'GET');
    assert.equal(String(resp.url), `${srv.url}/echo`);
    assert.equal(resp.contentType, 'application/json');
    assert.equal(resp.charset, null);
    const data = (await resp.json()) as { method: string; headers: Record<string, string> };
    assert.equal(data.method, 'GET');
    assert.equal(data.headers['accept-encoding'], 'gzip, deflate, br');
    assert.equal(data.headers['accept'], '*/*');
    assert.ok(resp.closed);
  });

  it('skips auto headers per session and per request', async () => {
    type Echo = { headers: Record<string, string> };
    const d = (await (await session.get('/echo', { skipAutoHeaders: ['User-Agent', 'Accept-Encoding'] })).json()) as Echo;
    assert.equal(d.headers['user-agent'], undefined);
    assert.equal(d.headers['accept-encoding'], undefined);
    assert.equal(d.headers.accept, '*/*');
    await using s2 = new ClientSession({ skipAutoHeaders: ['accept'] });
    const e = (await (await s2.get(`${srv.url}/echo`)).json()) as Echo;
    assert.equal(e.headers.accept, undefined);
    assert.equal(e.headers['user-agent'], 'aiohttp-ts/0.1');
  });

  it('sends params from an object, pairs with repeated keys, a MultiDict and a string', async () => {
    const cases: Array<[unknown, string]> = [
      [{ key1: 'val1', key2: 'val2' }, '/echo?key1=val1&key2=val2'],
      [[['key1', 'val1'], ['key2', 'val2'], ['key2', 'val3']], '/echo?key1=val1&key2=val2&key2=val3'],
      [new MultiDict([['a', '1'], ['a', '2']]), '/echo?a=1&a=2'],
      ['x=1&y=2', '/echo?x=1&y=2'],
      [{ q: 'a b+c&d=é/?' }, '/echo?q=a+b%2Bc%26d%3D%C3%A9/?'],
      [{ n: 5, list: ['x', 'y'] }, '/echo?n=5&list=x&list=y'],
    ];
    for (const [params, expected] of cases) {
      const resp = await session.get('/echo', { params: params as never });
      assert.equal(String(resp.url), srv.url + expected);
      const data = (await resp.json()) as { url: string };
      assert.equal(data.url, expected);
    }
  });

  it('appends params to a query already in the URL', async () => {
    const resp = await session.get('/echo?a=1', { params: { b: '2' } });
    assert.equal(((await resp.json()) as { url: string }).url, '/echo?a=1&b=2');
  });

  it('sends an encoded URL unchanged and reports it unchanged', async () => {
    const url = `${srv.url}/querystring?key+1=val`;
    const resp = await session.get(url, { encoded: true });
    assert.equal(String(resp.url), url);
    assert.equal(((await resp.json()) as { url: string }).url, '/querystring?key+1=val');
    const weird = `${srv.url}/a%2fb?x=%7e`;
    const r2 = await session.get(weird, { encoded: true });
    assert.equal(((await r2.json()) as { url: string }).url, '/a%2fb?x=%7e');
  });

  it('raises ContentTypeError with aiohttp\'s message and str() form', async () => {
    const resp = await session.post('/text-json', { json: { test: 'object' } });
    await assert.rejects(resp.json(), (err: unknown) => {
      assert.ok(err instanceof ContentTypeError);
      assert.ok(err instanceof ClientResponseError);
      assert.ok(err instanceof ClientError);
      assert.equal(err.message, 'Attempt to decode JSON with unexpected mimetype: text/json;charset=utf-8');
      assert.equal(err.status, 0);
      assert.equal(err.code, 'ERR_CLIENT_CONTENT_TYPE');
      assert.equal(String(err), `0, message='Attempt to decode JSON with unexpected mimetype: text/json;charset=utf-8', url='${srv.url}/text-json'`);
      return true;
    });
    assert.equal(resp.status, 200);
    assert.equal(await resp.text(), '{"status":"ok"}');
    assert.deepEqual(await resp.json({ contentType: null }), { status: 'ok' });
  });

  it('accepts +json mimetypes and returns null for an empty JSON body', async () => {
    assert.deepEqual(await (await session.get('/problem-json')).json(), { title: 'x' });
    assert.equal(await (await session.get('/empty-json')).json(), null);
    const custom = await session.get('/echo');
    assert.equal(await custom.json({ loads: (t) => t.length }), ((await custom.read()).length));
  });

  it('decodes text with the header charset, an explicit encoding, or utf-8', async () => {
    assert.equal(await (await session.get('/gbk')).text(), '你好');
    const r = await session.get('/gbk');
    assert.equal(await r.text('latin1'), Buffer.from([0xc4, 0xe3, 0xba, 0xc3]).toString('latin1'));
    assert.equal(await (await session.get('/latin1-nocharset')).text(), 'héllo');
  });

  it('exposes headers case-insensitively, raw headers and cookies', async () => {
    const resp = await session.get('/headers');
    assert.equal(resp.headers.get('X-MULTI'), 'a');
    assert.deepEqual(resp.headers.getAll('x-multi'), ['a', 'b']);
    assert.deepEqual(resp.headers.getAll('set-cookie'), ['c1=v1; Path=/', 'c2=v2; HttpOnly']);
    assert.deepEqual(resp.rawHeaders.filter(([k]) => k === 'X-Multi'), [['X-Multi', 'a'], ['X-Multi', 'b']]);
    assert.equal(resp.cookies.c1!.value, 'v1');
    assert.equal(resp.cookies.c2!.httpOnly, true);
    assert.equal(resp.contentLength, 2);
    resp.release();
  });

  it('parses Link headers into links by rel', async () => {
    const resp = await session.get('/links');
    const links = resp.links;
    assert.equal(links.get('next')!.url.href, 'https://api.test/items?page=2');
    assert.equal(links.get('next')!.params.title, 'Next, page');
    assert.equal(links.get('first')!.url.href, `${srv.url}/items?page=1`);
    assert.equal(links.get(`${srv.url}/up`)!.url.href, `${srv.url}/up`);
    resp.release();
  });

  it('raiseForStatus throws ClientResponseError with status, message and history', async () => {
    const resp = await session.get('/status/404');
    assert.equal(resp.ok, false);
    assert.equal(resp.reason, 'Nope Not Here');
    assert.throws(() => resp.raiseForStatus(), (err: unknown) => {
      assert.ok(err instanceof ClientResponseError);
      assert.equal(err.status, 404);
      assert.equal(err.message, 'Nope Not Here');
      assert.equal(err.requestInfo.method, 'GET');
      assert.equal(String(err), `404, message='Nope Not Here', url='${srv.url}/status/404'`);
      return true;
    });
    await assert.rejects(session.get('/status/404', { raiseForStatus: true }), ClientResponseError);
    const s2 = new ClientSession({ baseUrl: srv.url, raiseForStatus: true });
    try {
      await assert.rejects(s2.get('/status/404'), (e: unknown) => e instanceof ClientResponseError && e.status === 404);
      const ok = await s2.get('/echo');
      assert.equal(ok.status, 200);
      ok.release();
    } finally {
      await s2.close();
    }
  });

  it('streams a large body with read(n), bounded buffering, and iterChunked', async () => {
    const resp = await session.get('/big');
    let total = 0;
    let maxBuffered = 0;
    for (;;) {
      const chunk = await resp.content.read(1024);
      if (chunk.length === 0) break;
      assert.ok(chunk.length <= 1024);
      total += chunk.length;
      maxBuffered = Math.max(maxBuffered, resp.content.bufferedBytes);
    }
    assert.equal(total, 64 * 64 * 1024);
    assert.ok(maxBuffered < 1024 * 1024, `buffered ${maxBuffered}`);
    const r2 = await session.get('/big');
    let n = 0;
    for await (const c of r2.content.iterChunked(10_000)) {
      assert.ok(c.length <= 10_000);
      n += c.length;
    }
    assert.equal(n, 64 * 64 * 1024);
    const r3 = await session.get('/big');
    let m = 0;
    for await (const c of r3.content) m += c.length;
    assert.equal(m, 64 * 64 * 1024);
  });

  it('reads lines and exact sizes from content', async () => {
    const resp = await session.get('/lines');
    assert.equal((await resp.content.readline()).toString(), 'one\n');
    assert.equal((await resp.content.readExactly(4)).toString(), 'two\n');
    assert.equal((await resp.content.readline()).toString(), 'three');
    assert.equal((await resp.content.readline()).length, 0);
    const r2 = await session.get('/lines');
    const lines: string[] = [];
    for await (const l of r2.content.iterLine()) lines.push(l.toString());
    assert.deepEqual(lines, ['one\n', 'two\n', 'three']);
  });

  it('posts json with the session serialiser', async () => {
    const s = new ClientSession({ baseUrl: srv.url, jsonSerialize: (v) => JSON.stringify(v, null, 1) });
    try {
      const resp = await s.post('/echo', { json: { test: 'object' } });
      const data = (await resp.json()) as { body: string; headers: Record<string, string> };
      assert.equal(data.body, '{\n "test": "object"\n}');
      assert.equal(data.headers['content-type'], 'application/json');
    } finally {
      await s.close();
    }
  });

  it('posts objects and pairs urlencoded, bytes as octet-stream, strings as text/plain', async () => {
    type Echo = { method: string; body: string; headers: Record<string, string> };
    let d = (await (await session.post('/echo', { data: { key1: 'val1', key2: 'v 2' } })).json()) as Echo;
    assert.equal(d.body, 'key1=val1&key2=v+2');
    assert.equal(d.headers['content-type'], 'application/x-www-form-urlencoded');
    d = (await (await session.post('/echo', { data: [['a', '1'], ['a', '2']] })).json()) as Echo;
    assert.equal(d.body, 'a=1&a=2');
    d = (await (await session.post('/echo', { data: Buffer.from("{'key1': 'val1'}") })).json()) as Echo;
    assert.equal(d.body, "{'key1': 'val1'}");
    assert.equal(d.headers['content-type'], 'application/octet-stream');
    assert.equal(d.headers['content-length'], '16');
    d = (await (await session.put('/echo', { data: new Uint8Array([1, 2, 3]) })).json()) as Echo;
    assert.equal(d.method, 'PUT');
    assert.equal(d.body, '\x01\x02\x03');
    d = (await (await session.patch('/echo', { data: 'héllo' })).json()) as Echo;
    assert.equal(d.method, 'PATCH');
    assert.equal(Buffer.from(d.body, 'latin1').toString('utf8'), 'héllo');
    assert.equal(d.headers['content-type'], 'text/plain; charset=utf-8');
    d = (await (await session.post('/echo', { data: Buffer.from('GIF89a'), headers: { 'content-type': 'image/gif' } })).json()) as Echo;
    assert.equal(d.headers['content-type'], 'image/gif');
  });

  it('streams a Readable, an async generator and a file without reading them whole', async () => {
    type Echo = { body: string; headers: Record<string, string> };
    async function* gen(): AsyncGenerator<string | Buffer> {
      yield 'part1-';
      yield Buffer.from('part2');
    }
    let d = (await (await session.post('/echo', { data: gen() })).json()) as Echo;
    assert.equal(d.body, 'part1-part2');
    assert.equal(d.headers['transfer-encoding'], 'chunked');
    d = (await (await session.post('/echo', { data: Readable.from([Buffer.from('abc'), Buffer.from('def')]) })).json()) as Echo;
    assert.equal(d.body, 'abcdef');
    const p = join(tmp, 'upload.bin');
    writeFileSync(p, Buffer.alloc(300_000, 0x62));
    d = (await (await session.post('/echo', { data: createReadStream(p) })).json()) as Echo;
    assert.equal(d.body.length, 300_000);
    assert.equal(d.headers['content-length'], '300000');
  });

  it('sends FormData and { file: stream } as multipart with the file streamed', async () => {
    type Echo = { body: string; headers: Record<string, string> };
    const p = join(tmp, 'report.xls');
    writeFileSync(p, 'spreadsheet-bytes');
    const form = new FormData();
    form.addField('name', 'value');
    form.addField('file', createReadStream(p), { filename: 'xxx.xls', contentType: 'application/vnd.ms-excel' });
    form.addField('we"ird\nname', 'x', { filename: 'a"b.txt' });
    let d = (await (await session.post('/echo', { data: form })).json()) as Echo;
    const ct = d.headers['content-type']!;
    assert.match(ct, /^multipart\/form-data; boundary=[0-9a-f]{32}$/);
    const boundary = ct.split('boundary=')[1]!;
    assert.ok(d.body.includes(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nvalue\r\n`));
    assert.ok(d.body.includes('Content-Disposition: form-data; name="file"; filename="xxx.xls"\r\nContent-Type: application/vnd.ms-excel\r\n\r\nspreadsheet-bytes\r\n'));
    assert.ok(d.body.includes('name="we%22ird%0Aname"; filename="a%22b.txt"'));
    assert.ok(d.body.endsWith(`--${boundary}--\r\n`));
    assert.equal(Number(d.headers['content-length']), Buffer.byteLength(d.body, 'latin1'));
    d = (await (await session.post('/echo', { data: { file: createReadStream(p), other: 'x' } })).json()) as Echo;
    assert.match(d.headers['content-type']!, /^multipart\/form-data/);
    assert.ok(d.body.includes('name="file"; filename="report.xls"\r\nContent-Type: application/octet-stream\r\n\r\nspreadsheet-bytes'));
    const urlencodedForm = new FormData({ a: '1', b: 'two words' });
    d = (await (await session.post('/echo', { data: urlencodedForm })).json()) as Echo;
    assert.equal(d.body, 'a=1&b=two+words');
  });

  it('sends a sized body chunked on request', async () => {
    type Echo = { body: string; headers: Record<string, string> };
    const d = (await (await session.post('/echo', { data: 'abc', chunked: true })).json()) as Echo;
    assert.equal(d.headers['transfer-encoding'], 'chunked');
    assert.equal(d.headers['content-length'], undefined);
    assert.equal(d.body, 'abc');
  });

  it('refuses data and json together', async () => {
    await assert.rejects(session.post('/echo', { data: 'x', json: {} }), {
      name: 'TypeError',
      message: 'data and json parameters can not be used at the same time',
    });
  });

  it('sends BasicAuth from the session, the request and URL credentials', async () => {
    type Echo = { headers: Record<string, string> };
    const auth = new BasicAuth('user', 'pass');
    assert.equal(auth.encode(), 'Basic dXNlcjpwYXNz');
    assert.deepEqual(BasicAuth.decode('Basic dXNlcjpwYXNz'), auth);
    let d = (await (await session.get('/echo', { auth })).json()) as Echo;
    assert.equal(d.headers.authorization, 'Basic dXNlcjpwYXNz');
    d = (await (await session.get(`http://u:p@127.0.0.1:${srv.port}/echo`)).json()) as Echo;
    assert.equal(d.headers.authorization, new BasicAuth('u', 'p').encode());
    const s = new ClientSession({ baseUrl: srv.url, auth: new BasicAuth('s', 't'), headers: { 'X-Default': '1' } });
    try {
      d = (await (await s.get('/echo', { headers: { 'x-default': '2', 'X-Other': 'o' } })).json()) as Echo;
      assert.equal(d.headers.authorization, new BasicAuth('s', 't').encode());
      assert.equal(d.headers['x-default'], '2');
      assert.equal(d.headers['x-other'], 'o');
    } finally {
      await s.close();
    }
  });

  it('sends HEAD, OPTIONS and DELETE', async () => {
    const h = await session.head('/echo');
    assert.equal(h.status, 200);
    assert.equal((await h.read()).length, 0);
    for (const m of ['options', 'delete'] as const) {
      const r = await session[m]('/echo');
      assert.equal(((await r.json()) as { method: string }).method, m.toUpperCase());
    }
  });

  it('decompresses gzip, deflate (zlib and raw) and br transparently', async () => {
    assert.equal(await (await session.get('/gzip')).text(), 'gzipped body');
    assert.equal(await (await session.get('/deflate')).text(), 'deflated body');
    assert.equal(await (await session.get('/deflate-raw')).text(), 'raw deflated body');
    assert.equal(await (await session.get('/br')).text(), 'brotli body');
    const raw = await session.get('/gzip', { autoDecompress: false });
    assert.deepEqual(await raw.read(), gzipSync(Buffer.from('gzipped body')));
  });

  it('caps the decompressed size with a typed error', async () => {
    const s = new ClientSession({ baseUrl: srv.url, maxDecompressSize: 1024 * 1024 });
    try {
      const resp = await s.get('/bomb');
      await assert.rejects(resp.read(), (e: unknown) => e instanceof ContentTooLargeError && e.code === 'ERR_CLIENT_CONTENT_TOO_LARGE');
    } finally {
      await s.close();
    }
  });

  it('maps bad URLs and refused connections to typed errors', async () => {
    await assert.rejects(session.get('ftp://example.com/x'), NonHttpUrlClientError);
    await assert.rejects(session.get('http://'), InvalidUrlClientError);
    const dead = await startServer(() => {});
    const port = dead.port;
    await dead.close();
    await assert.rejects(session.get(`http://127.0.0.1:${port}/`), (e: unknown) => {
      assert.ok(e instanceof ClientConnectorError);
      assert.equal(e.host, '127.0.0.1');
      assert.equal(e.port, port);
      assert.match(e.message, /Cannot connect to host 127\.0\.0\.1:\d+/);
      return true;
    });
  });

  it('fails a cut body with ClientPayloadError and a dropped connection with ServerDisconnectedError', async () => {
    const resp = await session.get('/cut-body');
    await assert.rejects(resp.read(), (e: unknown) => e instanceof ClientPayloadError && /not completed/.test(e.message));
    await assert.rejects(session.get('/no-response'), ServerDisconnectedError);
  });

  it('refuses requests after close and closes with await using', async () => {
    let inner: ClientSession;
    {
      await using s = new ClientSession({ baseUrl: srv.url });
      inner = s;
      await using r = await s.get('/echo');
      assert.equal(r.status, 200);
    }
    assert.equal(inner.closed, true);
    await assert.rejects(inner.get('/echo'), ClientSessionClosedError);
  });
});
