import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as web from '../../src/server/index.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, '..', 'helpers', 'run-app-child.js');

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('AppRunner and sites', () => {
  it('uses safe server defaults', async (t) => {
    const { site } = await serve(new web.Application(), t);
    const server = site._server!;
    assert.equal(server.keepAliveTimeout, 75_000);
    // One check interval (1 s) short of the 60 s headersTimeout: node checks only every interval.
    assert.equal(server.headersTimeout, 59_000);
    assert.equal((server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval, 1000);
    assert.equal(server.requestTimeout, 300_000);
    assert.equal(server.maxHeadersCount, 128);
    assert.equal(site.name, `http://127.0.0.1:${site.port}`);
  });

  it('shuts down gracefully: the in-flight request finishes, new connections are refused, hooks run', async () => {
    const app = new web.Application();
    const log: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const didStart = new Promise<void>((r) => (started = r));
    app.router.addGet('/slow', async () => {
      started();
      await released;
      return new web.Response({ text: 'finished' });
    });
    let shutdownRan!: () => void;
    const didShutdown = new Promise<void>((r) => (shutdownRan = r));
    app.onShutdown.push(() => {
      log.push('shutdown');
      shutdownRan();
    });
    app.cleanupCtx.push(async function* ctx() {
      yield;
      log.push('ctx teardown');
    });
    app.onCleanup.push(() => void log.push('cleanup'));
    const served = await serve(app);
    const inflight = fetch(`${served.url}/slow`);
    await didStart;
    const cleaning = served.runner.cleanup().then(() => log.push('cleaned'));
    await didShutdown;
    assert.equal(await connectRefused(served.port), true);
    assert.deepEqual(log, ['shutdown']);
    release();
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('connection'), 'close');
    assert.equal(await res.text(), 'finished');
    await cleaning;
    assert.deepEqual(log, ['shutdown', 'ctx teardown', 'cleanup', 'cleaned']);
  });

  it('destroys requests still running after shutdownTimeout', async () => {
    const app = new web.Application();
    let started!: () => void;
    const didStart = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const never = new Promise<void>((r) => (release = r));
    app.router.addGet('/hang', async () => {
      started();
      await never;
      return new web.Response({ text: 'too late' });
    });
    const served = await serve(app, undefined, { shutdownTimeout: 0.2 });
    const pending = rawRequest(served.port, 'GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
    await didStart;
    await served.runner.cleanup();
    assert.equal(await pending, '');
    release();
  });

  it('closes upgraded connections left open when shutting down', async () => {
    const app = new web.Application();
    app.router.addGet('/up', (request) => {
      request._hijacked = true;
      request._upgrade!.socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
      return new web.StreamResponse();
    });
    const served = await serve(app);
    const sock = net.connect(served.port, '127.0.0.1');
    sock.write('GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n');
    await once(sock, 'data');
    const closed = once(sock, 'close');
    const started = Date.now();
    await served.runner.cleanup();
    await closed;
    // Without destroying it, shutdown would sit out the 1 s grace period and then wait forever.
    assert.ok(Date.now() - started < 900, 'shutdown waited for the upgraded socket');
  });

  it('serves on a unix socket with UnixSite', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', (request) => new web.Response({ text: `unix ${request.remote ?? 'none'}` }));
    const runner = new web.AppRunner(app);
    await runner.setup();
    t.after(() => runner.cleanup());
    const sockPath = path.join(os.tmpdir(), `aiohttp-ts-${process.pid}-${Date.now()}.sock`);
    const site = new web.UnixSite(runner, sockPath);
    await site.start();
    assert.equal(site.name, `http://unix:${sockPath}:`);
    const res = parseRaw(await rawRequest(0, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { path: sockPath }));
    assert.equal(res.status, 200);
    assert.match(res.body, /^unix /);
  });

  it('serves on an already listening socket with SockSite', async (t) => {
    const app = new web.Application();
    app.router.addGet('/', () => new web.Response({ text: 'sock' }));
    const runner = new web.AppRunner(app);
    await runner.setup();
    t.after(() => runner.cleanup());
    const listener = net.createServer();
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const { port } = listener.address() as net.AddressInfo;
    const site = new web.SockSite(runner, listener);
    await site.start();
    t.after(() => listener.close());
    assert.equal(site.name, `http://127.0.0.1:${port}`);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'sock');
  });
});

describe('runApp', () => {
  it('prints the banner, serves, and exits 0 on SIGTERM after a graceful shutdown', async () => {
    const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c));
    const port = await new Promise<number>((resolve, reject) => {
      proc.stdout.on('data', (c: Buffer) => {
        out += c;
        const m = /======== Running on http:\/\/127\.0\.0\.1:(\d+) ========\n\(Press CTRL\+C to quit\)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.once('exit', () => reject(new Error(`child exited early: ${out} ${err}`)));
    });
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'child ok');
    const slow = fetch(`http://127.0.0.1:${port}/slow`);
    while (!out.includes('slow started')) await once(proc.stdout, 'data');
    proc.kill('SIGTERM');
    const res = await slow;
    assert.equal(await res.text(), 'slow done');
    const [code, signal] = (await once(proc, 'exit')) as [number | null, string | null];
    assert.equal(signal, null, err);
    assert.equal(code, 0, err);
    assert.match(out, /access 127\.0\.0\.1 \[.*\] "GET \/ HTTP\/1\.1" 200 8/);
    const order = ['hook onShutdown', 'hook onCleanup', 'runApp returned'].map((s) => out.indexOf(s));
    assert.ok(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)), out);
  });

  it('serves a unix socket path and stops on SIGINT', async () => {
    const sockPath = path.join(os.tmpdir(), `aiohttp-ts-run-${process.pid}-${Date.now()}.sock`);
    const proc = spawn(process.execPath, [child, sockPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (c: Buffer) => {
        out += c;
        if (out.includes(`======== Running on http://unix:${sockPath}: ========`)) resolve();
      });
      proc.once('exit', () => reject(new Error(`child exited early: ${out}`)));
    });
    const res = parseRaw(await rawRequest(0, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { path: sockPath }));
    assert.equal(res.body, 'child ok');
    proc.kill('SIGINT');
    const [code] = (await once(proc, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
