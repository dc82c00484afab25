import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/cli-app.js', import.meta.url));

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
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
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
});
