import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { FormData } from '../../src/common/form-data.js';
import { MultipartWriter, escapeDispositionParam } from '../../src/common/multipart/writer.js';
import { Payload } from '../../src/common/payload.js';

async function collect(p: Payload): Promise<string> {
  await p.prepare();
  const b = p.body();
  if (Buffer.isBuffer(b)) return b.toString();
  const parts: Buffer[] = [];
  for await (const c of b) parts.push(c);
  return Buffer.concat(parts).toString();
}

describe('FormData', () => {
  it('is urlencoded when every field is text', async () => {
    const f = new FormData([['a', '1'], ['a', '2']]).addField('b', 'x y&z');
    assert.equal(f.isMultipart, false);
    const p = f.toPayload();
    assert.equal(p.contentType, 'application/x-www-form-urlencoded');
    assert.equal(await collect(p), 'a=1&a=2&b=x+y%26z');
  });

  it('becomes multipart with bytes, a filename, a content type or a stream', () => {
    assert.ok(new FormData().addField('f', Buffer.from('x')).isMultipart);
    assert.ok(new FormData().addField('f', 'x', { filename: 'a.txt' }).isMultipart);
    assert.ok(new FormData().addField('f', 'x', { contentType: 'text/csv' }).isMultipart);
    assert.ok(new FormData().addField('f', Readable.from(['x'])).isMultipart);
    assert.ok(new FormData(undefined, { multipart: true }).isMultipart);
  });

  it('writes parts with escaped names, file names and a known length', async () => {
    const f = new FormData(undefined, { boundary: 'BOUNDARY' });
    f.addField('field', 'value');
    f.addField('up"load', Buffer.from('DATA'), { filename: 'na\r\nme.bin', contentType: 'application/x-test' });
    const p = f.toPayload() as MultipartWriter;
    assert.equal(p.contentType, 'multipart/form-data; boundary=BOUNDARY');
    const body = await collect(p);
    assert.equal(body,
      '--BOUNDARY\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n' +
      '--BOUNDARY\r\nContent-Disposition: form-data; name="up%22load"; filename="na%0D%0Ame.bin"\r\n' +
      'Content-Type: application/x-test\r\n\r\nDATA\r\n--BOUNDARY--\r\n');
    assert.equal(p.size, Buffer.byteLength(body));
    assert.equal(p.replayable, true);
    assert.equal(escapeDispositionParam('é'), 'é');
  });

  it('streams a Readable part with unknown length and is not replayable', async () => {
    const f = new FormData(undefined, { boundary: 'B' });
    f.addField('s', Readable.from([Buffer.from('12'), Buffer.from('34')]), { filename: 's.txt' });
    const p = f.toPayload();
    assert.equal(p.replayable, false);
    const body = await collect(p);
    assert.equal(p.size, null);
    assert.ok(body.includes('filename="s.txt"\r\nContent-Type: application/octet-stream\r\n\r\n1234\r\n--B--'));
  });

  it('sends a Blob/File with its type and name, replayably', async () => {
    const { File } = await import('node:buffer');
    const f = new FormData(undefined, { boundary: 'B' });
    f.addField('doc', new File(['hello'], 'h.txt', { type: 'text/plain' }));
    const p = f.toPayload();
    assert.equal(p.replayable, true);
    const body = await collect(p);
    assert.ok(body.includes('name="doc"; filename="h.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n'));
    assert.equal(p.size, Buffer.byteLength(body));
  });

  it('rejects bad values and boundaries', () => {
    assert.throws(() => new FormData().addField('x', {} as never), /must be a string, number, bytes or stream/);
    assert.throws(() => new MultipartWriter('form-data', 'bad boundary!'), /invalid multipart boundary/);
  });
});
