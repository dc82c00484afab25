import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/cli-app.js', import.meta.url));
const PROBE = fileURLToPath(new URL('../fixtures/cli-probe-app.js', import.meta.url));

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts the CLI and resolves with the URL from its banner. */
function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /======== Running on (http:\/\/\S+) ========/.exec(out);
      if (m && out.includes('(Press CTRL+C to quit)')) resolve({ child, url: m[1]!, output: () => out });
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('exit', (code) => reject(new Error(`CLI exited with ${code} before listening:\n${out}`)));
  });
}

async function stop(s: Started): Promise<number | null> {
  const exited = once(s.child, 'exit');
  s.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

function runToExit(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return collectExit(child);
}

function collectExit(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

describe('aiohttp-ts CLI', () => {
  it('serves the demo app by default and exits 0 on SIGTERM', async () => {
    const s = await start(['serve', '--host', '127.0.0.1', '--port', '0']);
    const url = s.url.replace('0.0.0.0', '127.0.0.1');
    assert.equal(await (await fetch(url)).text(), 'hello, shadaileng');
    assert.equal(await stop(s), 0);
    assert.match(s.output(), /"GET \/ HTTP\/1.1" 200 17/);
  });

  it('takes the port from $PORT and the host from $HOST', async () => {
    const s = await start(['serve', '--no-access-log'], { HOST: '127.0.0.1', PORT: '0' });
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await (await fetch(s.url)).text(), 'hello, shadaileng');
    assert.equal(await stop(s), 0);
    assert.doesNotMatch(s.output(), /"GET \//);
  });

  it('serves module:factory, passing the arguments after --', async () => {
    const s = await start(['serve', `${FIXTURE}:makeApp`, '--host', '127.0.0.1', '--port', '0', '--', 'a', 'b']);
    assert.equal(await (await fetch(s.url)).text(), 'factory app a,b');
    assert.equal(await stop(s), 0);
  });

  it('explains a bad factory, module or option and exits non-zero', async () => {
    const notFn = await runToExit(['serve', `${FIXTURE}:notAFactory`]);
    assert.equal(notFn.code, 1);
    assert.match(notFn.out, /has no function "notAFactory"/);
    const missing = await runToExit(['serve', './nope.js:make']);
    assert.equal(missing.code, 1);
    assert.match(missing.out, /cannot import module/);
    const badPort = await runToExit(['serve', '--port', 'eighty']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.out, /port must be an integer/);
    const noCmd = await runToExit([]);
    assert.equal(noCmd.code, 2);
    assert.match(noCmd.out, /Usage: aiohttp-ts serve/);
  });

  it('prints its version and help', async () => {
    const v = await runToExit(['--version']);
    assert.match(v.out.trim(), /^\d+\.\d+\.\d+/);
    const h = await runToExit(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, /module:factory/);
  });

  it('says once, with no doubled prefix, that a worker failed to start on a port in use', async (t) => {
    const blocker = net.createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    t.after(() => blocker.close());
    const port = (blocker.address() as net.AddressInfo).port;
    const r = await runToExit(['serve', '--host', '127.0.0.1', '--port', String(port), '--workers', '1', '--no-access-log']);
    assert.equal(r.code, 1);
    assert.match(r.out, /^aiohttp-ts: a worker failed to start: worker \d+ exited before listening$/m);
    assert.match(r.out, /EADDRINUSE/);
    assert.doesNotMatch(r.out, /aiohttp-ts: aiohttp-ts:|: Error: /);
  });

  it('never imports the module in the primary with --workers', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', `${PROBE}:makeApp`, '--host', '127.0.0.1', '--port', '0', '--workers', '1', '--no-access-log'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = collectExit(child);
    let out = '';
    const m = await new Promise<RegExpExecArray>((resolve, reject) => {
      child.stdout!.on('data', (d: string) => {
        out += d;
        const found = /======== Running on (http:\/\/\S+) ========/.exec(out);
        if (found && out.includes('Press CTRL+C to quit')) resolve(found);
      });
      void exited.then((r) => reject(new Error(`CLI exited before listening:\n${r.out}`)));
    });
    assert.equal(await (await fetch(m[1]!)).text(), 'factory app ');
    child.kill('SIGTERM');
    const r = await exited;
    assert.equal(r.code, 0);
    assert.match(r.out, /cli-probe-app imported in a worker/);
    assert.doesNotMatch(r.out, /imported in the primary/);
  });

  it('shuts down when npm\'s shell in between dies of SIGTERM (npx does not pass it on)', async (t) => {
    // npm's shape: npm -> sh -c '<bin> ...' -> node. `; true` keeps sh from exec'ing node.
    const cmd = `"${process.execPath}" "${CLI}" serve --host 127.0.0.1 --port 0 --no-access-log & echo "pid $!"; wait; true`;
    const sh = spawn('/bin/sh', ['-c', cmd], { env: { ...process.env, npm_lifecycle_event: 'npx' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sh.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = once(sh.stdout, 'close');
    const started = await new Promise<{ pid: number; url: string }>((resolve, reject) => {
      sh.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const pid = /^pid (\d+)$/m.exec(out);
        const url = /======== Running on (http:\/\/\S+) ========/.exec(out);
        if (pid && url) resolve({ pid: Number(pid[1]), url: url[1]! });
      });
      sh.once('exit', () => reject(new Error(`sh exited before the server listened:\n${out}`)));
    });
    t.after(() => {
      try {
        process.kill(started.pid, 'SIGKILL');
      } catch {
        // Already gone, as it should be.
      }
    });
    assert.equal(await (await fetch(started.url)).text(), 'hello, shadaileng');
    sh.kill('SIGTERM');
    // The server held the pipe open; it closes when the orphaned server has exited.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 10_000)));
    const result = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    assert.equal(result, 'closed', `the server outlived its parent:\n${out}`);
    assert.match(out, /parent process exited/);
    const port = Number(new URL(started.url).port);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
  });
});
