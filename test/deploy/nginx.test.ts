/**
 * nginx (Debian's /usr/sbin/nginx) in front of the demo app, served on a Unix socket and on TCP:
 * plain requests, WebSocket upgrades, SSE without buffering and X-Forwarded-For. The config is the
 * shape of deploy/nginx/*.conf with every path inside a temp dir.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as web from '../../src/server/index.js';
import { createDemoApp } from '../../src/demo/app.js';
import { connectClientSocket } from '../../src/websocket/ws-adapter.js';
import { WSMsgType } from '../../src/websocket/models.js';

const NGINX = '/usr/sbin/nginx';

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

/** The demo app plus a route that reports what forwardedMiddleware (one trusted hop: nginx) makes of a request. */
function makeApp(): web.Application {
  const app = createDemoApp();
  const forwarded = web.forwardedMiddleware({ trustedProxies: 1 });
  app.router.addGet('/_deploy/remote', (request) =>
    forwarded(request, (r) => web.jsonResponse({ remote: r.remote ?? null, scheme: r.scheme, host: r.host })));
  return app;
}

const PROXY = `
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_read_timeout 60s;`;

describe('behind nginx', () => {
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
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream app_unix { server unix:${sock}; keepalive 8; }
  upstream app_tcp { server 127.0.0.1:${tcp.port}; keepalive 8; }
  server {
    listen 127.0.0.1:${ports.unix};
    location / { proxy_pass http://app_unix; ${PROXY} }
  }
  server {
    listen 127.0.0.1:${ports.tcp};
    location / { proxy_pass http://app_tcp; ${PROXY} }
  }
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

      it('streams SSE events as they are written (no buffering)', async () => {
        const arrivals: number[] = [];
        await new Promise<void>((resolve, reject) => {
          httpRequest({ host: '127.0.0.1', port: ports[via], path: '/sse', agent: false }, (res) => {
            assert.match(String(res.headers['content-type']), /^text\/event-stream/);
            let buf = '';
            res.setEncoding('utf8').on('data', (d: string) => {
              buf += d;
              const events = buf.split('\n\n');
              buf = events.pop() ?? '';
              for (let i = 0; i < events.length; i++) arrivals.push(Date.now());
            });
            res.on('end', resolve);
            res.on('error', reject);
          }).on('error', reject).end();
        });
        assert.equal(arrivals.length, 5);
        // Buffered, all five would arrive together at the end; streamed, they span ~400 ms.
        const spread = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0);
        assert.ok(spread >= 250, `events arrived within ${spread} ms of each other: nginx buffered them`);
      });
    });
  }
});
