import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDemoApp } from '../../src/demo/app.js';
import { serve, type Served } from '../helpers/server.js';

const exec = promisify(execFile);

/** Runs build/examples/client/NAME.js against the demo app and returns its stdout. */
async function runExample(name: string, demoUrl: string, args: string[] = []): Promise<string> {
  const file = fileURLToPath(new URL(`../../examples/client/${name}.js`, import.meta.url));
  const { stdout, stderr } = await exec(process.execPath, [file, ...args], { env: { ...process.env, DEMO_URL: demoUrl }, timeout: 90_000 });
  assert.equal(stderr, '', `${name} wrote to stderr`);
  return stdout;
}

describe('client examples against the demo app', { concurrency: 4 }, () => {
  let served: Served;
  let run: (name: string) => Promise<string>;
  before(async () => {
    served = await serve(createDemoApp(), undefined, { accessLog: null });
    run = (name) => runExample(name, served.url);
  });
  after(() => served.close());

  it('request.ts prints the status and the greeting', async () => {
    assert.equal(await run('request'), 'status: 200\nhello, shadaileng\n');
  });

  it('params.ts prints the three URLs of the notes', async () => {
    const u = served.url;
    assert.equal(
      await run('params'),
      `${u}/querystring?key1=val1&key2=val2\n${u}/querystring?key1=val1&key2=val2&key2=val3\n${u}/querystring?key+1=val\n/querystring?key+1=val\n`,
    );
  });

  it('response.ts prints status, text, text with an encoding and the byte count', async () => {
    assert.equal(await run('response'), 'status: 200\nhello, shadaileng\nhello, shadaileng\nread 16 bytes\n');
  });

  it('json.ts shows the ContentTypeError of the notes, then decodes with contentType: null', async () => {
    const out = await run('json');
    assert.match(out, /^exception: Attempt to decode JSON with unexpected mimetype: text\/json;charset=utf-8\n={35}\nstatus: 200\n\{"status":"ok"\}\n\{ status: 'ok' \}\n/);
    assert.match(out, /"\{\\n {2}\\"test\\": \\"object\\"\\n\}"\n\{ test: 'object' \}\n$/);
  });

  it('streaming.ts writes the whole body in chunks of at most 1024 bytes', async () => {
    const out = await run('streaming');
    assert.match(out, /^status: 200\nwrote 100000 bytes in (\d+) chunks of at most 1024\niterChunked read 50000 bytes\n$/);
    assert.ok(Number(/in (\d+) chunks/.exec(out)?.[1]) >= 98);
  });

  it('post-form.ts sends an urlencoded form', async () => {
    assert.equal(await run('post-form'), 'application/x-www-form-urlencoded\n[["key1","val1"],["key2","val2"]]\n');
  });

  it('post-bytes.ts sends application/octet-stream', async () => {
    assert.equal(await run('post-bytes'), "application/octet-stream\n32 bytes: {'key1': 'val1', 'key2': 'val2'}\n");
  });

  it('post-json.ts sends application/json', async () => {
    assert.equal(await run('post-json'), 'application/json\n{"key1":"val1","key2":"val2"}\n');
  });

  it('post-text.ts sends text/plain; charset=utf-8', async () => {
    assert.equal(await run('post-text'), "text/plain; charset=utf-8\n{'key1': 'val1', 'key2': 'val2'}\n");
  });

  it('multipart-file.ts sends two multipart bodies', async () => {
    const lines = (await run('multipart-file')).split('\n');
    assert.match(lines[0] ?? '', /^file sha256: [0-9a-f]{64}$/);
    assert.equal(lines.filter((l) => l === 'multipart/form-data').length, 2);
    const files = lines.filter((l) => l.startsWith('file ') && !l.startsWith('file sha256'));
    assert.deepEqual(files, ['file report.xls application/octet-stream 10000', 'file xxx.xls application/vnd.ms-excel 10000']);
  });

  it('streaming-upload.ts uploads 5 MiB that the server hashes to the same digest', async () => {
    const out = await run('streaming-upload');
    const m = /^local: {2}(\d+) ([0-9a-f]{64})\nserver: (\d+) ([0-9a-f]{64})\n$/.exec(out);
    assert.ok(m, out);
    assert.equal(m[1], '5242880');
    assert.equal(m[3], m[1]);
    assert.equal(m[4], m[2]);
  });

  it('websocket.ts exchanges messages with /ws until the server closes with 1000', async () => {
    const out = await runExample('websocket', served.url, [`${served.url}/ws`]);
    assert.match(out, /^received: hello\/answer\n[\s\S]*closed with 1000\n$/);
  });

  it('timeouts.ts shows the defaults and a total timeout firing', async () => {
    const out = await run('timeouts');
    assert.match(out, /^default total: 300\nsession total: 60\nstatus: 200\nServerTimeoutError \(total\): .*0\.2.*\/delay\/2.*\n$/);
  });

  it('headers.ts sends image/gif', async () => {
    assert.equal(await run('headers'), 'image/gif\n26 bytes\n');
  });

  it('cookies.ts sends session cookies and stores the cookie a response set', async () => {
    assert.equal(
      await run('cookies'),
      '{"cookies":{"cookies_are":"working"}}\nset by 302: example_cookie_name=abc\n{"cookies":{"example_cookie_name":"abc"}}\n',
    );
  });

  it('response-headers.ts finds headers in any case', async () => {
    const out = await run('response-headers');
    assert.match(out, /^content-type: application\/json; charset=utf-8\nCONTENT-LENGTH: \d+\ncontentType: application\/json, charset: utf-8\n/);
    assert.match(out, /\nContent-Type: application\/json; charset=utf-8\n/);
  });

  it('redirects.ts lists the three 302 hops of /redirect/3', async () => {
    assert.equal(
      await run('redirects'),
      'status: 200\nurl: /redirect/0\nhistory: 3\n  302 /redirect/3\n  302 /redirect/2\n  302 /redirect/1\nwithout following: 302 -> /redirect/2\n',
    );
  });
});
