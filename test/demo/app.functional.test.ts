import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createDemoApp } from '../../src/demo/app.js';
import { serve, type Served } from '../helpers/server.js';
import { needs, peerPath } from '../helpers/peers.js';

const run = promisify(execFile);

describe('demo app', () => {
  let served: Served;
  before(async () => {
    served = await serve(createDemoApp());
  });
  after(() => served.close());

  const get = (path: string, init?: RequestInit) => fetch(`${served.url}${path}`, { redirect: 'manual', ...init });

  it('greets on / and /{name}, percent-decoded', async () => {
    const root = await get('/');
    assert.equal(root.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await root.text(), 'hello, shadaileng');
    assert.equal(await (await get('/%E4%B8%96%E7%95%8C')).text(), 'hello, 世界');
  });

  it('lets fixed routes win over /{name}', async () => {
    const res = await get('/headers');
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.ok(((await res.json()) as { headers: object }).headers);
  });

  it('echoes the query string exactly and its pairs in order', async () => {
    const res = await get('/querystring?key1=val1&key2=val2&key2=val3&key+1=v%20');
    assert.deepEqual(await res.json(), {
      url: '/querystring?key1=val1&key2=val2&key2=val3&key+1=v%20',
      query: [['key1', 'val1'], ['key2', 'val2'], ['key2', 'val3'], ['key 1', 'v ']],
    });
  });

  it('answers POST / with text/json as in the notes, and invalid JSON with a JSON 400', async () => {
    const ok = await get('/', { method: 'POST', body: '{"test":"object"}', headers: { 'content-type': 'application/json' } });
    assert.equal(ok.headers.get('content-type'), 'text/json;charset=utf-8');
    assert.deepEqual(await ok.json(), { status: 'ok' });
    const bad = await get('/', { method: 'POST', body: '{bad', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { status: number; message: string } };
    assert.equal(body.error.status, 400);
    assert.match(body.error.message, /JSON/);
  });

  it('describes any request on /anything: json, form, text and bytes', async () => {
    const json = (await (await get('/anything/a/b?x=1', { method: 'PUT', body: '{"k":[1,2]}', headers: { 'content-type': 'application/json' } })).json()) as Record<string, unknown>;
    assert.equal(json['method'], 'PUT');
    assert.deepEqual(json['json'], { k: [1, 2] });
    assert.deepEqual(json['query'], [['x', '1']]);
    assert.match(String(json['url']), /\/anything\/a\/b\?x=1$/);

    const form = (await (await get('/anything', { method: 'POST', body: new URLSearchParams([['a', '1'], ['b', '世'], ['a', '2']]) })).json()) as Record<string, unknown>;
    assert.deepEqual(form['form'], [['a', '1'], ['b', '世'], ['a', '2']]);

    const bytes = Buffer.from([0, 1, 2, 255]);
    const bin = (await (await get('/anything', { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } })).json()) as Record<string, unknown>;
    assert.equal(bin['size'], 4);
    assert.equal(bin['sha256'], createHash('sha256').update(bytes).digest('hex'));

    const text = (await (await get('/anything', { method: 'POST', body: 'plain words' })).json()) as Record<string, unknown>;
    assert.equal(text['data'], 'plain words');
  });

  it('hashes a streamed upload', async () => {
    const chunks = [Buffer.alloc(300_000, 1), Buffer.alloc(5, 2)];
    const stream = new ReadableStream({ start(c) { for (const ch of chunks) c.enqueue(ch); c.close(); } });
    const res = await get('/upload', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    const expected = createHash('sha256');
    for (const ch of chunks) expected.update(ch);
    assert.deepEqual(await res.json(), { size: 300_005, sha256: expected.digest('hex') });
  });

  it('sends n bytes with a length on /bytes/{n} and chunked on /stream/{n}', async () => {
    const fixed = await get('/bytes/70000');
    assert.equal(fixed.headers.get('content-length'), '70000');
    assert.equal((await fixed.arrayBuffer()).byteLength, 70000);
    const chunked = await get('/stream/70000');
    assert.equal(chunked.headers.get('content-length'), null);
    assert.equal(chunked.headers.get('transfer-encoding'), 'chunked');
    assert.equal((await chunked.arrayBuffer()).byteLength, 70000);
    assert.equal((await get('/bytes/abc')).status, 400);
    assert.equal((await get('/bytes/999999999999')).status, 400);
  });

  it('sets, shows and deletes cookies with redirects to /cookies', async () => {
    const set = await get('/cookies/set?a=1&b=2');
    assert.equal(set.status, 302);
    assert.equal(set.headers.get('location'), '/cookies');
    assert.deepEqual(set.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
    const shown = await get('/cookies', { headers: { cookie: 'a=1; b=2' } });
    assert.deepEqual(await shown.json(), { cookies: { a: '1', b: '2' } });
    const del = await get('/cookies/delete?a');
    assert.equal(del.status, 302);
    assert.match(del.headers.getSetCookie()[0] ?? '', /^a=; .*Max-Age=0/);
  });

  it('redirects n times then answers, and redirects anywhere with a chosen code', async () => {
    const first = await get('/redirect/2');
    assert.equal(first.status, 302);
    assert.equal(first.headers.get('location'), '/redirect/1');
    const followed = await fetch(`${served.url}/redirect/3`);
    assert.deepEqual(await followed.json(), { redirected: true });
    const to = await get('/redirect-to?url=/headers&status_code=307');
    assert.equal(to.status, 307);
    assert.equal(to.headers.get('location'), '/headers');
    assert.equal((await get('/redirect-to?url=/x&status_code=200')).status, 400);
    assert.equal((await get('/redirect-to')).status, 400);
  });

  it('answers /status/{code} with that status and refuses nonsense with 400', async () => {
    assert.equal((await get('/status/418')).status, 418);
    const noContent = await get('/status/204');
    assert.equal(noContent.status, 204);
    assert.equal(await noContent.text(), '');
    assert.equal((await get('/status/99')).status, 400);
    assert.equal((await get('/status/x')).status, 400);
  });

  it('delays, and refuses delays over 10 seconds', async () => {
    const started = performance.now();
    const res = await get('/delay/0.2');
    assert.deepEqual(await res.json(), { delay: 0.2 });
    assert.ok(performance.now() - started >= 190);
    assert.equal((await get('/delay/11')).status, 400);
    assert.equal((await get('/delay/-1')).status, 400);
  });

  it('answers curl', needs('curl'), async () => {
    const { stdout } = await run(peerPath('curl'), ['-sS', '-d', '{"test":"object"}', '-H', 'content-type: application/json', '-w', '\\n%{http_code} %{content_type}', `${served.url}/`]);
    assert.equal(stdout, '{"status":"ok"}\n200 text/json;charset=utf-8');
  });

  it("answers Python aiohttp's client, whose json() refuses text/json as in the notes", needs('python3-aiohttp'), async () => {
    const script = `
import asyncio, sys, aiohttp
async def main(base):
    # unsafe=True: aiohttp's jar ignores cookies from IP-address hosts by default.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        async with s.get(base + '/querystring', params=[('key1', 'val1'), ('key2', 'val2'), ('key2', 'val3')]) as r:
            print(str(r.url)[len(base):])
        async with s.post(base + '/', json={'test': 'object'}) as r:
            try:
                await r.json()
            except Exception as e:
                print('exception: %s' % e)
            print(r.status, await r.text())
        async with s.get(base + '/cookies/set', params={'k': 'v'}) as r:
            print(len(r.history), await r.json())
asyncio.run(main(sys.argv[1]))
`;
    const { stdout } = await run(peerPath('python3-aiohttp'), ['-c', script, served.url]);
    assert.equal(stdout, [
      '/querystring?key1=val1&key2=val2&key2=val3',
      "exception: 0, message='Attempt to decode JSON with unexpected mimetype: text/json;charset=utf-8', url=URL('" + served.url + "/')",
      '200 {"status":"ok"}',
      "1 {'cookies': {'k': 'v'}}",
      '',
    ].join('\n'));
  });
});
