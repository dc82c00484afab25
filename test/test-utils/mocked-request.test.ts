import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as web from '../../src/server/index.js';
import { makeMockedRequest, mockedRequestOutput } from '../../src/test-utils/index.js';

describe('makeMockedRequest', () => {
  it('gives a real web.Request with method, path, query, headers and matchInfo', () => {
    const req = makeMockedRequest('get', '/users/7?x=1&x=2', { headers: { 'X-Token': 'abc' }, matchInfo: { id: '7' } });
    assert.ok(req instanceof web.Request);
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/users/7');
    assert.equal(req.pathQs, '/users/7?x=1&x=2');
    assert.deepEqual(req.query.getAll('x'), ['1', '2']);
    assert.equal(req.headers.get('x-token'), 'abc');
    assert.equal(req.matchInfo.id, '7');
    assert.equal(req.remote, '127.0.0.1');
    assert.equal(req.url.href, 'http://127.0.0.1/users/7?x=1&x=2');
  });

  it('lets a handler read the body as text, JSON and bytes', async () => {
    const text = makeMockedRequest('POST', '/', { body: 'héllo' });
    assert.equal(text.headers.get('content-length'), String(Buffer.byteLength('héllo')));
    assert.equal(await text.text(), 'héllo');
    const json = makeMockedRequest('POST', '/', { body: { a: [1, 2] } });
    assert.equal(json.contentType, 'application/json');
    assert.deepEqual(await json.json(), { a: [1, 2] });
    const bytes = makeMockedRequest('PUT', '/', { body: new Uint8Array([1, 2, 3]) });
    assert.deepEqual([...(await bytes.read())], [1, 2, 3]);
    const empty = makeMockedRequest('GET', '/');
    assert.equal((await empty.read()).length, 0);
  });

  it('streams an async iterable body as chunked', async () => {
    const req = makeMockedRequest('POST', '/upload', {
      body: (async function* () {
        yield Buffer.from('a');
        yield Buffer.from('b');
      })(),
    });
    assert.equal(req.headers.get('transfer-encoding'), 'chunked');
    let all = '';
    for await (const chunk of req.content as AsyncIterable<Buffer>) all += chunk.toString();
    assert.equal(all, 'ab');
  });

  it('parses a urlencoded form with post()', async () => {
    const req = makeMockedRequest('POST', '/', { body: 'a=1&b=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const form = await req.post();
    assert.equal(form.get('a'), '1');
    assert.equal(form.get('b'), '2');
  });

  it('runs a handler whose response the test inspects', async () => {
    const handler = async (request: web.Request<{ id: string }>): Promise<web.Response> => {
      const { name } = (await request.json()) as { name: string };
      return web.jsonResponse({ id: request.matchInfo.id, name }, { status: 201 });
    };
    const req = makeMockedRequest<{ id: string }>('POST', '/users/7', { matchInfo: { id: '7' }, body: { name: 'ann' } });
    const resp = await handler(req);
    assert.equal(resp.status, 201);
    assert.equal(resp.contentType, 'application/json');
    assert.equal(resp.text, '{"id":"7","name":"ann"}');
  });

  it('records what a prepared StreamResponse writes', async () => {
    const req = makeMockedRequest('GET', '/stream');
    const resp = new web.StreamResponse({ headers: { 'X-Kind': 'stream' } });
    resp.contentLength = 5;
    await resp.prepare(req);
    await resp.write('hel');
    await resp.writeEof('lo');
    const raw = (await mockedRequestOutput(req)).toString();
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(raw, /\r\nX-Kind: stream\r\n/i);
    assert.ok(raw.endsWith('\r\n\r\nhello'), raw);
  });

  it('uses the given app and raises HTTP exceptions from the handler as usual', async () => {
    const app = new web.Application();
    const req = makeMockedRequest('GET', '/', { app });
    assert.equal(req.app, app);
    const handler = (): web.Response => {
      throw new web.HTTPForbidden();
    };
    assert.throws(handler, web.HTTPForbidden);
    assert.throws(() => makeMockedRequest('GET', 'no-slash'), TypeError);
  });
});
