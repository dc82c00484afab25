/**
 * nginx (Debian's /usr/sbin/nginx) in front of the demo app, served on a Unix socket and on TCP:
 * plain requests, WebSocket upgrades, SSE without buffering and X-Forwarded-For. nginx runs the
 * shipped deploy/nginx/*.conf, with only the listen address and the upstream address rewritten.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import * as web from '../../src/server/index.js';
import { createDemoApp } from '../../src/demo/app.js';
import { connectClientSocket } from '../../src/websocket/ws-adapter.js';
import { WSMsgType } from '../../src/websocket/models.js';
import { needs, peerPath } from '../helpers/peers.js';

const NGINX = peerPath('nginx');
// build/test/deploy/ -> the repository root
const DEPLOY = fileURLToPath(new URL('../../../deploy/nginx/', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

function waitForPort(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve();
      });
      sock.on('error', () => {
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject).end();
  });
}

/**
 * An event stream held open between its two events until the client has the first one: if nginx
 * buffers, the first event never reaches the client while the stream is open.
 */
interface GatedStream {
  /** Events written so far. */
  sent: number;
  /** True until the handler has finished the stream. */
  open: boolean;
  /** Lets the handler write the second event and finish. */
  release: () => void;
}

const gates = new Map<string, GatedStream>();

async function gatedEvents(request: web.Request, response: web.StreamResponse): Promise<web.StreamResponse> {
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const gate: GatedStream = { sent: 0, open: true, release };
  gates.set(request.query.get('id') ?? '', gate);
  try {
    await response.prepare(request);
    await response.write('data: one\n\n');
    gate.sent = 1;
    await Promise.race([released, new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }))]);
    await response.write('data: two\n\n');
    gate.sent = 2;
    await response.writeEof();
  } finally {
    gate.open = false;
  }
  return response;
}

/**
 * The demo app plus test routes: what forwardedMiddleware (one trusted hop: nginx) makes of a
 * request; a gated event stream without `X-Accel-Buffering` under /sse (only the config's
 * location /sse keeps it streaming), and one from web.sse() under location /, where nginx buffers
 * and gzips event streams (only web.sse's `X-Accel-Buffering: no` keeps it streaming).
 */
function makeApp(): web.Application {
  const app = createDemoApp();
  const forwarded = web.forwardedMiddleware({ trustedProxies: 1 });
  app.router.addGet('/_deploy/remote', (request) =>
    forwarded(request, (r) => web.jsonResponse({ remote: r.remote ?? null, scheme: r.scheme, host: r.host })));
  app.router.addGet('/sse/_gated', (request) =>
    gatedEvents(request, new web.StreamResponse({ headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' } })));
  app.router.addGet('/_deploy/sse-gated', (request) => gatedEvents(request, new web.EventSourceResponse()));
  return app;
}

/** A shipped config with `from` replaced by `to`; throws when the shipped file no longer has `from`. */
function rewrite(conf: string, from: RegExp, to: string): string {
  assert.match(conf, from, `deploy/nginx no longer matches ${String(from)}: update this test`);
  return conf.replace(from, to);
}

/** deploy/nginx/*.conf listening on loopback ports, proxying to this test's socket and port. */
function shippedConfigs(sock: string, appPort: number, ports: { unix: number; tcp: number }): string {
  let unix = readFileSync(join(DEPLOY, 'aiohttp-ts-unix.conf'), 'utf8');
  unix = rewrite(unix, /server unix:\/run\/aiohttp-ts\/app\.sock\b/, `server unix:${sock}`);
  unix = rewrite(unix, /listen 80;/, `listen 127.0.0.1:${ports.unix};`);
  let tcp = readFileSync(join(DEPLOY, 'aiohttp-ts-tcp.conf'), 'utf8');
  tcp = rewrite(tcp, /server 127\.0\.0\.1:8080\b/, `server 127.0.0.1:${appPort}`);
  tcp = rewrite(tcp, /listen 80;/, `listen 127.0.0.1:${ports.tcp};`);
  // both files define the same map; one http block may define it once
  tcp = rewrite(tcp, /map \$http_upgrade \$connection_upgrade \{[^}]*\}/, '');
  return `${unix}\n${tcp}`;
}

/**
 * GETs an event stream through nginx and resolves with the events once it ends. The first event
 * must arrive while the handler holds the stream open before its second event; only then is the
 * second one released. Fails after `deadlineMs` without the first event (nginx held it back).
 * Asks for gzip as browsers do. nginx 1.22 with `proxy_buffering on` alone still passes each event
 * on to a client that keeps reading; buffered *and* gzipped, it holds them (tried by hand, see
 * docs/deployment.md); unbuffered, gzip flushes every write.
 */
function readGatedStream(port: number, path: string, id: string, deadlineMs = 5000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const events: string[] = [];
    const timer = setTimeout(() => {
      gates.get(id)?.release();
      reject(new Error(`no event within ${deadlineMs} ms while the upstream stream was open: nginx held it back`));
    }, deadlineMs);
    const headers = { 'Accept-Encoding': 'gzip' };
    httpRequest({ host: '127.0.0.1', port, path: `${path}?id=${id}`, agent: false, headers }, (res) => {
      const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
      let buf = '';
      body.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const parts = buf.split('\n\n');
        buf = parts.pop() ?? '';
        for (const part of parts) {
          events.push(part);
          if (events.length !== 1) continue;
          clearTimeout(timer);
          const gate = gates.get(id);
          if (gate?.sent !== 1 || !gate.open) {
            reject(new Error(`the first event arrived only after the upstream had sent ${gate?.sent ?? 0} events (open: ${String(gate?.open)})`));
          }
          gate?.release();
        }
      });
      body.on('end', () => {
        clearTimeout(timer);
        resolve(events);
      });
      body.on('error', reject);
    }).on('error', reject).end();
  });
}

describe('behind nginx', needs('nginx'), () => {
  let dir = '';
  let nginx: ChildProcess | undefined;
  let nginxLog = '';
  let runner: web.AppRunner | undefined;
  const ports = { unix: 0, tcp: 0 };

  before(async () => {
    assert.ok(existsSync(NGINX), `${NGINX} is missing: install Debian's nginx package (CI's .ci/run does)`);
    dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-nginx-'));
    chmodSync(dir, 0o755);
    const sock = join(dir, 'app.sock');
    runner = new web.AppRunner(makeApp());
    await runner.setup();
    const tcp = new web.TCPSite(runner, '127.0.0.1', 0);
    await tcp.start();
    await new web.UnixSite(runner, sock).start();
    chmodSync(sock, 0o777);
    ports.unix = await freePort();
    ports.tcp = await freePort();
    const conf = `
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # A site that compresses event streams: buffered, nginx's gzip holds small events back.
  gzip on;
  gzip_types text/event-stream;
  gzip_min_length 1;
${shippedConfigs(sock, tcp.port, ports)}
}
`;
    writeFileSync(join(dir, 'nginx.conf'), conf);
    nginx = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stderr?.setEncoding('utf8').on('data', (d: string) => (nginxLog += d));
    const exited = new Promise<never>((_, reject) => nginx?.once('exit', (code) => reject(new Error(`nginx exited (${String(code)}): ${nginxLog}`))));
    await Promise.race([Promise.all([waitForPort(ports.unix, Date.now() + 10_000), waitForPort(ports.tcp, Date.now() + 10_000)]), exited]);
  });

  after(async () => {
    if (nginx && nginx.exitCode === null) {
      const gone = new Promise((r) => nginx?.once('exit', r));
      nginx.kill('SIGTERM');
      await gone;
    }
    await runner?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const via of ['unix', 'tcp'] as const) {
    describe(`to the app on ${via === 'unix' ? 'a Unix socket' : 'TCP'}`, () => {
      it('proxies plain requests', async () => {
        const r = await get(ports[via], '/');
        assert.equal(r.status, 200);
        assert.equal(r.body, 'hello, shadaileng');
        assert.match(String(r.headers['server']), /nginx/);
      });

      it('passes X-Forwarded-For to the app', async () => {
        const r = await get(ports[via], '/anything', { 'X-Forwarded-For': '203.0.113.7' });
        const headers = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
        assert.equal(headers['X-Forwarded-For'], '203.0.113.7, 127.0.0.1');
        assert.equal(headers['X-Forwarded-Proto'], 'http');
      });

      it('gives forwardedMiddleware the address nginx saw, not one the client claims', async () => {
        const r = await get(ports[via], '/_deploy/remote', { 'X-Forwarded-For': '203.0.113.7' });
        assert.deepEqual(JSON.parse(r.body), { remote: '127.0.0.1', scheme: 'http', host: '127.0.0.1' });
      });

      it('proxies a WebSocket upgrade', async () => {
        const { connection } = await connectClientSocket(`ws://127.0.0.1:${ports[via]}/ws`);
        try {
          await connection.sendStr('hi');
          const msg = await connection.receive(5);
          assert.equal(msg.type, WSMsgType.TEXT);
          assert.equal(msg.type === WSMsgType.TEXT ? msg.data : '', 'hi/answer');
        } finally {
          await connection.close();
        }
      });

      it('serves the demo /sse stream whole', async () => {
        const r = await get(ports[via], '/sse');
        assert.match(String(r.headers['content-type']), /^text\/event-stream/);
        assert.deepEqual(r.body.split('\n\n').filter(Boolean), [1, 2, 3, 4, 5].map((n) => `data: tick ${n}`));
      });

      it('streams each event under /sse while the stream is open (location /sse: proxy_buffering off, gzip off)', async () => {
        assert.deepEqual(await readGatedStream(ports[via], '/sse/_gated', `${via}-config`), ['data: one', 'data: two']);
      });

      it("streams web.sse() events where nginx buffers and compresses (location /), by web.sse's X-Accel-Buffering: no", async () => {
        assert.deepEqual(await readGatedStream(ports[via], '/_deploy/sse-gated', `${via}-web-sse`), ['data: one', 'data: two']);
      });
    });
  }
});
