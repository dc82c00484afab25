import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientSession, FormData } from '../../src/index.js';

interface Running {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts build/examples/server/NAME.js on PORT=0 and resolves once it prints its URL. */
async function start(name: string, env: Record<string, string> = {}): Promise<Running> {
  const file = fileURLToPath(new URL(`../../examples/server/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [file], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const m = /Running on (http:\/\/\S+) =/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout.on('data', check);
    void exited.then(() => reject(new Error(`${name} exited before listening:\n${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}

describe('server examples', { concurrency: 3 }, () => {
  it('hello.ts greets / and /{name}, and exits 0 on SIGTERM', async (t) => {
    const server = await start('hello');
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    assert.equal(await (await session.get('/')).text(), 'hello, shadaileng');
    assert.equal(await (await session.get('/%E4%B8%96%E7%95%8C')).text(), 'hello, 世界');
    assert.equal(await server.stop(), 0);
  });

  it('json-api.ts creates, reads and patches todos, with validation errors as JSON 400', async (t) => {
    const server = await start('json-api');
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    const created = await session.post('/todos', { json: { title: 'write docs' } });
    assert.equal(created.status, 201);
    assert.deepEqual(await created.json(), { id: 1, title: 'write docs', done: false });
    const patched = await session.patch('/todos/1', { json: { done: true } });
    assert.deepEqual(await patched.json(), { id: 1, title: 'write docs', done: true });
    assert.deepEqual(await (await session.get('/todos')).json(), [{ id: 1, title: 'write docs', done: true }]);

    const bad = await session.post('/todos', { json: { title: '', done: 'yes', extra: 1 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.contentType, 'application/json');
    assert.deepEqual(await bad.json(), { errors: ['title must be a non-empty string', 'done must be a boolean', 'unknown field extra'] });
    const notJson = await session.post('/todos', { data: '{oops', headers: { 'Content-Type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.deepEqual(await notJson.json(), { errors: ['body is not valid JSON'] });
    const missing = await session.get('/todos/99');
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { errors: ['no todo 99'] });
    assert.equal(await server.stop(), 0);
  });

  it('streaming-download.ts streams a chunked CSV', async (t) => {
    const server = await start('streaming-download');
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    const response = await session.get('/numbers.csv', { params: { rows: 20000 } });
    assert.equal(response.headers.get('Transfer-Encoding'), 'chunked');
    assert.equal(response.contentLength, null);
    const lines = (await response.text()).trimEnd().split('\n');
    assert.equal(lines.length, 20001);
    assert.equal(lines[0], 'n,square');
    assert.equal(lines[20000], '20000,400000000');
    assert.equal((await session.get('/numbers.csv', { params: { rows: -1 } })).status, 400);
    assert.equal(await server.stop(), 0);
  });

  it('middlewares.ts times every answer and guards /admin/* with a bearer token', async (t) => {
    const server = await start('middlewares', { TOKEN: 's3cret' });
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    const open = await session.get('/');
    assert.equal(await open.text(), 'public');
    assert.match(open.headers.get('Server-Timing') ?? '', /^app;dur=\d+\.\d\d$/);
    const denied = await session.get('/admin/stats');
    await denied.read();
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('WWW-Authenticate'), 'Bearer');
    assert.match(denied.headers.get('Server-Timing') ?? '', /^app;dur=/);
    const allowed = await session.get('/admin/stats', { headers: { Authorization: 'Bearer s3cret' } });
    assert.equal(((await allowed.json()) as { user: string }).user, 'admin');
    assert.equal(await server.stop(), 0);
  });

  it('graceful-shutdown.ts finishes the request in flight, runs onShutdown and cleanup, exits 0', async (t) => {
    const server = await start('graceful-shutdown');
    t.after(() => server.stop());
    assert.match(server.output(), /startup: ticker opened/);
    await using session = new ClientSession({ baseUrl: server.url });
    assert.match(await (await session.get('/')).text(), /^ticks: \d+$/);
    const slow = session.get('/slow');
    // Signal once the handler is running.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (server.output().includes('slow: started')) {
          server.child.stdout?.off('data', check);
          resolve();
        }
      };
      server.child.stdout?.on('data', check);
      check();
    });
    const code = server.stop();
    assert.equal(await (await slow).text(), 'finished');
    assert.equal(await code, 0);
    const out = server.output();
    assert.match(out, /shutdown: closing connections\n(.*\n)*cleanup: ticker closed after \d+ ticks\n(.*\n)*bye\n/);
  });

  it('file-upload.ts streams multipart files to disk', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'uploads-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const server = await start('file-upload', { UPLOAD_DIR: dir });
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    assert.match(await (await session.get('/')).text(), /enctype="multipart\/form-data"/);
    const content = Buffer.alloc(300_000, 'z');
    const data = new FormData();
    data.addField('comment', 'hi');
    data.addField('file', content, { filename: '../../evil.bin', contentType: 'application/octet-stream' });
    const response = await session.post('/upload', { data });
    assert.deepEqual(await response.json(), {
      fields: { comment: 'hi' },
      files: [{ field: 'file', filename: 'evil.bin', size: content.length, sha256: createHash('sha256').update(content).digest('hex') }],
    });
    assert.deepEqual(await readFile(join(dir, 'evil.bin')), content);
    assert.equal((await session.post('/upload', { data: 'x' })).status, 400);
    assert.equal(await server.stop(), 0);
  });

  it('sse.ts sends a text/event-stream of tick events', async (t) => {
    const server = await start('sse');
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    const response = await session.get('/feed', { params: { count: 3 } });
    assert.equal(response.contentType, 'text/event-stream');
    const body = await response.text();
    assert.deepEqual([...body.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]), ['1', '2', '3']);
    assert.equal([...body.matchAll(/^event: tick$/gm)].length, 3);
    const resumed = await session.get('/feed', { params: { count: 3 }, headers: { 'Last-Event-ID': '2' } });
    assert.deepEqual([...(await resumed.text()).matchAll(/^id: (\d+)$/gm)].map((m) => m[1]), ['3']);
    assert.equal(await server.stop(), 0);
  });

  it('subapp.ts mounts the admin app under /admin/ with its own middleware', async (t) => {
    const server = await start('subapp');
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    const main = await session.get('/');
    assert.equal(await main.text(), 'main app');
    assert.equal(main.headers.has('X-Admin'), false);
    const users = await session.get('/admin/users');
    assert.deepEqual(await users.json(), ['alice', 'bob']);
    assert.equal(users.headers.get('X-Admin'), 'yes');
    assert.deepEqual(await (await session.get('/admin/')).json(), { users: '/admin/users' });
    assert.equal(await server.stop(), 0);
  });

  it('static-site.ts serves the public folder with ranges and no escape', async (t) => {
    const server = await start('static-site');
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    const index = await session.get('/');
    assert.equal(index.contentType, 'text/html');
    assert.match(await index.text(), /Served by aiohttp-ts/);
    const css = await session.get('/static/style.css', { headers: { Range: 'bytes=0-3' } });
    assert.equal(css.status, 206);
    assert.equal(await css.text(), 'body');
    assert.equal((await session.get('/static/../static-site.js', { encoded: true })).status, 404);
    assert.equal(await server.stop(), 0);
  });

  it('chat.ts relays each message to every connected client', async (t) => {
    const server = await start('chat');
    t.after(() => server.stop());
    await using session = new ClientSession({ baseUrl: server.url });
    await using alice = await session.wsConnect('/ws?name=alice');
    assert.equal(await alice.receiveStr(), '* alice joined');
    await using bob = await session.wsConnect('/ws?name=bob');
    assert.equal(await alice.receiveStr(), '* bob joined');
    assert.equal(await bob.receiveStr(), '* bob joined');
    await bob.sendStr('hello');
    assert.equal(await alice.receiveStr(), 'bob: hello');
    assert.equal(await bob.receiveStr(), 'bob: hello');
    await bob.close();
    assert.equal(await alice.receiveStr(), '* bob left');
    await alice.close();
    assert.equal(await server.stop(), 0);
  });
});
