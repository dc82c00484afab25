import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { IMPORT_LOG_FLAG, readImportLog } from '../helpers/import-log.js';

const CHILD = fileURLToPath(new URL('../helpers/web-entry-child.js', import.meta.url));

function send(port: number, method: string, path: string, body = '', headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('aiohttp-ts/web entry', () => {
  it('loads no client, cookie jar, ws or busboy code until a WebSocket or multipart body needs it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-imports-'));
    const log = join(dir, 'imports.log');
    const child = spawn(process.execPath, [IMPORT_LOG_FLAG, CHILD], {
      env: { ...process.env, IMPORT_LOG: log }, stdio: ['pipe', 'pipe', 'inherit'],
    });
    t.after(async () => {
      if (child.exitCode === null) {
        child.stdin.end();
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        const m = /READY (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`child exited with ${String(code)}: ${out}`)));
    });

    assert.equal(await send(port, 'GET', '/'), 'hello');
    assert.equal(await send(port, 'GET', '/json'), '{"ok":true}');
    assert.equal(await send(port, 'POST', '/upload', 'x'.repeat(100_000)), '100000');
    const served = readImportLog(log);
    for (const pkg of ['undici', 'tough-cookie', 'ws', '@fastify/busboy']) {
      assert.ok(!served.packages.has(pkg), `${pkg} was loaded: ${[...served.packages].join(', ')}`);
    }
    assert.deepEqual([...served.own].filter((f) => f.startsWith('client/') || f === 'index.js'), []);
    assert.ok(served.own.has('server/index.js'), 'the log saw the entry itself');

    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await once(ws, 'open');
    ws.send('ping');
    const [echo] = (await once(ws, 'message')) as [Buffer];
    assert.equal(echo.toString(), 'ping');
    ws.close();
    await once(ws, 'close');
    assert.ok(readImportLog(log).packages.has('ws'), 'the first WebSocket handshake loads ws');

    const boundary = 'b0undary';
    const form = `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${boundary}\r\n` +
      `Content-Disposition: form-data; name="b"\r\n\r\n2\r\n--${boundary}--\r\n`;
    assert.equal(await send(port, 'POST', '/multipart', form, { 'content-type': `multipart/form-data; boundary=${boundary}` }), 'a,b');
    const after = readImportLog(log);
    assert.ok(after.packages.has('@fastify/busboy'), 'the first multipart read loads @fastify/busboy');
    assert.ok(!after.packages.has('undici') && !after.packages.has('tough-cookie'));
  });
});
