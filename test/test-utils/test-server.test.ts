import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as web from '../../src/server/index.js';
import { RawTestServer, TestServer, TestServerClosedError } from '../../src/test-utils/index.js';

function helloApp(log: string[] = []): web.Application {
  const app = new web.Application();
  app.router.addGet('/', () => new web.Response({ text: 'hi' }));
  app.onStartup.push(() => void log.push('startup'));
  app.onCleanup.push(() => void log.push('cleanup'));
  return app;
}

describe('TestServer', () => {
  it('serves the app on a free loopback port and builds URLs', async () => {
    const log: string[] = [];
    const server = new TestServer(helloApp(log));
    assert.equal(server.port, undefined);
    assert.throws(() => server.url('/'), /not started/);
    await server.start();
    await server.start();
    assert.ok(server.started);
    assert.ok(typeof server.port === 'number' && server.port > 0);
    assert.equal(server.url('/a?b=1'), `http://127.0.0.1:${server.port}/a?b=1`);
    assert.equal(server.makeUrl('x').href, `http://127.0.0.1:${server.port}/x`);
    assert.throws(() => server.makeUrl('http://example.com/'), TypeError);
    const resp = await fetch(server.url('/'));
    assert.equal(await resp.text(), 'hi');
    assert.deepEqual(log, ['startup']);
    await server.close();
    await server.close();
    assert.deepEqual(log, ['startup', 'cleanup']);
    assert.ok(server.closed);
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/`));
    await assert.rejects(server.start(), TestServerClosedError);
  });

  it('closes with await using', async () => {
    const log: string[] = [];
    let port: number | undefined;
    {
      await using server = new TestServer(helloApp(log), { host: '127.0.0.1' });
      await server.start();
      port = server.port;
    }
    assert.deepEqual(log, ['startup', 'cleanup']);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
  });

  it('passes runner options such as maxHeaderSize through', async (t) => {
    const server = new TestServer(helloApp(), { maxHeaderSize: 1024 });
    t.after(() => server.close());
    await server.start();
    const resp = await fetch(server.url('/'), { headers: { 'x-big': 'a'.repeat(2000) } });
    assert.equal(resp.status, 431);
  });

  it('refuses what it cannot serve', () => {
    assert.throws(() => new TestServer({} as web.Application), TypeError);
    assert.throws(() => new TestServer(helloApp(), { scheme: 'https' as 'http' }), RangeError);
  });
});

describe('RawTestServer', () => {
  it('sends every method and path to one handler', async (t) => {
    const server = new RawTestServer((request) => new web.Response({ text: `${request.method} ${request.pathQs}` }));
    t.after(() => server.close());
    await server.start();
    assert.equal(await (await fetch(server.url('/'))).text(), 'GET /');
    assert.equal(await (await fetch(server.url('/deep/path?q=1'), { method: 'DELETE' })).text(), 'DELETE /deep/path?q=1');
    assert.equal(typeof server.handler, 'function');
    assert.ok(server.app instanceof web.Application);
  });
});
