import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as web from '../../src/server/index.js';
import { captureLogger, parseRaw, rawRequest, serve } from '../helpers/server.js';
import { needs, peerPath } from '../helpers/peers.js';

const run = promisify(execFile);

describe('ServerProtocol', () => {
  it('answers 404 for an unknown path and 405 with Allow for a known one', async (t) => {
    const app = new web.Application();
    app.router.addGet('/thing', () => new web.Response({ text: 'thing' }));
    app.router.addPut('/thing', () => new web.Response({ text: 'put' }));
    const { url } = await serve(app, t);
    const nf = await fetch(`${url}/nothing`);
    assert.equal(nf.status, 404);
    assert.equal(nf.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await nf.text(), '404: Not Found');
    assert.equal(nf.headers.get('connection'), 'keep-alive', 'an error without an unread body keeps the connection');
    const na = await fetch(`${url}/thing`, { method: 'POST' });
    assert.equal(na.status, 405);
    assert.equal(na.headers.get('allow'), 'GET,HEAD,PUT');
    assert.equal(await na.text(), '405: Method Not Allowed');
  });

  it('sends a JSON error body when the client accepts JSON and not HTML', async (t) => {
    const app = new web.Application();
    app.router.addGet('/teapot', () => {
      throw new web.HTTPConflict({ text: 'already exists' });
    });
    const { url } = await serve(app, t);
    const json = await fetch(`${url}/teapot`, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 409);
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await json.json(), { error: { status: 409, reason: 'Conflict', message: 'already exists' } });
    const browser = await fetch(`${url}/teapot`, { headers: { accept: 'text/html,application/json;q=0.9' } });
    assert.equal(await browser.text(), 'already exists');
  });

  it('turns HTTP exceptions thrown by handlers, sync or async, into responses', async (t) => {
    const app = new web.Application();
    app.router.addGet('/sync', () => {
      throw new web.HTTPFound('/elsewhere', { headers: { 'X-Why': 'moved' } });
    });
    app.router.addGet('/async', async () => {
      await Promise.resolve();
      throw new web.HTTPTooManyRequests({ reason: 'Slow Down', body: Buffer.from('wait'), contentType: 'text/x-wait' });
    });
    const { url } = await serve(app, t);
    const found = await fetch(`${url}/sync`, { redirect: 'manual' });
    assert.equal(found.status, 302);
    assert.equal(found.headers.get('location'), '/elsewhere');
    assert.equal(found.headers.get('x-why'), 'moved');
    assert.equal(await found.text(), '302: Found');
    const many = await fetch(`${url}/async`);
    assert.equal(many.status, 429);
    assert.equal(many.statusText, 'Slow Down');
    assert.equal(many.headers.get('content-type'), 'text/x-wait');
    assert.equal(await many.text(), 'wait');
  });

  it('answers unhandled errors with a 500 without the stack, and logs them', async (t) => {
    const logger = captureLogger();
    const app = new web.Application({ logger });
    app.router.addGet('/boom', () => {
      throw new Error('secret detail');
    });
    app.router.addGet('/bad', () => 'not a response' as unknown as web.Response);
    const shared = new web.Response({ text: 'once' });
    app.router.addGet('/reused', () => shared);
    const { url } = await serve(app, t);
    const res = await fetch(`${url}/boom`);
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.equal(body, '500: Internal Server Error');
    assert.doesNotMatch(body, /secret|at /);
    assert.equal(logger.errors.length, 1);
    assert.match(String((logger.errors[0]![1] as Error).message), /secret detail/);
    const bad = await fetch(`${url}/bad`);
    assert.equal(bad.status, 500);
    assert.match(String((logger.errors[1]![1] as Error).message), /non-response/);
    assert.equal((await fetch(`${url}/reused`)).status, 200);
    const reused = await fetch(`${url}/reused`);
    assert.equal(reused.status, 500);
    assert.match(String((logger.errors[2]![1] as Error).message), /already sent/);
  });

  it('answers pipelined requests in order even when handlers finish out of order', async (t) => {
    const app = new web.Application();
    app.router.addGet('/wait/{ms}', async (request) => {
      await new Promise((r) => setTimeout(r, Number(request.matchInfo['ms'])));
      return new web.Response({ text: request.matchInfo['ms']! });
    });
    const { port } = await serve(app, t);
    const one = (ms: number, last = false): string => `GET /wait/${ms} HTTP/1.1\r\nHost: x\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
    const raw = await rawRequest(port, one(40) + one(1) + one(20, true));
    const bodies = raw.split('HTTP/1.1 200 OK').slice(1).map((part) => part.slice(part.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(bodies, ['40', '1', '20']);
  });

  it('closes a malformed request with 400 and keeps serving', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'fine' }));
    const { port, url } = await serve(app, t);
    for (const bad of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']) {
      const res = parseRaw(await rawRequest(port, bad));
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.headers['connection'], 'close');
      assert.equal(res.body, '400: Bad Request');
    }
    assert.equal(await (await fetch(url)).text(), 'fine');
  });

  it('answers oversized headers with 431', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'fine' }));
    const { port } = await serve(app, t, { maxHeaderSize: 1024 });
    const res = parseRaw(await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2048)}\r\n\r\n`));
    assert.equal(res.status, 431);
  });

  it('routes an upgrade request like any other and answers a normal route on the raw socket', async (t) => {
    const app = new web.Application();
    let sawUpgrade: unknown;
    app.router.addGet('/plain', (request) => {
      sawUpgrade = request._upgrade !== undefined;
      return new web.Response({ text: 'no upgrade here', status: 426 });
    });
    const { port } = await serve(app, t);
    const head = 'HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
    const res = parseRaw(await rawRequest(port, `GET /plain ${head}`));
    assert.equal(res.status, 426);
    assert.equal(res.headers['connection'], 'close');
    assert.equal(res.body, 'no upgrade here');
    assert.equal(sawUpgrade, true);
    const nf = parseRaw(await rawRequest(port, `GET /missing ${head}`));
    assert.equal(nf.status, 404);
  });

  it('lets a handler take an upgrade socket over through request._upgrade', async (t) => {
    const app = new web.Application({
      middlewares: [async (request, handler) => {
        const resp = await handler(request);
        resp.headers.set('X-Seen', 'mw');
        return resp;
      }],
    });
    app.router.addGet('/ws', (request) => {
      const up = request._upgrade!;
      request._hijacked = true;
      up.socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello');
      return new web.StreamResponse();
    });
    const { port } = await serve(app, t);
    const raw = await rawRequest(port, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    assert.equal(raw, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello');
  });

  it("serves Python's aiohttp client", needs('python3-aiohttp'), async (t) => {
    const app = new web.Application();
    app.router.addPost('/echo', async (request) => web.jsonResponse({ form: (await request.post()).toArray(), q: request.query.get('q') }));
    const { url } = await serve(app, t);
    const script = [
      'import asyncio, json, sys, aiohttp',
      'async def main():',
      '    async with aiohttp.ClientSession() as s:',
      '        async with s.post(sys.argv[1] + "/echo", params={"q": "é"}, data={"a": "1", "b": "x y"}) as r:',
      '            print(r.status, json.dumps(await r.json()))',
      '        async with s.get(sys.argv[1] + "/missing") as r:',
      '            print(r.status, await r.text())',
      'asyncio.run(main())',
    ].join('\n');
    const { stdout } = await run(peerPath('python3-aiohttp'), ['-c', script, url]);
    const [first, second] = stdout.trim().split('\n');
    assert.equal(first, '200 {"form": [["a", "1"], ["b", "x y"]], "q": "\\u00e9"}');
    assert.equal(second, '404 404: Not Found');
  });

  it('serves curl', needs('curl'), async (t) => {
    const app = new web.Application();
    app.router.addPost('/echo/{name}', async (request) => {
      const resp = web.jsonResponse({ name: request.matchInfo.name, body: await request.json(), ua: request.headers.get('user-agent')?.split('/')[0] });
      resp.setCookie('seen', 'yes');
      return resp;
    });
    const { url } = await serve(app, t);
    const { stdout } = await run(peerPath('curl'), ['-sS', '-i', '-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"x":1}', `${url}/echo/b%C3%B8`]);
    const res = parseRaw(stdout);
    assert.equal(res.status, 200);
    assert.equal(res.headers['set-cookie'], 'seen=yes; Path=/');
    assert.deepEqual(JSON.parse(res.body), { name: 'bø', body: { x: 1 }, ua: 'curl' });
    const head = await run(peerPath('curl'), ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${url}/nowhere`]);
    assert.equal(head.stdout, '404');
  });
});
