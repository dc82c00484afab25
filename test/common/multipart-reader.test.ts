import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CIMultiDict } from '../../src/common/multidict.js';
import {
  BodyPartReader, DEFAULT_MULTIPART_LIMITS, MultipartForm, MultipartReader, parseContentDisposition,
  readMultipartForm,
} from '../../src/common/multipart/reader.js';
import type { MultipartLimits } from '../../src/common/multipart/reader.js';
import {
  BodyTooLargeError, FieldTooLargeError, FileTooLargeError, MalformedMultipartError,
  MultipartContentTypeError, MultipartError, MultipartLimitError, PartHeadersTooLargeError,
  TooManyFieldsError, TooManyPartsError,
} from '../../src/common/multipart/errors.js';
import { FileField } from '../../src/common/multipart/file-field.js';
import { needs, peerPath } from '../helpers/peers.js';

const B = 'XyZboundary42';
const CT = { 'content-type': `multipart/form-data; boundary=${B}` };

/** Joins CRLF-free lines with CRLF exactly: each part's lines, a blank line, the content. */
function part(headers: string[], content: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`--${B}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'),
    typeof content === 'string' ? Buffer.from(content, 'utf8') : content, Buffer.from('\r\n')]);
}

function body(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, Buffer.from(`--${B}--\r\n`)]);
}

/** The bytes as one chunk, as 1-byte chunks, and as 7-byte chunks. */
function chunkings(buf: Buffer): Array<[string, () => AsyncIterable<Uint8Array>]> {
  const sliced = (size: number) => async function* (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
  };
  return [['one chunk', sliced(buf.length || 1)], ['1-byte chunks', sliced(1)], ['7-byte chunks', sliced(7)]];
}

const SIMPLE = body(
  part(['Content-Disposition: form-data; name="title"'], 'Hello'),
  part(['Content-Disposition: form-data; name="upload"; filename="a.bin"', 'Content-Type: application/octet-stream'],
    Buffer.from([0, 1, 2, 13, 10, 45, 45, 255])),
  part(['content-disposition: form-data; name="title"', 'Content-Type: text/plain; charset=iso-8859-1'],
    Buffer.from('caf\xe9', 'latin1')),
);

async function expectError<E extends MultipartError>(
  fn: () => Promise<unknown>, cls: abstract new (...args: never[]) => E, code: string, status: number,
): Promise<E> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  assert.ok(caught instanceof MultipartError);
  assert.equal((caught as E).code, code);
  assert.equal((caught as E).status, status);
  return caught as E;
}

async function readAll(headers: Record<string, string>, src: AsyncIterable<Uint8Array> | Readable, limits?: MultipartLimits) {
  const out: Array<{ name: string | undefined; filename: string | undefined; data: Buffer }> = [];
  for await (const p of new MultipartReader(headers, src, limits)) {
    out.push({ name: p.name, filename: p.filename, data: await p.read() });
  }
  return out;
}

describe('parseContentDisposition', () => {
  it('reads the type and token and quoted parameters', () => {
    const cd = parseContentDisposition('Form-Data; name=field1; filename="a b.txt"');
    assert.equal(cd.type, 'form-data');
    assert.equal(cd.name, 'field1');
    assert.equal(cd.filename, 'a b.txt');
  });

  it('unescapes \\" and \\\\ in quoted strings and keeps other backslashes (Windows paths)', () => {
    assert.equal(parseContentDisposition('form-data; name="x"; filename="say \\"hi\\" \\\\ here.txt"').filename, 'say "hi" \\ here.txt');
    assert.equal(parseContentDisposition('form-data; name="x"; filename="C:\\dir\\f.txt"').filename, 'C:\\dir\\f.txt');
  });

  it('prefers an RFC 8187 filename* over filename, in UTF-8 and ISO-8859-1', () => {
    const cd = parseContentDisposition(`attachment; filename="fallback.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.txt`);
    assert.equal(cd.filename, 'résumé €.txt');
    assert.equal(cd.params['filename'], 'fallback.txt');
    assert.equal(parseContentDisposition(`attachment; filename*=iso-8859-1'en'caf%E9`).filename, 'café');
  });

  it('joins RFC 2231 continuations', () => {
    const cd = parseContentDisposition(`attachment; filename*0*=UTF-8''na%C3%AF; filename*1=ve.txt`);
    assert.equal(cd.filename, 'naïve.txt');
  });

  it('decodes the percent-encoded UTF-8 names aiohttp < 3.9 sends, and nothing else', () => {
    const cd = parseContentDisposition('form-data; name="na%C3%AFve"; filename="r%C3%A9sum%C3%A9%20%C3%BC.txt"');
    assert.equal(cd.name, 'naïve');
    assert.equal(cd.filename, 'résumé ü.txt');
    assert.equal(parseContentDisposition('form-data; name="a"; filename="100%25 a%20b.txt"').filename, '100%25 a%20b.txt');
    assert.equal(parseContentDisposition('form-data; name="a"; filename="bad%C3%28.txt"').filename, 'bad%C3%28.txt');
  });

  it('keeps the first of duplicated parameters and survives junk', () => {
    assert.equal(parseContentDisposition('form-data; name="a"; name="b"').name, 'a');
    assert.deepEqual(parseContentDisposition('form-data; ;; =x; flag; name="q').name, 'q');
    assert.equal(parseContentDisposition(undefined).type, '');
    assert.equal(parseContentDisposition(`inline; filename*=bogus`).filename, 'bogus');
  });
});

describe('MultipartReader', () => {
  it('accepts transport padding after every boundary delimiter (RFC 2046 §5.1.1), split at any byte', async () => {
    // Padding after the first delimiter, between parts and after the close delimiter; spaces and
    // tabs at the end of a part's data are data, kept as is.
    const padded = Buffer.from(
      `--${B} \t \r\nContent-Disposition: form-data; name="a"\r\n\r\n1 \t` +
      `\r\n--${B}\t\r\nContent-Disposition: form-data; name="b"\r\n\r\n\t2\t\r\n` +
      `--${B}  \r\nContent-Disposition: form-data; name="c"\r\n\r\n\r\n--${B}--  \t\r\nepilogue`, 'latin1');
    const want = [
      { name: 'a', filename: undefined, data: Buffer.from('1 \t') },
      { name: 'b', filename: undefined, data: Buffer.from('\t2\t') },
      { name: 'c', filename: undefined, data: Buffer.alloc(0) },
    ];
    for (let size = 1; size <= padded.length; size++) {
      const chunks = async function* (): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < padded.length; i += size) yield padded.subarray(i, i + size);
      };
      assert.deepEqual(await readAll(CT, chunks()), want, `${size}-byte chunks`);
    }
    const form = await readMultipartForm(CT, Readable.from([padded]));
    assert.deepEqual([...form.keys()], ['a', 'b', 'c']);
  });

  for (const [label, make] of chunkings(SIMPLE)) {
    it(`reads fields and files from literal bytes (${label})`, async () => {
      const reader = new MultipartReader(CT, make());
      assert.equal(reader.mimetype, 'multipart/form-data');
      assert.equal(reader.boundary, B);
      const p1 = await reader.next();
      assert.ok(p1 instanceof BodyPartReader);
      assert.equal(p1.name, 'title');
      assert.equal(p1.filename, undefined);
      assert.equal(p1.contentType, 'text/plain');
      assert.ok(p1.headers instanceof CIMultiDict);
      assert.equal(p1.headers.get('Content-Disposition'), 'form-data; name="title"');
      assert.equal(await p1.text(), 'Hello');
      assert.equal(p1.atEof(), true);
      const p2 = await reader.next();
      assert.equal(p2?.filename, 'a.bin');
      assert.equal(p2?.contentType, 'application/octet-stream');
      assert.deepEqual(await p2?.read(), Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]));
      const p3 = await reader.next();
      assert.equal(await p3?.text(), 'café', 'decoded with the part charset');
      assert.equal(await reader.next(), null);
      assert.equal(await reader.next(), null);
      assert.equal(reader.atEof(), true);
    });
  }

  it('takes a CIMultiDict of request headers and a Node Readable', async () => {
    const headers = new CIMultiDict([['Content-Type', `multipart/form-data; boundary="${B}"`]]);
    const parts = [];
    for await (const p of new MultipartReader(headers, Readable.from([SIMPLE]))) parts.push(p.name);
    assert.deepEqual(parts, ['title', 'upload', 'title']);
  });

  it('drains an unread part when moving to the next one', async () => {
    const reader = new MultipartReader(CT, Readable.from([SIMPLE]));
    const p1 = await reader.next();
    const p2 = await reader.next();
    assert.equal(p1?.atEof(), true);
    assert.equal(p2?.name, 'upload');
    await reader.release();
    assert.equal(reader.atEof(), true);
  });

  it('reads a part as a stream, with readChunk sizes and async iteration', async () => {
    const payload = Buffer.alloc(100_000, 'abcdefghij');
    const buf = body(part(['Content-Disposition: form-data; name="f"; filename="x"'], payload));
    const reader = new MultipartReader(CT, chunkings(buf)[2]![1]());
    const p = (await reader.next())!;
    const first = await p.readChunk(3);
    assert.ok(first.length > 0 && first.length <= 3);
    assert.equal(first.toString(), 'abc'.slice(0, first.length));
    const rest: Buffer[] = [];
    for await (const c of p) rest.push(c);
    assert.deepEqual(Buffer.concat([first, ...rest]), payload);
    assert.equal(p.bytesRead, payload.length);
    assert.equal((await p.readChunk()).length, 0);
    assert.equal(await reader.next(), null);

    const reader2 = new MultipartReader(CT, Readable.from([buf]));
    const streamed: Buffer[] = [];
    for await (const c of (await reader2.next())!.stream()) streamed.push(c as Buffer);
    assert.deepEqual(Buffer.concat(streamed), payload);
  });

  it('reads lines and hands out parts in order to concurrent next() calls', async () => {
    const buf = body(part(['Content-Disposition: form-data; name="l"', 'Content-Type: text/csv; charset=utf-8'], 'a,b\r\nc,d\nlast'),
      part(['Content-Disposition: form-data; name="two"'], '2'));
    for (const [label, make] of chunkings(buf)) {
      const reader = new MultipartReader(CT, make());
      const [p1, p2, end] = await Promise.all([reader.next(), reader.next(), reader.next()]);
      assert.equal(p1?.name, 'l', label);
      assert.equal(p2?.name, 'two', label);
      assert.equal(end, null, label);
      assert.equal(p1.getCharset(), 'utf-8');
      assert.equal(p2?.getCharset('latin1'), 'latin1');
    }
    const reader = new MultipartReader(CT, chunkings(buf)[1]![1]());
    const p = (await reader.next())!;
    assert.equal((await p.readline()).toString(), 'a,b\r\n');
    assert.equal((await p.readline()).toString(), 'c,d\n');
    assert.equal((await p.readline()).toString(), 'last');
    assert.equal((await p.readline()).length, 0);
    assert.equal(await (await reader.next())!.text(), '2');
  });

  it('does not stall when a big part ends in the chunk that cuts the next part\'s headers', async () => {
    const big = part(['Content-Disposition: form-data; name="a"; filename="a"'], Buffer.alloc(200_000, 1));
    const next = body(part(['Content-Disposition: form-data; name="b"'], 'bee'));
    for (const cut of [5, 20, 45]) {
      const chunks = [Buffer.concat([big, next.subarray(0, cut)]), next.subarray(cut)];
      const reader = new MultipartReader(CT, Readable.from(chunks));
      const names: Array<string | undefined> = [];
      const done = (async () => {
        for await (const p of reader) {
          names.push(p.name);
          await p.read();
        }
      })();
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('stalled'), 5000); });
      const outcome = await Promise.race([done.then(() => 'done'), stalled]);
      clearTimeout(timer);
      assert.equal(outcome, 'done', `cut at ${cut}`);
      assert.deepEqual(names, ['a', 'b']);
    }
  });

  it('parses json and urlencoded parts', async () => {
    const buf = body(
      part(['Content-Disposition: form-data; name="j"', 'Content-Type: application/json'], '{"a":[1,"€"]}'),
      part(['Content-Disposition: form-data; name="u"', 'Content-Type: application/x-www-form-urlencoded'], 'a=1&b=x+y&a=2'),
      part(['Content-Disposition: form-data; name="bad"', 'Content-Type: application/json'], '{nope'),
    );
    const reader = new MultipartReader(CT, Readable.from([buf]));
    assert.deepEqual(await (await reader.next())!.json(), { a: [1, '€'] });
    const form = await (await reader.next())!.form();
    assert.deepEqual(form.getAll('a'), ['1', '2']);
    assert.equal(form.get('b'), 'x y');
    await expectError(async () => (await reader.next())!.json(), MalformedMultipartError, 'ERR_MULTIPART_DECODE', 400);
  });

  it('decodes filename* and raw UTF-8 file names', async () => {
    const raw = Buffer.from('Content-Disposition: form-data; name="f"; filename="naïve 文件.txt"', 'utf8').toString('latin1');
    const buf = body(
      part([`Content-Disposition: form-data; name="f"; filename="x.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`], '1'),
      part([raw], '2'),
    );
    for (const [label, make] of chunkings(buf)) {
      const got = await readAll(CT, make());
      assert.deepEqual(got.map((p) => p.filename), ['€ rates.txt', 'naïve 文件.txt'], label);
    }
  });

  it('accepts a preamble, an epilogue, and an empty multipart body', async () => {
    const buf = Buffer.concat([Buffer.from('This is a preamble.\r\n'), body(part(['Content-Disposition: form-data; name="a"'], 'x')),
      Buffer.from('epilogue bytes\r\n')]);
    assert.deepEqual((await readAll(CT, Readable.from([buf]))).map((p) => p.data.toString()), ['x']);
    assert.deepEqual(await readAll(CT, Readable.from([Buffer.from(`--${B}--\r\n`)])), []);
  });

  it('reads a multipart/mixed body nested in a part', async () => {
    const inner = 'innerB';
    const innerBody = `--${inner}\r\nContent-Type: text/plain\r\n\r\none\r\n--${inner}\r\nContent-Type: text/plain\r\n\r\ntwo\r\n--${inner}--`;
    const buf = body(part(['Content-Disposition: form-data; name="files"', `Content-Type: multipart/mixed; boundary=${inner}`], innerBody),
      part(['Content-Disposition: form-data; name="after"'], 'z'));
    const reader = new MultipartReader(CT, chunkings(buf)[1]![1]());
    const outer = (await reader.next())!;
    const texts = [];
    for await (const p of outer.multipart()) texts.push(await p.text());
    assert.deepEqual(texts, ['one', 'two']);
    assert.equal(await (await reader.next())!.text(), 'z');
    assert.equal(await reader.next(), null);
  });

  it('refuses a Content-Type that is not multipart with 415', async () => {
    await expectError(async () => new MultipartReader({ 'Content-Type': 'application/json' }, Readable.from([])),
      MultipartContentTypeError, 'ERR_MULTIPART_CONTENT_TYPE', 415);
    await expectError(async () => new MultipartReader({}, Readable.from([])), MultipartContentTypeError, 'ERR_MULTIPART_CONTENT_TYPE', 415);
  });

  it('refuses a missing or invalid boundary with 400', async () => {
    const e = await expectError(async () => new MultipartReader({ 'content-type': 'multipart/form-data' }, Readable.from([])),
      MalformedMultipartError, 'ERR_MULTIPART_BOUNDARY', 400);
    assert.match(e.message, /no boundary/);
    await expectError(async () => new MultipartReader({ 'content-type': `multipart/form-data; boundary=${'a'.repeat(71)}` }, Readable.from([])),
      MalformedMultipartError, 'ERR_MULTIPART_BOUNDARY', 400);
    await expectError(async () => new MultipartReader({ 'content-type': 'multipart/form-data; boundary="a\u0000b"' }, Readable.from([])),
      MalformedMultipartError, 'ERR_MULTIPART_BOUNDARY', 400);
  });

  const malformed: Array<[string, Buffer, RegExp]> = [
    ['an empty body', Buffer.alloc(0), /no part delimited/],
    ['a body without the boundary', Buffer.from('just some text\r\n'), /no part delimited/],
    ['a body with another boundary', Buffer.from('--other\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--other--\r\n'), /no part delimited/],
    ['no final boundary', Buffer.concat([part(['Content-Disposition: form-data; name="a"'], 'x')]), /before the final boundary/],
    ['a body cut inside a part', part(['Content-Disposition: form-data; name="a"'], 'xyz').subarray(0, -4), /before the final boundary/],
    ['a body cut inside part headers', Buffer.from(`--${B}\r\nContent-Disposition: form-da`), /before the final boundary/],
  ];
  for (const [label, buf, reason] of malformed) {
    it(`fails with 400 ERR_MULTIPART_TRUNCATED on ${label}`, async () => {
      for (const [chunking, make] of chunkings(buf)) {
        const e = await expectError(() => readAll(CT, make()), MalformedMultipartError, 'ERR_MULTIPART_TRUNCATED', 400);
        assert.match(e.message, reason, chunking);
      }
    });
  }

  it('reports a failing source as ERR_MULTIPART_SOURCE with the cause', async () => {
    const boom = new Error('socket hang up');
    async function* src(): AsyncGenerator<Buffer> {
      yield SIMPLE.subarray(0, 60);
      throw boom;
    }
    const e = await expectError(() => readAll(CT, src()), MalformedMultipartError, 'ERR_MULTIPART_SOURCE', 400);
    assert.equal(e.cause, boom);
  });

  it('refuses a NUL byte in a part header value', async () => {
    const buf = body(part(['Content-Disposition: form-data; name="a\u0000b"'], 'x'));
    await expectError(() => readAll(CT, Readable.from([buf])), MalformedMultipartError, 'ERR_MULTIPART_INVALID_HEADER', 400);
  });

  it('refuses a part that repeats Content-Disposition or Content-Type', async () => {
    for (const headers of [
      ['Content-Disposition: form-data; name="a"', 'Content-Disposition: form-data; name="b"'],
      ['Content-Disposition: form-data; name="a"', 'Content-Type: text/plain', 'content-type: application/json'],
    ]) {
      await expectError(() => readAll(CT, Readable.from([body(part(headers, 'x'))])), MalformedMultipartError, 'ERR_MULTIPART_INVALID_HEADER', 400);
    }
  });

  it('never exposes a part header value with a bare CR or LF', async () => {
    const buf = body(part(['Content-Disposition: form-data; name="a"\nX-Injected: 1', 'X-Other: ok\rX-Evil: 1'], 'x'));
    const reader = new MultipartReader(CT, Readable.from([buf]));
    for await (const p of reader) {
      for (const [, v] of p.headers) assert.doesNotMatch(v, /[\r\n]/);
      assert.equal(p.headers.has('x-evil'), false);
    }
  });
});

describe('MultipartReader on random bodies', () => {
  // A seeded PRNG (mulberry32) so a failure names a reproducible seed; no fast-check dependency.
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  // Pieces that look like the delimiter without being it, to land partial matches on chunk edges.
  const tricky = ['\r\n', '--', `\r\n--${B.slice(0, 5)}`, `--${B}`, `\r\n-${B}`, `\r\n--${B.slice(0, -1)}x`, '\r\n\r\n'];

  it('reads back every part of 150 random bodies cut into random chunks', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rand = rng(seed);
      const int = (n: number) => Math.floor(rand() * n);
      const expected: Array<{ name: string; filename: string | undefined; data: Buffer }> = [];
      const parts: Buffer[] = [];
      for (let i = 0, n = int(6); i < n; i++) {
        const pieces: Buffer[] = [];
        const size = [0, 1, 10, 1000, 40_000, 150_000][int(6)]!;
        let len = 0;
        while (len < size) {
          const piece = rand() < 0.3 ? Buffer.from(tricky[int(tricky.length)]!) : Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256)));
          pieces.push(piece);
          len += piece.length;
        }
        // A real writer picks a boundary absent from the content: break any whole delimiter.
        const data = Buffer.from(Buffer.concat(pieces).toString('latin1').split(`--${B}`).join(`-+${B}`), 'latin1');
        const filename = rand() < 0.5 ? `f${i}-é.bin` : undefined;
        expected.push({ name: `field${i}`, filename, data });
        const cd = `Content-Disposition: form-data; name="field${i}"${filename ? `; filename="${Buffer.from(filename).toString('latin1')}"` : ''}`;
        parts.push(part([cd], data));
      }
      const buf = Buffer.concat([rand() < 0.3 ? Buffer.from('preamble\r\n') : Buffer.alloc(0), body(...parts)]);
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length;) {
        const n = 1 + int(rand() < 0.5 ? 16 : 100_000);
        chunks.push(buf.subarray(i, i + n));
        i += n;
      }
      const got = await readAll(CT, Readable.from(chunks), { maxTotalSize: Infinity, maxFieldSize: Infinity });
      assert.equal(got.length, expected.length, `seed ${seed}`);
      for (let i = 0; i < got.length; i++) {
        assert.equal(got[i]!.name, expected[i]!.name, `seed ${seed}`);
        assert.equal(got[i]!.filename, expected[i]!.filename, `seed ${seed}`);
        assert.ok(got[i]!.data.equals(expected[i]!.data), `seed ${seed} part ${i}`);
      }
    }
  });
});

describe('MultipartReader limits', () => {
  const many = (n: number, file = false) => body(...Array.from({ length: n }, (_, i) =>
    part([`Content-Disposition: form-data; name="f${i}"${file ? `; filename="f${i}.txt"` : ''}`], `v${i}`)));

  it('has the documented defaults', () => {
    assert.deepEqual({ ...DEFAULT_MULTIPART_LIMITS }, {
      maxParts: 1000, maxFields: 1000, maxFieldSize: 1048576, maxTotalSize: 1048576, maxHeaderSize: 8192, maxHeaderCount: 32,
    });
  });

  it('maxParts: 413 ERR_MULTIPART_TOO_MANY_PARTS, exactly at the limit is fine', async () => {
    assert.equal((await readAll(CT, Readable.from([many(3, true)]), { maxParts: 3 })).length, 3);
    const e = await expectError(() => readAll(CT, Readable.from([many(4, true)]), { maxParts: 3 }), TooManyPartsError, 'ERR_MULTIPART_TOO_MANY_PARTS', 413);
    assert.ok(e instanceof MultipartLimitError);
    assert.equal(e.limit, 'maxParts');
    assert.equal(e.limitValue, 3);
    await expectError(() => readAll(CT, Readable.from([many(1001)]), { maxTotalSize: Infinity, maxFields: Infinity }),
      TooManyPartsError, 'ERR_MULTIPART_TOO_MANY_PARTS', 413);
  });

  it('maxFields counts parts without a filename only', async () => {
    assert.equal((await readAll(CT, Readable.from([many(5, true)]), { maxFields: 2 })).length, 5);
    await expectError(() => readAll(CT, Readable.from([many(3)]), { maxFields: 2 }), TooManyFieldsError, 'ERR_MULTIPART_TOO_MANY_FIELDS', 413);
  });

  it('maxFieldSize: 413 ERR_MULTIPART_FIELD_TOO_LARGE, also when the field is only drained', async () => {
    const buf = body(part(['Content-Disposition: form-data; name="big"'], 'x'.repeat(11)), part(['Content-Disposition: form-data; name="b"'], ''));
    assert.equal((await readAll(CT, Readable.from([buf]), { maxFieldSize: 11 }))[0]!.data.length, 11);
    const e = await expectError(() => readAll(CT, Readable.from([buf]), { maxFieldSize: 10 }), FieldTooLargeError, 'ERR_MULTIPART_FIELD_TOO_LARGE', 413);
    assert.match(e.message, /"big"/);
    await expectError(async () => {
      const reader = new MultipartReader(CT, Readable.from([buf]), { maxFieldSize: 10 });
      await reader.next();
      await reader.next();
    }, FieldTooLargeError, 'ERR_MULTIPART_FIELD_TOO_LARGE', 413);
  });

  it('maxFileSize: 413 ERR_MULTIPART_FILE_TOO_LARGE; it defaults to maxTotalSize', async () => {
    const buf = body(part(['Content-Disposition: form-data; name="f"; filename="a"'], 'x'.repeat(2000)));
    await expectError(() => readAll(CT, Readable.from([buf]), { maxFileSize: 1999 }), FileTooLargeError, 'ERR_MULTIPART_FILE_TOO_LARGE', 413);
    assert.equal((await readAll(CT, Readable.from([buf]), { maxFileSize: 2000, maxFieldSize: 1 }))[0]!.data.length, 2000);
    const r = new MultipartReader(CT, Readable.from([buf]), { maxTotalSize: 5000 });
    assert.equal(r._limits.maxFileSize, 5000);
  });

  it('maxTotalSize: 413 ERR_MULTIPART_BODY_TOO_LARGE counted across every part, read or drained', async () => {
    const buf = many(50);
    await expectError(() => readAll(CT, Readable.from([buf]), { maxTotalSize: buf.length - 1 }), BodyTooLargeError, 'ERR_MULTIPART_BODY_TOO_LARGE', 413);
    assert.equal((await readAll(CT, Readable.from([buf]), { maxTotalSize: buf.length })).length, 50);
    const big = body(part(['Content-Disposition: form-data; name="f"; filename="a"'], Buffer.alloc(DEFAULT_MULTIPART_LIMITS.maxTotalSize)));
    await expectError(() => new MultipartReader(CT, Readable.from([big])).release(), BodyTooLargeError, 'ERR_MULTIPART_BODY_TOO_LARGE', 413);
  });

  it('maxTotalSize stops reading the source early', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n`);
      for (;;) {
        produced += 65536;
        yield Buffer.alloc(65536, 1);
      }
    }
    await expectError(() => readAll(CT, endless(), { maxTotalSize: 1 << 20 }), BodyTooLargeError, 'ERR_MULTIPART_BODY_TOO_LARGE', 413);
    assert.ok(produced <= (1 << 20) + 65536, `read ${produced} bytes`);
  });

  it('maxHeaderSize: 400 ERR_MULTIPART_HEADER_TOO_LARGE', async () => {
    const header = (n: number) => `X-Pad: ${'p'.repeat(n)}`;
    const cd = 'Content-Disposition: form-data; name="a"';
    // The block as sent: both lines with their CRLFs.
    const fits = body(part([cd, header(100 - cd.length - 2 - 9)], 'x'));
    assert.equal((await readAll(CT, Readable.from([fits]), { maxHeaderSize: 100 })).length, 1);
    const over = body(part([cd, header(100 - cd.length - 2 - 8)], 'x'));
    for (const [label, make] of chunkings(over)) {
      await expectError(() => readAll(CT, make(), { maxHeaderSize: 100 }), PartHeadersTooLargeError, 'ERR_MULTIPART_HEADER_TOO_LARGE', 400)
        .catch((err: unknown) => assert.fail(`${label}: ${String(err)}`));
    }
    const huge = body(part([cd, header(100_000)], 'x'));
    await expectError(() => readAll(CT, Readable.from([huge]), { maxTotalSize: Infinity }), PartHeadersTooLargeError, 'ERR_MULTIPART_HEADER_TOO_LARGE', 400);
    // Many lines with long names, so a cut anywhere may fall inside a name.
    for (const nameLen of [97, 250, 1000]) {
      const lines = [cd, ...Array.from({ length: 30 }, (_, i) => `X-${String(i).padStart(2, '0')}${'n'.repeat(nameLen)}: v`)];
      await expectError(() => readAll(CT, Readable.from([body(part(lines, 'x'))]), { maxTotalSize: Infinity, maxHeaderSize: 2048 }),
        PartHeadersTooLargeError, 'ERR_MULTIPART_HEADER_TOO_LARGE', 400);
    }
  });

  it('maxHeaderCount: 400 ERR_MULTIPART_TOO_MANY_HEADERS', async () => {
    const lines = (n: number) => ['Content-Disposition: form-data; name="a"', ...Array.from({ length: n - 1 }, (_, i) => `X-H${i}: ${i}`)];
    assert.equal((await readAll(CT, Readable.from([body(part(lines(32), 'x'))]))).length, 1);
    await expectError(() => readAll(CT, Readable.from([body(part(lines(33), 'x'))])), PartHeadersTooLargeError, 'ERR_MULTIPART_TOO_MANY_HEADERS', 400);
    await expectError(() => readAll(CT, Readable.from([body(part(lines(5), 'x'))]), { maxHeaderCount: 4 }),
      PartHeadersTooLargeError, 'ERR_MULTIPART_TOO_MANY_HEADERS', 400);
  });

  it('rejects invalid limit values naming the option', () => {
    assert.throws(() => new MultipartReader(CT, Readable.from([]), { maxParts: -1 }), /maxParts/);
  });

  it('an error stops the reader for good and recognises copies by brand', async () => {
    const reader = new MultipartReader(CT, Readable.from([many(3)]), { maxFields: 1 });
    const e = await expectError(() => reader.release(), TooManyFieldsError, 'ERR_MULTIPART_TOO_MANY_FIELDS', 413);
    await assert.rejects(() => reader.next(), (err) => err === e);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('aiohttp-ts.MultipartError')]: true });
    assert.ok(foreign instanceof MultipartError);
    assert.ok(!(new Error('x') instanceof MultipartError));
  });
});

describe('readMultipartForm', () => {
  async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mp-test-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it('returns strings for text fields and in-memory FileFields below the threshold', async (t) => {
    const dir = await tempDir(t);
    const buf = body(
      part(['Content-Disposition: form-data; name="title"'], 'Hello'),
      part(['Content-Disposition: form-data; name="doc"; filename="d.txt"', 'Content-Type: text/plain'], 'file body'),
      part(['Content-Disposition: form-data; name="meta"', 'Content-Type: application/json'], '{"a":1}'),
      part(['Content-Disposition: form-data; name="blob"', 'Content-Type: application/octet-stream'], Buffer.from([1, 2, 3])),
      part(['Content-Disposition: form-data; name="title"'], 'Again'),
    );
    const form = await readMultipartForm(CT, chunkings(buf)[1]![1](), { tmpDir: dir, hashFiles: true });
    assert.ok(form instanceof MultipartForm);
    assert.deepEqual(form.getAll('title'), ['Hello', 'Again']);
    assert.equal(form.get('meta'), '{"a":1}');
    const doc = form.get('doc');
    assert.ok(doc instanceof FileField);
    assert.equal(doc.name, 'doc');
    assert.equal(doc.filename, 'd.txt');
    assert.equal(doc.contentType, 'text/plain');
    assert.equal(doc.headers.get('content-type'), 'text/plain');
    assert.equal(doc.size, 9);
    assert.equal(doc.inMemory, true);
    assert.equal(await doc.text(), 'file body');
    assert.equal(doc.sha256, createHash('sha256').update('file body').digest('hex'));
    const blob = form.get('blob');
    assert.ok(blob instanceof FileField);
    assert.equal(blob.filename, undefined);
    assert.deepEqual(await blob.read(), Buffer.from([1, 2, 3]));
    assert.deepEqual(await readdir(dir), []);
    assert.equal(form.files.length, 2);
  });

  it('spools a file past spoolThreshold to a temp file that cleanup() removes', async (t) => {
    const dir = await tempDir(t);
    const content = Buffer.alloc(300_000);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7) & 0xff;
    const buf = body(part(['Content-Disposition: form-data; name="up"; filename="big.bin"'], content),
      part(['Content-Disposition: form-data; name="small"; filename="s.bin"'], 'tiny'));
    const form = await readMultipartForm(CT, chunkings(buf)[2]![1](), { tmpDir: dir, spoolThreshold: 100_000 });
    const up = form.get('up') as FileField;
    assert.equal(up.inMemory, false);
    assert.equal(typeof up.file, 'string');
    assert.ok(up.path?.startsWith(dir));
    assert.deepEqual(await readdir(dir), [up.path!.slice(dir.length + 1)]);
    assert.equal((await stat(up.path!)).mode & 0o777, 0o600);
    assert.equal(up.size, content.length);
    assert.deepEqual(await up.read(), content);
    const streamed: Buffer[] = [];
    for await (const c of up.stream()) streamed.push(c as Buffer);
    assert.deepEqual(Buffer.concat(streamed), content);
    assert.equal((form.get('small') as FileField).inMemory, true);
    await form.cleanup();
    assert.deepEqual(await readdir(dir), []);
    assert.equal(existsSync(up.path!), false);
    await form.cleanup();
    await assert.rejects(() => up.read(), TypeError);
  });

  it('removes temp files made before an error', async (t) => {
    const dir = await tempDir(t);
    const buf = body(part(['Content-Disposition: form-data; name="up"; filename="big.bin"'], Buffer.alloc(5000)),
      part(['Content-Disposition: form-data; name="up2"; filename="big2.bin"'], Buffer.alloc(5000)),
      part(['Content-Disposition: form-data; name="f"'], 'x'.repeat(100)));
    await expectError(() => readMultipartForm(CT, Readable.from([buf]), { tmpDir: dir, spoolThreshold: 1000, maxFieldSize: 10 }),
      FieldTooLargeError, 'ERR_MULTIPART_FIELD_TOO_LARGE', 413);
    assert.deepEqual(await readdir(dir), []);
    const cut = buf.subarray(0, 3000);
    await expectError(() => readMultipartForm(CT, Readable.from([cut]), { tmpDir: dir, spoolThreshold: 1000 }),
      MalformedMultipartError, 'ERR_MULTIPART_TRUNCATED', 400);
    assert.deepEqual(await readdir(dir), []);
  });

  it('refuses a part without a name', async () => {
    const buf = body(part(['Content-Disposition: form-data'], 'x'));
    await expectError(() => readMultipartForm(CT, Readable.from([buf])), MalformedMultipartError, 'ERR_MULTIPART_MISSING_NAME', 400);
  });

  it('is disposable with await using', async (t) => {
    const dir = await tempDir(t);
    const buf = body(part(['Content-Disposition: form-data; name="up"; filename="b"'], Buffer.alloc(3000)));
    let path: string | undefined;
    {
      await using form = await readMultipartForm(CT, Readable.from([buf]), { tmpDir: dir, spoolThreshold: 10 });
      path = (form.get('up') as FileField).path;
      assert.ok(path && existsSync(path));
    }
    assert.equal(existsSync(path), false);
  });
});

describe('MultipartReader back-pressure', () => {
  for (const kind of ['async generator', 'Node Readable'] as const) {
    it(`holds the source (${kind}) back while a 50 MiB file part is read slowly`, async () => {
      const total = 50 * 1024 * 1024;
      const size = 64 * 1024;
      let produced = 0;
      let maxAhead = 0;
      let consumed = 0;
      const head = Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"; filename="big"\r\n\r\n`);
      const tail = Buffer.from(`\r\n--${B}--\r\n`);
      // Fresh buffers each time, so anything held ahead of the consumer shows up in arrayBuffers.
      const produce = (): Buffer => {
        produced += size;
        maxAhead = Math.max(maxAhead, produced - consumed);
        return Buffer.allocUnsafe(size).fill(0x61);
      };
      async function* generator(): AsyncGenerator<Buffer> {
        yield head;
        while (produced < total) yield produce();
        yield tail;
      }
      let state = 0;
      const readable = new Readable({
        read() {
          if (state === 0) {
            state = 1;
            this.push(head);
          } else if (produced < total) {
            this.push(produce());
          } else if (state === 1) {
            state = 2;
            this.push(tail);
            this.push(null);
          }
        },
      });
      // A full GC before each sample, so the numbers are live memory, not garbage awaiting collection.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      gc();
      const live = (): number => {
        gc();
        const m = process.memoryUsage();
        return m.arrayBuffers + m.heapUsed;
      };
      const before = live();
      let peak = before;
      const reader = new MultipartReader(CT, kind === 'Node Readable' ? readable : generator(), { maxTotalSize: total + 1024 });
      const p = (await reader.next())!;
      let n = 0;
      for await (const c of p) {
        consumed += c.length;
        // A slow consumer: a macrotask per chunk.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (++n % 50 === 0) peak = Math.max(peak, live());
      }
      assert.equal(consumed, total);
      assert.equal(await reader.next(), null);
      assert.ok(maxAhead < 1024 * 1024, `the source ran ${maxAhead} bytes ahead of the consumer`);
      // maxAhead is the exact measure; memory is a coarse one (V8 frees ArrayBuffer backing stores
      // lazily even after gc()), so the bound only has to sit well below the 50 MiB a leak would show.
      assert.ok(peak - before < 32 * 1024 * 1024, `heap + arrayBuffers grew by ${peak - before}`);
    });
  }

  it('keeps later parts in the source while the application holds an unread part', async () => {
    let produced = 0;
    const parts = Array.from({ length: 200 }, (_, i) => part([`Content-Disposition: form-data; name="f${i}"`], 'v'.repeat(1000)));
    async function* source(): AsyncGenerator<Buffer> {
      for (const p of parts) {
        produced++;
        yield p;
      }
      yield Buffer.from(`--${B}--\r\n`);
    }
    const reader = new MultipartReader(CT, source());
    await reader.next();
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
    assert.ok(produced < 10, `pulled ${produced} parts ahead`);
    await reader.release();
    assert.equal(produced, 200);
  });
});

describe('MultipartReader interop', () => {
  async function startServer(t: { after(fn: () => Promise<void>): void }, handler: (req: IncomingMessage) => Promise<unknown>): Promise<string> {
    const server: Server = createServer((req, res) => {
      handler(req).then((result) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      }, (err: unknown) => {
        const status = err instanceof MultipartError ? err.status : 500;
        res.writeHead(status, { 'content-type': 'application/json', connection: 'close' })
          .end(JSON.stringify({ error: (err as Error).message, code: (err as MultipartError).code }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function run(cmd: string, args: string[]): Promise<string> {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, `${cmd} failed: ${err}`);
    return out;
  }

  async function describeForm(req: IncomingMessage) {
    const form = await readMultipartForm(req.headers, req);
    try {
      const out: Array<Record<string, unknown>> = [];
      for (const [name, v] of form) {
        out.push(typeof v === 'string' ? { name, value: v } : {
          name, filename: v.filename, contentType: v.contentType, size: v.size, base64: (await v.read()).toString('base64'),
        });
      }
      return out;
    } finally {
      await form.cleanup();
    }
  }

  it('reads what Python aiohttp 3.8 FormData and MultipartWriter send', needs('python3-aiohttp'), async (t) => {
    const url = await startServer(t, async (req) => {
      if (req.url === '/form') return describeForm(req);
      const out: Array<Record<string, unknown>> = [];
      for await (const p of new MultipartReader(req.headers, req)) {
        out.push({ contentType: p.contentType, data: (await p.read()).toString('base64') });
      }
      return out;
    });
    const script = fileURLToPath(new URL('../../../test/fixtures/multipart/aiohttp_post.py', import.meta.url));
    const lines = (await run(peerPath('python3-aiohttp'), [script, url])).trim().split('\n').map((l) => JSON.parse(l) as { status: number; body: unknown });
    assert.equal(lines[0]!.status, 200);
    assert.deepEqual(lines[0]!.body, [
      { name: 'name', value: 'value' },
      { name: 'greeting', value: 'héllo wörld' },
      { name: 'file', filename: 'résumé ü.txt', contentType: 'text/plain', size: 30,
        base64: Buffer.from('file-bytes\x00\xff\r\n--not-a-boundary', 'latin1').toString('base64') },
      { name: 'meta', value: '{"a": 1, "b": [true, null]}' },
    ]);
    assert.equal(lines[1]!.status, 200);
    const parts = lines[1]!.body as Array<{ contentType: string; data: string }>;
    assert.equal(parts.length, 3);
    assert.match(parts[0]!.contentType, /^text\/plain/);
    assert.equal(Buffer.from(parts[0]!.data, 'base64').toString(), 'plain text');
    assert.match(parts[1]!.contentType, /^application\/json/);
    assert.deepEqual(JSON.parse(Buffer.from(parts[1]!.data, 'base64').toString()), { x: '€', n: 3 });
    assert.deepEqual(Buffer.from(parts[2]!.data, 'base64'), Buffer.from([1, 2, 3]));
  });

  it('reads what curl -F sends, and answers a limit error with its status', needs('curl'), async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'mp-curl-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'données.txt');
    const content = Buffer.alloc(200_000, 'curl!');
    await writeFile(file, content);
    const url = await startServer(t, describeForm);
    const out = JSON.parse(await run(peerPath('curl'), ['-sS', '-F', 'name=value', '-F', `file=@${file}`, `${url}/form`]));
    assert.deepEqual(out[0], { name: 'name', value: 'value' });
    assert.equal(out[1].filename, 'données.txt');
    assert.equal(out[1].size, content.length);
    assert.deepEqual(Buffer.from(out[1].base64, 'base64'), content);

    const tooBig = join(dir, 'big.bin');
    await writeFile(tooBig, Buffer.alloc(2 * 1024 * 1024));
    const status = await run(peerPath('curl'), ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-F', `file=@${tooBig}`, `${url}/form`]);
    assert.equal(status, '413');
  });
});
