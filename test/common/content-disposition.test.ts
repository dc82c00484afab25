/**
 * Field names and file names as each sender encodes them, read by our Content-Disposition parser:
 * browsers and curl (WHATWG: %22, %0D, %0A, raw backslash), our writer (the same, backslash as
 * `\\`), aiohttp 3.8.4 (bytes captured from /usr/bin/python3's aiohttp) and backslash-escaping senders.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentDisposition } from '../../src/common/multipart/content-disposition.js';
import { escapeDispositionParam } from '../../src/common/multipart/writer.js';

const CASES: Array<[sender: string, header: string, name: string, filename: string | undefined]> = [
  ['browser', 'form-data; name="a%22b%0D%0Ac"; filename="x%22y%0Az.txt"', 'a"b\r\nc', 'x"y\nz.txt'],
  ['browser, raw backslashes', 'form-data; name="a\\b"; filename="C:\\dir\\f.txt"', 'a\\b', 'C:\\dir\\f.txt'],
  ['browser, trailing backslash', 'form-data; name="end\\"; filename="f\\"', 'end\\', 'f\\'],
  ['browser, raw UTF-8', 'form-data; name="é中"; filename="😀.txt"', 'é中', '😀.txt'],
  ['curl 7.88', 'form-data; name="a%22b\\c"; filename="x%22y\\z.txt"', 'a"b\\c', 'x"y\\z.txt'],
  ['our writer', `form-data; name="${escapeDispositionParam('a"\\\r\n;=é\\')}"`, 'a"\\\r\n;=é\\', undefined],
  ['aiohttp 3.8.4 quote_fields=False', 'form-data; name="a\\"b\\\\c d é"; filename="f\\"i\\\\le é.txt"', 'a"b\\c d é', 'f"i\\le é.txt'],
  ['aiohttp 3.8.4 quote_fields=True', `form-data; name*=utf-8''a%22b%5Cc%0D%0Ad%20%C3%A9; filename="f%22i%5Cl%0D%0Ae%20%C3%A9.txt"`, 'a"b\\c\r\nd é', 'f"i\\l\r\ne é.txt'],
  ['a backslash-escaping sender (Go escapeQuotes)', 'form-data; name="q\\"uote\\\\d"; filename="a\\\\b.txt"', 'q"uote\\d', 'a\\b.txt'],
];

describe('Content-Disposition names from every sender', () => {
  for (const [sender, header, name, filename] of CASES) {
    it(`reads the name and file name sent by ${sender}`, () => {
      const cd = parseContentDisposition(header);
      assert.equal(cd.name, name);
      assert.equal(cd.filename, filename);
    });
  }

  it('escapes what the WHATWG encoding escapes, doubles backslashes and refuses NUL', () => {
    assert.equal(escapeDispositionParam('a"b\r\nc\\d é'), 'a%22b%0D%0Ac\\\\d é');
    assert.equal(escapeDispositionParam('plain'), 'plain');
    assert.throws(() => escapeDispositionParam('a\0b'), TypeError);
  });
});
