import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  WSCloseTimeoutError,
  WSHandshakeError,
  WSHeartbeatTimeoutError,
  WSMessageTypeError,
  WSReceiveTimeoutError,
  WSServerHandshakeError,
  WebSocketError,
  isWSTimeoutError,
  protocolError,
} from '../../src/websocket/errors.js';

describe('WebSocketError', () => {
  it('has stable codes and keeps the close code apart from it', () => {
    const err = protocolError('bad utf-8', 1007);
    assert.equal(err.code, 'ERR_WS_INVALID_TEXT');
    assert.equal(err.closeCode, 1007);
    assert.equal(protocolError('x', 1009).code, 'ERR_WS_MESSAGE_TOO_BIG');
    assert.equal(protocolError('x', 1002).code, 'ERR_WS_PROTOCOL');
    assert.equal(new WebSocketError('x').code, 'ERR_WS');
  });

  it('instanceof matches a branded error from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('aiohttp-ts.WebSocketError')]: true });
    assert.ok(foreign instanceof WebSocketError);
    assert.ok(!(new Error('x') instanceof WebSocketError));
    assert.ok(!(foreign instanceof WSHandshakeError));
  });

  it('keeps the class tree: server handshake errors are handshake errors', () => {
    const err = new WSServerHandshakeError('Invalid response status 403', 403, { 'x-a': 'b' });
    assert.ok(err instanceof WSHandshakeError);
    assert.ok(err instanceof WebSocketError);
    assert.equal(err.status, 403);
    assert.equal(err.name, 'WSServerHandshakeError');
  });

  it('isWSTimeoutError recognises each timeout and nothing else', () => {
    assert.ok(isWSTimeoutError(new WSReceiveTimeoutError('x')));
    assert.ok(isWSTimeoutError(new WSHeartbeatTimeoutError('x')));
    assert.ok(isWSTimeoutError(new WSCloseTimeoutError('x')));
    assert.ok(!isWSTimeoutError(new WebSocketError('x')));
    assert.ok(!isWSTimeoutError(new Error('timeout')));
  });

  it('WSMessageTypeError is a TypeError, as in aiohttp', () => {
    const err = new WSMessageTypeError('x');
    assert.ok(err instanceof TypeError);
    assert.equal(err.code, 'ERR_WS_MESSAGE_TYPE');
  });

  it('carries the cause', () => {
    const cause = new Error('root');
    assert.equal(new WebSocketError('x', { cause }).cause, cause);
  });
});
