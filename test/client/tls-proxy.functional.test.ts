import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { Http2SecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import {
  BasicAuth,
  ClientConnectorCertificateError,
  ClientSession,
  NonHttpUrlRedirectClientError,
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
