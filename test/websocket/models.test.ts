import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  WSBinaryMessage,
  WSCloseCode,
  WSMsgType,
  WSTextMessage,
  WS_CLOSED_MESSAGE,
  closeMessage,
  errorMessage,
} from '../../src/websocket/models.js';
import type { WSMessage } from '../../src/websocket/models.js';

describe('WSMsgType and WSCloseCode', () => {
  it("use aiohttp's numeric values", () => {
    assert.deepEqual(
      [WSMsgType.CONTINUATION, WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.PING, WSMsgType.PONG, WSMsgType.CLOSE],
      [0, 1, 2, 9, 10, 8],
    );
    assert.deepEqual([WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR], [256, 257, 258]);
    assert.equal(WSCloseCode.OK, 1000);
    assert.equal(WSCloseCode.GOING_AWAY, 1001);
    assert.equal(WSCloseCode.ABNORMAL_CLOSURE, 1006);
    assert.equal(WSCloseCode.MESSAGE_TOO_BIG, 1009);
    assert.equal(WSCloseCode.BAD_GATEWAY, 1014);
    assert.equal(WSMsgType[WSMsgType.TEXT], 'TEXT');
  });
});

describe('WSMessage', () => {
  it('json() parses text and binary data, with a custom loads', () => {
    assert.deepEqual(new WSTextMessage('{"a":1}').json(), { a: 1 });
    assert.deepEqual(new WSBinaryMessage(Buffer.from('[1]')).json(), [1]);
    assert.equal(new WSTextMessage('x').json((s) => s.toUpperCase()), 'X');
  });

  it('narrows data and extra on type', () => {
    const describe = (msg: WSMessage): string => {
      switch (msg.type) {
        case WSMsgType.TEXT:
          return `text ${msg.data.toUpperCase()}`;
        case WSMsgType.BINARY:
          return `binary ${msg.data.length}`;
        case WSMsgType.CLOSE:
          return `close ${msg.data + 1} ${msg.extra}`;
        case WSMsgType.ERROR:
          return `error ${msg.data.message}`;
        default:
          return WSMsgType[msg.type];
      }
    };
    assert.equal(describe(new WSTextMessage('hi')), 'text HI');
    assert.equal(describe(new WSBinaryMessage(Buffer.alloc(3))), 'binary 3');
    assert.equal(describe(closeMessage(1000, 'bye')), 'close 1001 bye');
    assert.equal(describe(errorMessage(new Error('boom'))), 'error boom');
    assert.equal(describe(WS_CLOSED_MESSAGE), 'CLOSED');
  });
});
