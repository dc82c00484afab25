/**
 * A fast-check fuzz of the request line, Host, headers and path against a live server, one raw
 * connection per case: no 5xx but from a handler that throws (501 and 505 are the answers the
 * protocol means to give), no hang, the server alive after every case, and a handler that runs
 * sees `request.url.host` equal to the validated authority (an absolute-form target's, else Host's).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import * as web from '../../src/server/index.js';
import { serve } from '../helpers/server.js';

fc.configureGlobal({ seed: Number(process.env['FC_SEED'] ?? 20261207) });

/** Cases, by count: a few thousand raw requests fit in well under 20 s on a loaded machine. */
const RUNS = Number(process.env['FC_RUNS'] ?? 3000);
/** A case with no complete answer after this long is a hang. */
const CASE_TIMEOUT_MS = 5000;

/** What a request that reached a handler must carry: RFC 3986 uri-host [":" port], checked independently of the server's code. */
const AUTHORITY = /^(?:[A-Za-z0-9\-._~!$&'()*+;=]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function exchange(port: number, data: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer within ${CASE_TIMEOUT_MS} ms (a hang): ${JSON.stringify(data.toString('latin1').slice(0, 300))}`));
    }, CASE_TIMEOUT_MS);
    sock.on('connect', () => sock.end(data));
    sock.on('data', (c: Buffer) => chunks.push(c));
    // A reset after the answer (the server closing while bytes were unread) is not a failure.
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

const seg = fc.oneof(
  fc.constantFrom('a', 'evil.example', '', '.', '..', '%2F', '%5C', '%zz', '%', '%e4%b8', '%ff', '\\', '@', ':', 'throw', 'b', '~', '%00', ';x=1', 'é'),
  fc.string({ unit: fc.constantFrom(...'az09-._~!$&\'()*+,;=:@%/\\?#[] \t"<>^`{|}'), maxLength: 8 }),
);
const path = fc.array(seg, { maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
const query = fc.option(fc.string({ unit: fc.constantFrom(...'a=1&b%zz?#/\\ '), maxLength: 8 }), { nil: undefined });
const goodHost = fc.constantFrom('good.example', 'Good.Example:8080', 'good.example:80', '127.0.0.1', '127.0.0.1:3000', '[::1]', '[::1]:8443', 'a_b.example', 'localhost.');
const badHost = fc.oneof(
  fc.constantFrom('a b', 'a:99999', 'a:', 'a/b', 'a?b', 'a#b', 'a,b', 'a, b', 'http://a', 'u@a', '[::1', '0x7f.1', '2130706433', 'a.123', 'a%2eb', 'a\\b', '[zz::1]', ''),
  fc.string({ unit: fc.constantFrom(...'az09.:[]@/\\?# ,%_-'), minLength: 1, maxLength: 12 }),
);
const host = fc.oneof({ weight: 3, arbitrary: goodHost }, { weight: 2, arbitrary: badHost });
const target = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(path, query).map(([p, q]) => (q === undefined ? p : `${p}?${q}`)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('http://', 'https://', 'HTTP://', 'ftp://', 'http:/', '//'), host, path).map(([s, h, p]) => `${s}${h}${p}`) },
  { weight: 1, arbitrary: fc.constantFrom('*', '', 'a', '?x', 'http://u:p@good.example/') },
);
const method = fc.oneof(fc.constantFrom('GET', 'GET', 'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW', 'get', 'CONNECT'), fc.stringMatching(/^[A-Z]{1,8}$/));
const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/1', 'http/1.1', '');
const hostLines = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('Host', 'host', 'HOST'), host).map(([n, h]) => [`${n}: ${h}`]) },
  { weight: 1, arbitrary: fc.constant([] as string[]) },
  { weight: 1, arbitrary: fc.tuple(goodHost, host).map(([a, b]) => [`Host: ${a}`, `Host: ${b}`]) },
);
const extraHeader = fc.oneof(
  fc.constantFrom(
    'X-Forwarded-Host: evil.example', 'Forwarded: host=evil.example', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip',
    'Transfer-Encoding: gzip, chunked', 'Content-Length: 3', 'Content-Length: 0', 'Content-Length: -1', 'Content-Length: 1, 2',
    'Expect: 100-continue', 'Upgrade: websocket', 'Connection: Upgrade', 'Content-Encoding: gzip', 'Content-Type: multipart/form-data; boundary=B',
    'Accept: application/json', 'X-Empty:', 'Bad Name: x', 'X-Ctl: a\x01b', ' Folded: x',
  ),
  fc.tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,10}$/), fc.string({ unit: fc.constantFrom(...'ab :/\\\t%\x7f'), maxLength: 10 })).map(([n, v]) => `${n}: ${v}`),
);
const body = fc.constantFrom('', 'abc', '0\r\n\r\n', '3\r\nabc\r\n0\r\n\r\n', '--B\r\n\r\n--B--\r\n', '\x1f\x8b\x08junk');

/** The authority a request should carry to a handler: an absolute-form target's, else the Host line's. */
function expectedAuthority(tgt: string, hosts: string[]): string {
  const abs = /^https?:\/\/([^/?#]*)/i.exec(tgt);
  if (abs !== null) return abs[1]!;
  const h = hosts[0]?.slice(hosts[0].indexOf(':') + 1).trim();
  return h === undefined || h === '' ? 'localhost' : h;
}

describe('property: hostile requests against a live server', () => {
  it('never answers 5xx unless a handler threw, never hangs, stays up, and request.url.host is the validated authority', async (t) => {
    let thrown = 0;
    const app = new web.Application({ middlewares: [web.normalizePathMiddleware({ mergeSlashes: false })], logger: { error: () => undefined } as unknown as Console });
    const echo = (request: web.Request): web.Response => web.jsonResponse({ host: request.host, urlHost: request.url.host, href: request.url.href });
    app.router.addGet('/health', () => new web.Response({ text: 'up' }));
    app.router.addRoute('*', '/throw', () => {
      thrown++;
      throw new Error('handler failure');
    });
    app.router.addRoute('*', '/a/{x}', echo);
    app.router.addRoute('*', '/b/', echo);
    app.router.addRoute('*', '/evil.example/{tail:.*}', echo);
    // Paths that WHATWG URL would read as a host (`//h`, `/\\h`) reach a handler; other unknown ones 404 into normalizePathMiddleware.
    app.router.addRoute('*', '/{tail:[/\\\\].*}', echo);
    app.router.addRoute('*', '/{x}', echo);
    const { port } = await serve(app, t, { headersTimeout: 2, requestTimeout: 3 });
    await fc.assert(
      fc.asyncProperty(method, target, version, hostLines, fc.array(extraHeader, { maxLength: 3 }), body, async (m, tgt, ver, hosts, extra, b) => {
        const head = `${m} ${tgt}${ver ? ` ${ver}` : ''}\r\n${[...hosts, ...extra].map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`;
        const before = thrown;
        const raw = await exchange(port, Buffer.from(head + b, 'latin1'));
        const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(raw)?.[1] ?? 0);
        const threw = thrown !== before;
        assert.ok(status < 500 || status === 501 || status === 505 || (status === 500 && threw), `${status} for ${JSON.stringify(head)}\n${raw.slice(0, 300)}`);
        if (status === 200 && m.toUpperCase() !== 'HEAD') {
          const bodyStart = raw.indexOf('\r\n\r\n') + 4;
          const seen = JSON.parse(raw.slice(bodyStart)) as { host: string; urlHost: string; href: string };
          const want = expectedAuthority(tgt, hosts.filter((l) => /^host:/i.test(l)));
          assert.equal(seen.host, want, `${JSON.stringify(head)} -> ${seen.href}`);
          assert.match(seen.host, AUTHORITY);
          assert.equal(seen.urlHost, new URL(`http://${want}/`).host, `${JSON.stringify(head)} -> ${seen.href}`);
        }
        const alive = await exchange(port, Buffer.from('GET /health HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n'));
        assert.match(alive, /^HTTP\/1\.1 200 /, `server not answering after ${JSON.stringify(head)}`);
      }),
      { numRuns: RUNS },
    );
  });
});
