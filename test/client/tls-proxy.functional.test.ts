import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { Http2SecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import {
  BasicAuth,
  ClientConnectorCertificateError,
  ClientSession,
  Fingerprint,
  NonHttpUrlRedirectClientError,
  ServerFingerprintMismatch,
  TCPConnector,
} from '../../src/index.js';
import { startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../test/client/fixtures/${name}`, import.meta.url));
const key = fixture('localhost-key.pem');
const cert = fixture('localhost-cert.pem');

async function listen(server: Server | HttpsServer | Http2SecureServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('TLS and HTTP/2 (functional)', () => {
  let https: HttpsServer;
  let httpsPort: number;
  let h2: Http2SecureServer;
  let h2Port: number;
  let plain: TestServer;

  before(async () => {
    plain = await startServer((_req, res) => res.end('plain'));
    https = createHttpsServer({ key, cert }, (req, res) => {
      if (req.url === '/down') {
        res.writeHead(302, { location: `${plain.url}/` });
        res.end();
        return;
      }
      res.end(`tls ${req.httpVersion}`);
    });
    httpsPort = await listen(https);
    h2 = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
      res.setHeader('x-proto', req.httpVersion);
      res.end(`h2 ${req.httpVersion}`);
    });
    h2Port = await listen(h2);
  });
  after(async () => {
    https.closeAllConnections();
    await new Promise<void>((r) => https.close(() => r()));
    await new Promise<void>((r) => h2.close(() => r()));
    await plain.close();
  });

  it('verifies certificates by default and maps the failure', async () => {
    await using session = new ClientSession();
    await assert.rejects(session.get(`https://localhost:${httpsPort}/`), ClientConnectorCertificateError);
  });

  it('trusts a given CA, or skips verification with ssl: false', async () => {
    await using withCa = new ClientSession({ connector: new TCPConnector({ ca: cert }) });
    assert.equal(await (await withCa.get(`https://localhost:${httpsPort}/`)).text(), 'tls 1.1');
    await using noVerify = new ClientSession({ connector: new TCPConnector({ ssl: false }) });
    assert.equal(await (await noVerify.get(`https://127.0.0.1:${httpsPort}/`)).text(), 'tls 1.1');
    await using perRequest = new ClientSession();
    assert.equal(await (await perRequest.get(`https://localhost:${httpsPort}/`, { ssl: false })).text(), 'tls 1.1');
    assert.equal(await (await perRequest.get(`https://localhost:${httpsPort}/`, { ssl: { ca: cert } })).text(), 'tls 1.1');
    await assert.rejects(perRequest.get(`https://localhost:${httpsPort}/`), ClientConnectorCertificateError);
  });

  it('presents a client certificate (mutual TLS)', async () => {
    const mtls = createHttpsServer({ key, cert, ca: cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.end(`client ${peer.subject?.CN}`);
    });
    const port = await listen(mtls);
    try {
      await using withCert = new ClientSession({ connector: new TCPConnector({ ca: cert, cert, key }) });
      assert.equal(await (await withCert.get(`https://localhost:${port}/`)).text(), 'client localhost');
      await using without = new ClientSession({ connector: new TCPConnector({ ca: cert }) });
      await assert.rejects(without.get(`https://localhost:${port}/`));
    } finally {
      mtls.closeAllConnections();
      await new Promise<void>((r) => mtls.close(() => r()));
    }
  });

  it('pins a certificate with Fingerprint', async () => {
    const { X509Certificate } = await import('node:crypto');
    const digest = new X509Certificate(cert).fingerprint256;
    await using session = new ClientSession();
    const ok = await session.get(`https://127.0.0.1:${httpsPort}/`, { ssl: new Fingerprint(digest) });
    assert.equal(await ok.text(), 'tls 1.1');
    await assert.rejects(session.get(`https://127.0.0.1:${httpsPort}/`, { ssl: new Fingerprint(Buffer.alloc(32)) }), ServerFingerprintMismatch);
    await using pinned = new ClientSession({ connector: new TCPConnector({ ssl: new Fingerprint(digest) }) });
    assert.equal(await (await pinned.get(`https://localhost:${httpsPort}/`)).text(), 'tls 1.1');
    assert.throws(() => new Fingerprint(Buffer.alloc(20)), /sha1 are insecure/);
  });

  it('refuses an https to http redirect unless allowed', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ ca: cert }) });
    await assert.rejects(session.get(`https://localhost:${httpsPort}/down`), NonHttpUrlRedirectClientError);
    const resp = await session.get(`https://localhost:${httpsPort}/down`, { allowInsecureRedirects: true });
    assert.equal(await resp.text(), 'plain');
  });

  it('speaks HTTP/2 when http2: true and the server offers it', async () => {
    await using h1 = new ClientSession({ connector: new TCPConnector({ ca: cert }) });
    assert.equal(await (await h1.get(`https://localhost:${h2Port}/`)).text(), 'h2 1.1');
    await using session = new ClientSession({ connector: new TCPConnector({ ca: cert, http2: true }) });
    const resp = await session.get(`https://localhost:${h2Port}/`);
    assert.equal(resp.status, 200);
    assert.equal(resp.reason, 'OK');
    assert.equal(resp.headers.get('x-proto'), '2.0');
    assert.ok(![...resp.headers.keys()].some((k) => k.startsWith(':')));
    assert.equal(await resp.text(), 'h2 2.0');
  });
});

describe('proxies (functional)', () => {
  let target: TestServer;
  let proxy: Server;
  let proxyUrl: string;
  const seen: Array<{ target: string; auth: string | undefined }> = [];
  const tunnels = new Set<Socket>();

  before(async () => {
    target = await startServer((req, res) => res.end(`target ${req.url}`));
    proxy = createServer((_req, res) => {
      res.statusCode = 405;
      res.end();
    });
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      seen.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      tunnels.add(client).add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
  });
  after(async () => {
    for (const s of tunnels) s.destroy();
    await new Promise<void>((r) => proxy.close(() => r()));
    await target.close();
  });

  it('goes through a proxy given per request, with proxy credentials', async () => {
    await using session = new ClientSession();
    seen.length = 0;
    const resp = await session.get(`${target.url}/x`, { proxy: proxyUrl, proxyAuth: new BasicAuth('pu', 'pp') });
    assert.equal(await resp.text(), 'target /x');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.target, `127.0.0.1:${target.port}`);
    assert.equal(seen[0]!.auth, new BasicAuth('pu', 'pp').encode());
  });

  it('reads HTTP_PROXY and NO_PROXY with trustEnv', async () => {
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = proxyUrl;
    process.env.NO_PROXY = '';
    try {
      seen.length = 0;
      await using session = new ClientSession({ trustEnv: true });
      assert.equal(await (await session.get(`${target.url}/env`)).text(), 'target /env');
      assert.equal(seen.length, 1);
      process.env.NO_PROXY = '127.0.0.1';
      await using direct = new ClientSession({ trustEnv: true });
      assert.equal(await (await direct.get(`${target.url}/direct`)).text(), 'target /direct');
      assert.equal(seen.length, 1);
      await using ignoring = new ClientSession();
      process.env.NO_PROXY = '';
      assert.equal(await (await ignoring.get(`${target.url}/no-env`)).text(), 'target /no-env');
      assert.equal(seen.length, 1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

/** A minimal RFC 1928 SOCKS5 server (CONNECT, no auth or RFC 1929 user/password), for tests. */
async function startSocks5(requireAuth: { user: string; pass: string } | null): Promise<{ port: number; used: string[]; close(): Promise<void> }> {
  const used: string[] = [];
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    let stage = 0;
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (stage === 0 && buf.length >= 2 && buf.length >= 2 + buf[1]!) {
        const methods = [...buf.subarray(2, 2 + buf[1]!)];
        buf = buf.subarray(2 + buf[1]!);
        const method = requireAuth ? 2 : 0;
        if (!methods.includes(method)) {
          client.end(Buffer.from([5, 0xff]));
          return;
        }
        client.write(Buffer.from([5, method]));
        stage = requireAuth ? 1 : 2;
      }
      if (stage === 1 && buf.length >= 2) {
        const ul = buf[1]!;
        if (buf.length < 3 + ul) return;
        const pl = buf[2 + ul]!;
        if (buf.length < 3 + ul + pl) return;
        const user = buf.subarray(2, 2 + ul).toString();
        const pass = buf.subarray(3 + ul, 3 + ul + pl).toString();
        buf = buf.subarray(3 + ul + pl);
        const ok = user === requireAuth!.user && pass === requireAuth!.pass;
        client.write(Buffer.from([1, ok ? 0 : 1]));
        if (!ok) {
          client.end();
          return;
        }
        stage = 2;
      }
      if (stage === 2 && buf.length >= 5) {
        const atyp = buf[3]!;
        let host: string;
        let off: number;
        if (atyp === 1) {
          if (buf.length < 10) return;
          host = [...buf.subarray(4, 8)].join('.');
          off = 8;
        } else if (atyp === 3) {
          const len = buf[4]!;
          if (buf.length < 7 + len) return;
          host = buf.subarray(5, 5 + len).toString();
          off = 5 + len;
        } else {
          client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
          return;
        }
        const port = buf.readUInt16BE(off);
        const rest = buf.subarray(off + 2);
        stage = 3;
        client.off('data', onData);
        used.push(`${host}:${port}`);
        const upstream = connect(port, host, () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          if (rest.length > 0) upstream.write(rest);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        sockets.add(upstream);
        upstream.on('error', () => client.destroy());
      }
    };
    client.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    used,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

describe('SOCKS5 proxies (functional)', () => {
  it('goes through socks5://, with user and password', async () => {
    const target = await startServer((req, res) => res.end(`target ${req.url}`));
    const open = await startSocks5(null);
    const authed = await startSocks5({ user: 'su', pass: 'sp' });
    try {
      await using session = new ClientSession();
      assert.equal(await (await session.get(`${target.url}/s`, { proxy: `socks5://127.0.0.1:${open.port}` })).text(), 'target /s');
      assert.deepEqual(open.used, [`127.0.0.1:${target.port}`]);
      const r = await session.get(`${target.url}/a`, { proxy: `socks5://127.0.0.1:${authed.port}`, proxyAuth: new BasicAuth('su', 'sp') });
      assert.equal(await r.text(), 'target /a');
      assert.equal(authed.used.length, 1);
    } finally {
      await open.close();
      await authed.close();
      await target.close();
    }
  });
});
