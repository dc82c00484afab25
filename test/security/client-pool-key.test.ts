/**
 * The TLS server name and the TLS settings are part of the client pool key: a connection opened
 * for one SNI name or one set of TLS options is never reused for a request that asks for another.
 * The certificate is made at test time with /usr/bin/openssl for a.test, b.test and 127.0.0.1.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ClientConnectorCertificateError, ClientSession, TCPConnector } from '../../src/index.js';
import { needs, peerPath } from '../helpers/peers.js';

describe('client pool key (TLS)', needs('openssl'), () => {
  let server: Server;
  let port: number;
  let cert: Buffer;
  let connections = 0;
  const ids = new WeakMap<TLSSocket, number>();

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-sni-'));
    try {
      execFileSync(peerPath('openssl'), [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=a.test', '-addext', 'subjectAltName=DNS:a.test,DNS:b.test,IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      cert = readFileSync(join(dir, 'cert.pem'));
      const key = readFileSync(join(dir, 'key.pem'));
      server = createServer({ key, cert }, (req, res) => {
        const sock = req.socket as TLSSocket;
        let id = ids.get(sock);
        if (id === undefined) ids.set(sock, (id = ++connections));
        // servername is false when the client sent no SNI (an IP address).
        res.end(`${id} ${sock.servername || '-'}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** The server-side connection number and SNI name a response was served on. */
  async function hit(session: ClientSession, options: Parameters<ClientSession['get']>[1] = {}): Promise<[number, string]> {
    const text = await (await session.get(`https://127.0.0.1:${port}/`, options)).text();
    const [id, sni] = text.split(' ');
    return [Number(id), sni!];
  }

  it('never reuses a connection across different servername settings, and pools equal ones', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ ca: cert }) });
    const used: Record<string, Set<number>> = { 'a.test': new Set(), 'b.test': new Set() };
    for (let i = 0; i < 6; i++) {
      for (const name of ['a.test', 'b.test']) {
        // A new options object each time, as user code writes it inline.
        const [id, sni] = await hit(session, { ssl: { servername: name } });
        assert.equal(sni, name);
        used[name]!.add(id);
      }
    }
    const a = [...used['a.test']!];
    const b = [...used['b.test']!];
    assert.deepEqual(a.filter((id) => b.includes(id)), [], 'no connection served both names');
    // A pool per distinct setting: a few connections, not one per call.
    assert.ok(a.length <= 2 && b.length <= 2, `connections a=${a.length} b=${b.length}`);
  });

  it('never reuses a connection across different Host names (the SNI undici derives from Host)', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ ca: cert }) });
    const [a1, sniA] = await hit(session, { headers: { Host: `a.test:${port}` } });
    const [b1, sniB] = await hit(session, { headers: { Host: `b.test:${port}` } });
    const [a2, sniA2] = await hit(session, { headers: { Host: `a.test:${port}` } });
    assert.deepEqual([sniA, sniB, sniA2], ['a.test', 'b.test', 'a.test']);
    assert.notEqual(a1, b1);
    assert.notEqual(a2, b1);
  });

  it('never lets a request with other TLS options ride a connection verified under different ones', async () => {
    await using session = new ClientSession({ connector: new TCPConnector({ ssl: { servername: 'a.test' } }) });
    // Unverified first: this connection must not serve the request that asks for verification.
    const [loose] = await hit(session, { ssl: false });
    await assert.rejects(hit(session), ClientConnectorCertificateError);
    const [strict, sni] = await hit(session, { ssl: { ca: cert } });
    assert.notEqual(strict, loose);
    assert.equal(sni, 'a.test');
    const [pinnedCa] = await hit(session, { ssl: { ca: cert, servername: 'b.test' } });
    assert.notEqual(pinnedCa, strict);
  });
});
