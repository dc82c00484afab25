import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import * as web from '../../src/server/index.js';
import { compileAccessLogFormat } from '../../src/server/access-log.js';
import { serve } from '../helpers/server.js';

describe('AccessLogger', () => {
  it('writes the default aiohttp format', async (t) => {
    const lines: string[] = [];
    const app = new web.Application();
    app.router.addGet('/x', () => new web.Response({ text: 'hello' }));
    const { url } = await serve(app, t, { accessLog: (line) => lines.push(line) });
    await (await fetch(`${url}/x?q=1`, { headers: { referer: 'http://ref.test/', 'user-agent': 'agent/1.0' } })).text();
    await (await fetch(`${url}/nope`)).text();
    await (await fetch(`${url}/x`, { method: 'HEAD' })).text();
    assert.equal(lines.length, 3);
    assert.match(lines[2]!, /"HEAD \/x HTTP\/1\.1" 200 0 /);
    assert.match(lines[0]!, /^127\.0\.0\.1 \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/x\?q=1 HTTP\/1\.1" 200 5 "http:\/\/ref\.test\/" "agent\/1\.0"$/);
    assert.match(lines[1]!, /"GET \/nope HTTP\/1\.1" 404 14 "-" "node"$/);
  });

  it('supports %P %T %Tf %D %{X}i %{X}o %{X}e and %%', async (t) => {
    const lines: string[] = [];
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'ok', headers: { 'X-Out': 'o1' } }));
    process.env['AIOHTTP_TS_TEST_ENV'] = 'envval';
    t.after(() => delete process.env['AIOHTTP_TS_TEST_ENV']);
    const { url } = await serve(app, t, {
      accessLog: { info: (line) => lines.push(line) },
      accessLogFormat: '%P %T %Tf %D %{X-In}i %{X-Out}o %{Content-Type}o %{AIOHTTP_TS_TEST_ENV}e 100%% %s',
    });
    await (await fetch(url, { headers: { 'x-in': 'i1' } })).text();
    assert.match(lines[0]!, new RegExp(`^<${process.pid}> 0 0\\.\\d{6} \\d+ i1 o1 text/plain; charset=utf-8 envval 100% 200$`));
  });

  it('logs the peer address of a client that left before the response ended', async (t) => {
    const lines: string[] = [];
    let logged!: () => void;
    const done = new Promise<void>((resolve) => (logged = resolve));
    const app = new web.Application();
    app.router.addGet('/feed', async (request) => {
      const resp = new web.StreamResponse();
      await resp.prepare(request);
      await resp.write('first');
      await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
      return resp;
    });
    const { port } = await serve(app, t, { accessLog: (line) => { lines.push(line); logged(); } });
    const sock = net.connect(port, '127.0.0.1');
    sock.write('GET /feed HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(sock, 'data');
    sock.destroy();
    await done;
    assert.match(lines[0] ?? '', /^127\.0\.0\.1 \[/);
  });

  it('refuses unknown tokens when compiling', () => {
    assert.throws(() => compileAccessLogFormat('%a %Q'), /unknown access log token/);
    assert.equal(compileAccessLogFormat('plain').length, 1);
  });
});
