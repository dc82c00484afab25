import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMPORT_LOG_FLAG, readImportLog } from '../helpers/import-log.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const WEB_APP = fileURLToPath(new URL('../fixtures/cli-web-app.js', import.meta.url));
const ROOT_APP = fileURLToPath(new URL('../fixtures/cli-app.js', import.meta.url));

/** Runs `aiohttp-ts serve <target>`, GETs `/`, stops it; the packages it had loaded by then. */
async function serveAndLog(target?: string): Promise<{ body: string; packages: Set<string>; own: Set<string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-cli-imports-'));
  const log = join(dir, 'imports.log');
  const child = spawn(process.execPath, [IMPORT_LOG_FLAG, CLI, 'serve', ...(target === undefined ? [] : [target]), '--host', '127.0.0.1', '--port', '0', '--no-access-log'], {
    env: { ...process.env, IMPORT_LOG: log }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (d: string): void => {
        out += d;
        const m = /Running on (http:\/\/\S+) ====/.exec(out);
        if (m) resolve(m[1]!);
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', onData);
      child.once('exit', (code) => reject(new Error(`CLI exited with ${String(code)}: ${out}`)));
    });
    const body = await (await fetch(url)).text();
    return { body, ...readImportLog(log) };
  } finally {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('aiohttp-ts serve imports', () => {
  it('serves an aiohttp-ts/web app without loading the client or its dependencies', async () => {
    const { body, packages, own } = await serveAndLog(`${WEB_APP}:makeApp`);
    assert.equal(body, 'web entry app');
    for (const pkg of ['undici', 'tough-cookie', 'ws', '@fastify/busboy']) assert.ok(!packages.has(pkg), `${pkg} was loaded`);
    assert.deepEqual([...own].filter((f) => f.startsWith('client/') || f.startsWith('demo/') || f === 'index.js'), []);
  });

  it('serves the built-in demo app without loading the client, ws or busboy', async () => {
    const { body, packages, own } = await serveAndLog();
    assert.equal(body, 'hello, shadaileng');
    for (const pkg of ['undici', 'tough-cookie', 'ws', '@fastify/busboy']) assert.ok(!packages.has(pkg), `${pkg} was loaded`);
    assert.deepEqual([...own].filter((f) => f.startsWith('client/') || f === 'index.js'), []);
    assert.ok(own.has('demo/app.js'), 'the demo app was served');
  });

  it('loads the client when the app module imports the root entry', async () => {
    const { body, packages } = await serveAndLog(`${ROOT_APP}:makeApp`);
    assert.equal(body, 'factory app ');
    assert.ok(packages.has('undici'), 'the log sees what the app module pulls in');
  });
});
