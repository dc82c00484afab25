/**
 * A hostile redirect target learns no credentials: Authorization, Cookie, Proxy-Authorization,
 * per-request `cookies` and `auth` stay with the origin they were given for (aiohttp's
 * cross-origin redirect advisories). Another port on the same host is another origin.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BasicAuth, ClientSession } from '../../src/index.js';

/** A server that echoes the request headers as JSON, or redirects `/to?u=` to `u`. */
async function origin(t: TestContext): Promise<string> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/to') {
      res.writeHead(302, { location: u.searchParams.get('u')! });
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.headers));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('client credentials on redirects', () => {
  it('drops Authorization, Cookie, Proxy-Authorization and per-request cookies on a cross-origin redirect', async (t) => {
    const [a, b] = [await origin(t), await origin(t)];
    await using session = new ClientSession();
    const credentials = {
      auth: new BasicAuth('user', 'pass'),
      cookies: { sid: 'per-request-secret' },
      headers: { Cookie: 'hdr=header-secret', 'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0', 'X-Public': 'kept' },
    };
    const cross = await session.get(`${a}/to?u=${encodeURIComponent(`${b}/echo`)}`, credentials);
    assert.equal(String(cross.url), `${b}/echo`);
    const seen = (await cross.json()) as IncomingHttpHeaders;
    assert.equal(seen.authorization, undefined);
    assert.equal(seen.cookie, undefined);
    assert.equal(seen['proxy-authorization'], undefined);
    assert.equal(seen['x-public'], 'kept');
    // Back to the first origin after leaving it: what was dropped stays dropped.
    const back = await session.get(`${a}/to?u=${encodeURIComponent(`${b}/to?u=${encodeURIComponent(`${a}/echo`)}`)}`, credentials);
    const backSeen = (await back.json()) as IncomingHttpHeaders;
    assert.equal(backSeen.authorization, undefined);
    assert.equal(backSeen.cookie, undefined);
  });

  it('keeps every credential on a same-origin redirect', async (t) => {
    const a = await origin(t);
    await using session = new ClientSession();
    const auth = new BasicAuth('user', 'pass');
    const same = await session.get(`${a}/to?u=${encodeURIComponent(`${a}/echo`)}`, {
      auth,
      cookies: { sid: 'per-request' },
      headers: { Cookie: 'hdr=1', 'Proxy-Authorization': 'Basic eA==' },
    });
    const seen = (await same.json()) as IncomingHttpHeaders;
    assert.equal(seen.authorization, auth.encode());
    assert.equal(seen.cookie, 'hdr=1; sid=per-request');
    assert.equal(seen['proxy-authorization'], 'Basic eA==');
  });
});
