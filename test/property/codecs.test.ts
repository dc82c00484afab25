/** Property tests (fast-check) for our own parsers and codecs: each side round-trips or matches a model. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { parseCookieHeader, serializeSetCookie } from '../../src/common/cookies/set-cookie.js';
import { parseContentType } from '../../src/common/content-type.js';
import { MultiDict } from '../../src/common/multidict.js';
import { encodeParams } from '../../src/common/url.js';
import { MultipartWriter } from '../../src/common/multipart/writer.js';
import { StringPayload } from '../../src/common/payload.js';
import { readMultipartForm } from '../../src/common/multipart/reader.js';
import type { FileField } from '../../src/common/multipart/file-field.js';
import { UrlDispatcher, decodePathSafe } from '../../src/server/router/url-dispatcher.js';
import { Response } from '../../src/server/response.js';

// A fixed seed keeps the suite deterministic; FC_SEED=<n> explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env['FC_SEED'] ?? 20261126) });

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const printable = fc.string({ unit: fc.constantFrom(...' !#$%&()*+-./0123456789:<=>?@ABCXYZ[]^_`abcxyz{|}~"\\,\t'), maxLength: 20 });

describe('property: cookies', () => {
  it('serialize then parse round-trips any safe name and value', () => {
    fc.assert(
      fc.property(token, printable, (name, value) => {
        const header = serializeSetCookie(name, value);
        const pair = header.slice(0, header.indexOf('; Path=/'));
        assert.equal(parseCookieHeader(pair)[name], value);
      }),
    );
  });

  it('never emits CR, LF or NUL, and refuses values that would need them', () => {
    fc.assert(
      fc.property(token, fc.string({ maxLength: 20 }), (name, value) => {
        let header: string;
        try {
          header = serializeSetCookie(name, value);
        } catch (err) {
          assert.ok(err instanceof TypeError);
          return;
        }
        assert.doesNotMatch(header, /[\r\n\0]/);
      }),
    );
  });
});

describe('property: content-type', () => {
  it('parses back quoted parameters it was given', () => {
    fc.assert(
      fc.property(token, token, fc.dictionary(token, printable, { maxKeys: 4 }), (type, sub, params) => {
        let header = `${type}/${sub}`;
        for (const [k, v] of Object.entries(params)) header += `; ${k}="${v.replace(/["\\]/g, '\\$&')}"`;
        const parsed = parseContentType(header);
        assert.equal(parsed.mimetype, `${type}/${sub}`.toLowerCase());
        const want: Record<string, string> = Object.create(null) as Record<string, string>;
        for (const [k, v] of Object.entries(params)) if (!Object.hasOwn(want, k.toLowerCase())) want[k.toLowerCase()] = v;
        assert.deepEqual({ ...parsed.params }, { ...want });
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => void parseContentType(s)));
  });
});

describe('property: MultiDict', () => {
  it('behaves like an ordered list of pairs under add/set/delete', () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), k: key, v: fc.string({ maxLength: 3 }) }),
      fc.record({ op: fc.constant('set' as const), k: key, v: fc.string({ maxLength: 3 }) }),
      fc.record({ op: fc.constant('delete' as const), k: key, v: fc.constant('') }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const md = new MultiDict<string>();
        let model: Array<[string, string]> = [];
        for (const { op, k, v } of ops) {
          if (op === 'add') {
            md.add(k, v);
            model.push([k, v]);
          } else if (op === 'delete') {
            md.delete(k);
            model = model.filter(([mk]) => mk !== k);
          } else {
            md.set(k, v);
            const i = model.findIndex(([mk]) => mk === k);
            model = model.filter(([mk], j) => mk !== k || j === i);
            if (i === -1) model.push([k, v]);
            else model[model.findIndex(([mk]) => mk === k)] = [k, v];
          }
        }
        for (const k of ['a', 'b', 'c']) {
          assert.deepEqual(md.getAll(k), model.filter(([mk]) => mk === k).map(([, mv]) => mv));
          assert.equal(md.get(k), model.find(([mk]) => mk === k)?.[1]);
        }
        assert.deepEqual([...md.keys()].length, model.length);
      }),
    );
  });
});

describe('property: url', () => {
  it('encodes query params that URLSearchParams decodes back', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 })), { maxLength: 6 }), (pairs) => {
        const qs = encodeParams(pairs);
        // URLSearchParams drops one leading '?', which a query may legally start with (RFC 3986 §3.4).
        assert.deepEqual([...new URLSearchParams(`?${qs}`)], pairs);
      }),
    );
  });
});

describe('property: router', () => {
  it('generated params round-trip through urlFor and resolve', () => {
    const r = new UrlDispatcher();
    const h = (): Response => new Response({ text: 'x' });
    const route = r.addGet('/users/{id}/files/{name}', h);
    const param = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[{}]/.test(s));
    fc.assert(
      // The default parameter pattern is aiohttp's `[^{}/]+`, so braces cannot be matched.
      fc.property(param, param, (id, name) => {
        const url = route.urlFor({ id, name });
        const path = url.split('?')[0]!;
        const m = r.resolve('GET', decodePathSafe(path));
        assert.equal(m.route, route, url);
        assert.deepEqual({ ...m.matchInfo }, { id, name });
      }),
    );
  });
});

describe('property: multipart', () => {
  // Names and file names with '"', '\\', CR, LF, ';', '=' and non-ASCII: the writer sends them as
  // browsers do (%22, %0D, %0A, raw UTF-8; '\\' as '\\\\') and the reader decodes that. Literal
  // '%XX' sequences are left out: like the browsers' encoding, it cannot tell a literal %22 from '"'.
  const nameChar = fc.constantFrom('a', 'Z', '0', ' ', '\t', '"', '\\', '\r', '\n', '%', ';', '=', "'", '/', 'é', 'ß', '中', '😀');
  const name = fc.string({ unit: nameChar, minLength: 1, maxLength: 12 }).filter((s) => !/%[0-9A-Fa-f]{2}/.test(s));
  const field = fc.record({ name, value: fc.string({ maxLength: 200 }), filename: fc.option(name, { nil: null }) }, { noNullPrototype: true });

  it('writer output reads back as the same parts, names and file names', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(field, { minLength: 1, maxLength: 5 }), async (fields) => {
        const w = new MultipartWriter();
        for (const f of fields) w.appendFormField(f.name, new StringPayload(f.value), null, f.filename);
        await w.prepare();
        const form = await readMultipartForm({ 'content-type': w.contentType! }, w.body());
        try {
          const got = await Promise.all([...form].map(async ([k, v]) => ({
            name: k,
            value: typeof v === 'string' ? v : await v.text(),
            filename: typeof v === 'string' ? null : v.filename ?? null,
          })));
          assert.deepEqual(got, fields);
        } finally {
          await form.cleanup();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('reads the names browsers send: %22, %0D, %0A escapes and raw backslashes', async () => {
    const body = ['--B', 'Content-Disposition: form-data; name="a%22b%0D%0Ac"; filename="C:\\dir\\x%22y.txt"', '', '1',
      '--B', 'Content-Disposition: form-data; name="ends\\"', '', '2', '--B--', ''].join('\r\n');
    const form = await readMultipartForm({ 'content-type': 'multipart/form-data; boundary=B' }, Readable.from([Buffer.from(body)]));
    const [[k1, v1], [k2, v2]] = [...form] as [[string, FileField], [string, string]];
    assert.equal(k1, 'a"b\r\nc');
    assert.equal(v1.filename, 'C:\\dir\\x"y.txt');
    assert.deepEqual([k2, v2], ['ends\\', '2']);
    await form.cleanup();
  });
});
