import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClientSession,
  TCPConnector,
  UnixConnector,
  UnixClientConnectorError,
  TraceConfig,
  retryMiddleware,
  ClientConnectionError,
  ClientResponseParseError,
} from '../../src/index.js';
import type { ClientMiddleware } from '../../src/index.js';
import { readBody, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

describe('TCPConnector (functional)', () => {
  let srv: TestServer;
  let inFlight = 0;
  let maxInFlight = 0;

  before(async () => {
    srv = await startServer((req, res) => {
      void readBody(req).then(() => {
        if (req.url === '/slow') {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          setTimeout(() => {
            inFlight--;
            res.end('slow');
          }, 30);
          return;
        }
        if (req.url === '/huge-header') {
          res.setHeader('x-huge', 'h'.repeat(20_000));
          res.end('ok');
          return;
        }
        if (req.url === '/big') {
          res.end(Buffer.alloc(1024 * 1024));
          return;
        }
        res.end('ok');
      });
    });
  });
  after(async () => {
    await srv.close();
  });

  it('reuses connections for 100 sequential requests', async () => {
    await using session = new ClientSession();
    const before = srv.connections;
    for (let i = 0; i < 100; i++) {
      const r = await session.get(`${srv.url}/`);
      assert.equal(await r.text(), 'ok');
    }
    // undici frees a socket one loop turn after the response, so back-to-back requests may
    // alternate between two sockets; never more.
    assert.ok(srv.connections - before <= 2, `opened ${srv.connections - before} connections`);
    assert.ok(session.connector.stats().totalConnected <= 2);
  });

  it('releases unread responses without leaking sockets', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ limit: 2 }) });
    for (let i = 0; i < 20; i++) {
      const r = await session.get(`${srv.url}/big`);
      r.release();
      assert.equal(r.closed, true);
    }
    // Had a release leaked a slot, the limit of 2 would block this request forever.
    const r = await session.get(`${srv.url}/`);
    assert.equal(await r.text(), 'ok');
    const stats = session.connector.stats();
    assert.equal(stats.active, 0);
    assert.equal(stats.queued, 0);
    await assert.rejects(
      (async () => {
        const r2 = await session.get(`${srv.url}/big`);
        r2.release();
        await r2.read();
      })(),
      ClientConnectionError,
    );
  });

  it('frees the connection when a middleware throws after the response arrived', async () => {
    const boom: ClientMiddleware = async (req, handler) => {
      await handler(req);
      throw new Error('middleware failed');
    };
    await using session = new ClientSession({ connector: new TCPConnector({ limit: 1 }), middlewares: [boom] });
    await assert.rejects(session.get(`${srv.url}/big`), /middleware failed/);
    await assert.rejects(session.get(`${srv.url}/big`), /middleware failed/);
    const r = await session.get(`${srv.url}/`, { middlewares: [] });
    assert.equal(await r.text(), 'ok');
  });

  it('limits concurrent connections in total', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ limit: 3 }) });
    maxInFlight = 0;
    const resps = await Promise.all(Array.from({ length: 10 }, () => session.get(`${srv.url}/slow`).then((r) => r.text())));
    assert.equal(resps.length, 10);
    assert.ok(maxInFlight <= 3, `max in flight ${maxInFlight}`);
  });

  it('limits connections per host', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ limitPerHost: 2 }) });
    maxInFlight = 0;
    const before = srv.connections;
    await Promise.all(Array.from({ length: 8 }, () => session.get(`${srv.url}/slow`).then((r) => r.text())));
    assert.ok(maxInFlight <= 2, `max in flight ${maxInFlight}`);
    assert.ok(srv.connections - before <= 2);
  });

  it('caps the response head with maxHeaderSize', async () => {
    await using small = new ClientSession({ connector: new TCPConnector({ maxHeaderSize: 8192 }) });
    await assert.rejects(small.get(`${srv.url}/huge-header`), (e: unknown) => e instanceof ClientResponseParseError && e.status === 400 && /head is too large/.test(e.message));
    await using big = new ClientSession({ connector: new TCPConnector({ maxHeaderSize: 65536 }) });
    const r = await big.get(`${srv.url}/huge-header`);
    assert.equal(r.headers.get('x-huge')?.length, 20_000);
    r.release();
  });

  it('closes idle connections after keepaliveTimeout', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ keepaliveTimeout: 0.1 }) });
    const before = srv.connections;
    await (await session.get(`${srv.url}/`)).text();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(session.connector.stats().totalConnected, 0);
    await (await session.get(`${srv.url}/`)).text();
    assert.equal(srv.connections - before, 2);
  });

  it('forceClose opens a connection per request', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ forceClose: true }) });
    const before = srv.connections;
    for (let i = 0; i < 3; i++) await (await session.get(`${srv.url}/`)).text();
    assert.equal(srv.connections - before, 3);
  });

  it('shares a connector between sessions when connectorOwner is false', async () => {
    const connector = new TCPConnector();
    const s1 = new ClientSession({ connector, connectorOwner: false });
    await (await s1.get(`${srv.url}/`)).text();
    await s1.close();
    assert.equal(connector.closed, false);
    const s2 = new ClientSession({ connector });
    assert.equal(await (await s2.get(`${srv.url}/`)).text(), 'ok');
    await s2.close();
    assert.equal(connector.closed, true);
  });

  it('fires trace signals for queueing, connection creation and reuse, chunks and end', async () => {
    const tc = new TraceConfig({ traceConfigCtxFactory: (trc) => ({ trc, seen: [] as string[] }) });
    const log: string[] = [];
    for (const name of [
      'onRequestStart', 'onRequestEnd', 'onConnectionCreateStart', 'onConnectionCreateEnd',
      'onConnectionReuseconn', 'onConnectionQueuedStart', 'onConnectionQueuedEnd', 'onRequestChunkSent',
      'onResponseChunkReceived', 'onRequestHeadersSent', 'onDnsCacheMiss', 'onDnsResolvehostStart', 'onDnsResolvehostEnd', 'onDnsCacheHit',
    ] as const) {
      (tc[name] as Array<(s: unknown, c: Record<string, unknown>) => void>).push((_s, ctx) => {
        log.push(`${String(ctx.trc)}:${name}`);
      });
    }
    await using session = new ClientSession({ traceConfigs: [tc], connector: new TCPConnector({ limit: 1 }) });
    const port = srv.port;
    await (await session.post(`http://localhost:${port}/`, { data: 'abc', traceRequestCtx: 'a' })).text();
    await new Promise((r) => setImmediate(r));
    await (await session.get(`http://localhost:${port}/`, { traceRequestCtx: 'b' })).text();
    const first = session.get(`http://localhost:${port}/slow`, { traceRequestCtx: 'c' });
    const queued = session.get(`http://localhost:${port}/`, { traceRequestCtx: 'd' });
    await (await first).text();
    await (await queued).text();
    for (const e of ['a:onRequestStart', 'a:onConnectionCreateStart', 'a:onConnectionCreateEnd', 'a:onRequestChunkSent',
      'a:onResponseChunkReceived', 'a:onRequestEnd', 'a:onDnsCacheMiss', 'a:onDnsResolvehostStart', 'a:onDnsResolvehostEnd',
      'b:onConnectionReuseconn', 'd:onConnectionQueuedStart', 'd:onConnectionQueuedEnd']) {
      assert.ok(log.includes(e), `missing ${e} in ${log.join(', ')}`);
    }
    assert.ok(!log.includes('b:onConnectionCreateStart'));
  });

  it('runs middlewares around every request in order', async () => {
    const order: string[] = [];
    const mw = (name: string): ClientMiddleware => async (req, handler) => {
      order.push(`${name}>`);
      req.headers.set('X-Mw', name);
      const resp = await handler(req);
      order.push(`<${name}`);
      return resp;
    };
    const seen: string[] = [];
    const s2 = await startServer((req, res) => {
      seen.push(String(req.headers['x-mw']));
      res.end('ok');
    });
    try {
      await using session = new ClientSession({ middlewares: [mw('outer'), mw('inner')] });
      await (await session.get(`${s2.url}/`)).text();
      assert.deepEqual(order, ['outer>', 'inner>', '<inner', '<outer']);
      assert.deepEqual(seen, ['inner']);
    } finally {
      await s2.close();
    }
  });

  it('retries idempotent requests on 503 honouring Retry-After', async () => {
    let calls = 0;
    const s2 = await startServer((req, res) => {
      calls++;
      if (calls < 3) {
        res.statusCode = 503;
        res.setHeader('retry-after', '0');
        res.end('busy');
        return;
      }
      res.end(`ok after ${calls}`);
    });
    try {
      await using session = new ClientSession({ middlewares: [retryMiddleware({ attempts: 4, backoff: 0.01 })] });
      assert.equal(await (await session.get(`${s2.url}/`)).text(), 'ok after 3');
      calls = 0;
      const post = await session.post(`${s2.url}/`, { data: 'x' });
      assert.equal(post.status, 503);
      post.release();
    } finally {
      await s2.close();
    }
  });

  it('reports upload and download progress', async () => {
    await using session = new ClientSession();
    const up: number[] = [];
    const down: Array<[number, number | null]> = [];
    const resp = await session.post(`${srv.url}/big`, {
      data: Buffer.alloc(100_000),
      onUploadProgress: (p) => void up.push(p.loaded),
      onDownloadProgress: (p) => void down.push([p.loaded, p.total]),
    });
    await resp.read();
    assert.equal(up.at(-1), 100_000);
    assert.deepEqual(down.at(-1), [1024 * 1024, 1024 * 1024]);
  });
});

describe('UnixConnector (functional)', () => {
  it('sends every request to the Unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-unix-'));
    const path = join(dir, 's.sock');
    const server = createServer((req, res) => res.end(`unix ${req.url} ${req.headers.host}`));
    await new Promise<void>((r) => server.listen(path, r));
    try {
      await using session = new ClientSession({ connector: new UnixConnector({ path }) });
      assert.equal(await (await session.get('http://localhost/x?y=1')).text(), 'unix /x?y=1 localhost');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    await using bad = new ClientSession({ connector: new UnixConnector({ path: join(dir, 'missing.sock') }) });
    await assert.rejects(bad.get('http://localhost/'), (e: unknown) => e instanceof UnixClientConnectorError && e.path.endsWith('missing.sock'));
    rmSync(dir, { recursive: true, force: true });
  });
});
