/**
 * Field names and file names with `"`, `\`, CR, LF and non-ASCII reach `request.post()` as they
 * were given, from our ClientSession (our writer) and from curl (the browsers' encoding).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClientSession, FormData } from '../../src/index.js';
import * as web from '../../src/server/index.js';
import { FileField } from '../../src/common/multipart/file-field.js';
import { serve } from '../helpers/server.js';
import { needs, peerPath } from '../helpers/peers.js';

const run = promisify(execFile);

function echoApp(): web.Application {
  const app = new web.Application();
  app.router.addPost('/', async (req) => {
    const out: Array<[string, string, string | null]> = [];
    for (const [k, v] of await req.post()) out.push(v instanceof FileField ? [k, (await v.read()).toString(), v.filename ?? null] : [k, v, null]);
    return web.jsonResponse(out);
  });
  return app;
}

describe('multipart field and file names over HTTP', () => {
  it('keeps quotes, backslashes, CR/LF and non-ASCII from our client', async (t) => {
    const { url } = await serve(echoApp(), t);
    const fd = new FormData();
    fd.addField('say "hi"\\', 'v1');
    fd.addField('multi\r\nline é', Buffer.from('v2'), { filename: 'C:\\x "y"\r\n😀.txt', contentType: 'text/plain' });
    await using session = new ClientSession();
    const got = await (await session.post(url, { data: fd })).json();
    assert.deepEqual(got, [['say "hi"\\', 'v1', null], ['multi\r\nline é', 'v2', 'C:\\x "y"\r\n😀.txt']]);
  });

  it('decodes what curl sends as browsers do', needs('curl'), async (t) => {
    const { url } = await serve(echoApp(), t);
    const dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-names-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'f.txt'), 'file');
    const { stdout } = await run(peerPath('curl'), ['-s', '-F', 'a"b\\c=v', '-F', `f=@${join(dir, 'f.txt')};filename=x"y\\z é.txt`, url]);
    assert.deepEqual(JSON.parse(stdout), [['a"b\\c', 'v', null], ['f', 'file', 'x"y\\z é.txt']]);
  });
});
