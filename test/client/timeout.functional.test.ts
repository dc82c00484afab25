import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientSession,
  ClientTimeout,
  ConnectionTimeoutError,
  ServerTimeoutError,
  SocketTimeoutError,
  TCPConnector,
  isTimeoutError,
} from '../../src/index.js';
import { startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

describe('ClientTimeout', () => {
  it('defaults to 300 s total and validates its limits', () => {
    const s = new ClientSession();
    assert.equal(s.timeout.total, 300);
    assert.equal(s.timeout.connect, null);
    void s.close();
    assert.throws(() => new ClientTimeout({ total: -1 }), /total must be a non-negative number/);
    const t = new ClientTimeout({ total: 5, sockRead: 1 }).with({ total: null });
    assert.equal(t.total, null);
    assert.equal(t.sockRead, 1);
  });
});

describe('timeouts (functional)', () => {
  let srv: TestServer;
  const sockets = new Set<import('node:net').Socket>();

  before(async () => {
    srv = await startServer((req, res) => {
      sockets.add(req.socket);
      if (req.url === '/slow-headers') {
        setTimeout(() => res.end('late'), 2000).unref();
        return;
      }
      if (req.url === '/slow-body') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first');
        setTimeout(() => res.end('late'), 4000).unref();
        return;
      }
      res.end('fast');
    });
  });
  after(async () => {
    await srv.close();
  });

  it('fires total while waiting for headers, naming the limit', async () => {
    const session = new ClientSession({ timeout: new ClientTimeout({ total: 0.2 }) });
    try {
      const t0 = Date.now();
      await assert.rejects(session.get(`${srv.url}/slow-headers`), (e: unknown) => {
        assert.ok(e instanceof ServerTimeoutError);
        assert.ok(isTimeoutError(e));
        assert.equal(e.timeout, 'total');
        assert.equal(e.code, 'ERR_CLIENT_TIMEOUT');
        return true;
      });
      assert.ok(Date.now() - t0 < 1500);
    } finally {
      await session.close();
    }
  });

  it('fires total while reading the body', async () => {
    await using session = new ClientSession();
    const resp = await session.get(`${srv.url}/slow-body`, { timeout: new ClientTimeout({ total: 1 }) });
    assert.equal(resp.status, 200);
    await assert.rejects(resp.text(), (e: unknown) => e instanceof ServerTimeoutError && e.timeout === 'total');
  });

  it('fires sockRead as SocketTimeoutError', async () => {
    await using session = new ClientSession({ timeout: new ClientTimeout({ sockRead: 0.2 }) });
    await assert.rejects(session.get(`${srv.url}/slow-headers`), (e: unknown) => e instanceof SocketTimeoutError && e.timeout === 'sockRead');
    const resp = await session.get(`${srv.url}/slow-body`);
    await assert.rejects(resp.read(), (e: unknown) => e instanceof SocketTimeoutError);
  });

  it('per-request timeout overrides the session one', async () => {
    await using session = new ClientSession({ timeout: new ClientTimeout({ total: 0.1 }) });
    const resp = await session.get(`${srv.url}/fast`, { timeout: new ClientTimeout({ total: 5 }) });
    assert.equal(await resp.text(), 'fast');
  });

  it('fires connect while queued for a connection slot, as ConnectionTimeoutError', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ limit: 1 }) });
    const first = await session.get(`${srv.url}/slow-body`);
    await assert.rejects(
      session.get(`${srv.url}/fast`, { timeout: new ClientTimeout({ connect: 0.15 }) }),
      (e: unknown) => e instanceof ConnectionTimeoutError && e.timeout === 'connect',
    );
    first.release();
    const again = await session.get(`${srv.url}/fast`);
    assert.equal(await again.text(), 'fast');
  });

  it('names sockConnect when that is the limit that fired', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ limit: 1 }) });
    const first = await session.get(`${srv.url}/slow-body`);
    await assert.rejects(
      session.get(`${srv.url}/fast`, { timeout: new ClientTimeout({ sockConnect: 0.1, connect: 5 }) }),
      (e: unknown) => e instanceof ConnectionTimeoutError && e.timeout === 'sockConnect',
    );
    first.release();
  });
});
