import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientConnectorDNSError,
  ClientConnectorError,
  ClientConnectorCertificateError,
  ClientError,
  ClientOSError,
  ClientPayloadError,
  ConnectionTimeoutError,
  ServerDisconnectedError,
  SocketTimeoutError,
  UnixClientConnectorError,
  fromUndiciError,
  isOSError,
  isTimeoutError,
} from '../../src/index.js';
import { parseDigestChallenge } from '../../src/index.js';

const ctx = { host: 'h', port: 80, url: 'http://h/' };
const err = (code: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(`msg ${code}`), { code, ...extra });

describe('fromUndiciError', () => {
  it('maps undici and socket codes to the aiohttp tree', () => {
    const cases: Array<[string, new (...a: never[]) => Error]> = [
      ['UND_ERR_CONNECT_TIMEOUT', ConnectionTimeoutError],
      ['UND_ERR_HEADERS_TIMEOUT', SocketTimeoutError],
      ['UND_ERR_BODY_TIMEOUT', SocketTimeoutError],
      ['UND_ERR_SOCKET', ServerDisconnectedError],
      ['ECONNRESET', ServerDisconnectedError],
      ['ENOTFOUND', ClientConnectorDNSError],
      ['EAI_AGAIN', ClientConnectorDNSError],
      ['ECONNREFUSED', ClientConnectorError],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', ClientConnectorCertificateError],
      ['HPE_INVALID_CHUNK_SIZE', ClientPayloadError],
      ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', ClientPayloadError],
      ['EMFILE', ClientOSError],
    ];
    for (const [code, Cls] of cases) {
      const cause = err(code);
      const mapped = fromUndiciError(cause, ctx);
      assert.ok(mapped instanceof Cls, `${code} -> ${mapped.name}`);
      assert.ok(mapped instanceof ClientError);
      assert.equal(mapped.cause, cause);
    }
  });

  it('names host, port and OS details, and the Unix socket path', () => {
    const e = fromUndiciError(err('ECONNREFUSED', { errno: -111, syscall: 'connect' }), ctx) as ClientConnectorError;
    assert.equal(e.message, 'Cannot connect to host h:80 ssl:default [msg ECONNREFUSED]');
    assert.equal(e.errno, -111);
    assert.equal(e.syscall, 'connect');
    assert.ok(isOSError(e));
    const u = fromUndiciError(err('ENOENT'), { ...ctx, socketPath: '/tmp/x.sock' });
    assert.ok(u instanceof UnixClientConnectorError);
    assert.equal(u.path, '/tmp/x.sock');
  });

  it('marks timeouts and keeps stable codes', () => {
    const t = fromUndiciError(err('UND_ERR_CONNECT_TIMEOUT'), ctx);
    assert.ok(isTimeoutError(t));
    assert.equal((t as ConnectionTimeoutError).code, 'ERR_CLIENT_CONNECTION_TIMEOUT');
    assert.equal((t as ConnectionTimeoutError).timeout, 'sockConnect');
    assert.equal(isTimeoutError(new Error('x')), false);
  });

  it('recognises ClientError from another copy of the package by its brand', () => {
    const foreign = { [Symbol.for('aiohttp-ts.ClientError')]: true };
    assert.ok(foreign instanceof ClientError);
    assert.equal({} instanceof ClientError, false);
    assert.equal(new ClientError('x') instanceof ClientPayloadError, false);
  });
});

describe('parseDigestChallenge', () => {
  it('parses quoted and bare parameters', () => {
    assert.deepEqual({ ...parseDigestChallenge('Digest realm="me@h", qop="auth,auth-int", nonce="n\\"1", algorithm=MD5, stale=FALSE') }, {
      realm: 'me@h', qop: 'auth,auth-int', nonce: 'n"1', algorithm: 'MD5', stale: 'FALSE',
    });
    assert.equal(parseDigestChallenge('Basic realm="x"'), null);
  });
});
