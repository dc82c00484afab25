/** The demo app answers input it cannot serve with a 400 naming the problem, never a 500 (issue 15). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDemoApp } from '../../src/demo/app.js';
import { parseRaw, rawRequest, serve } from '../helpers/server.js';

const NOT_UTF8_JSON = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);

function post(path: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
}

describe('demo app: 400 with a reason', () => {
  it('answers 400 to JSON that is not UTF-8 on POST / and /anything', async (t) => {
    const { port } = await serve(createDemoApp(), t);
    const root = parseRaw(await rawRequest(port, post('/', NOT_UTF8_JSON)));
    assert.equal(root.status, 400);
    assert.match(root.body, /not valid UTF-8/);
    const anything = parseRaw(await rawRequest(port, post('/anything', NOT_UTF8_JSON)));
    assert.equal(anything.status, 400);
    assert.match(anything.body, /not valid UTF-8/);
  });
});
