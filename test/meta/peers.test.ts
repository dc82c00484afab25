/**
 * The outside-peer rule of the suite (test/helpers/peers.ts): a test that needs a missing program is
 * skipped with the program and its install command named, and `npm test` says so in one line at the
 * end; under CI=true the same run fails instead. Checked on a scratch test file run by a child
 * `node --test` with the reporters `npm test` uses, the peer hidden through the lookup's override.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ciRequiresPeers, probePeer } from '../helpers/peers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PEERS = new URL('../helpers/peers.js', import.meta.url).href;
const REPORTER = join(ROOT, 'scripts', 'peer-summary-reporter.mjs');

interface Run {
  code: number;
  out: string;
}

function nodeTest(file: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const args = [
    '--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${pathToFileURL(REPORTER).href}`, '--test-reporter-destination=stdout', file,
  ];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, out: stdout + stderr });
    });
  });
}

/** The environment of this process without CI and without any peer override. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CI;
  delete env.NODE_TEST_CONTEXT; // else the child thinks it runs inside this test runner
  for (const k of Object.keys(env)) if (k.startsWith('AIOHTTP_TS_PEER_')) delete env[k];
  return env;
}

describe('outside peers', () => {
  let dir = '';
  let file = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiohttp-ts-peers-'));
    file = join(dir, 'fixture.test.mjs');
    // nginx is hidden (its test would fail if it ran); curl is "present" (pointed at node itself).
    await writeFile(file, `
import { describe, it } from 'node:test';
import { needs } from ${JSON.stringify(PEERS)};
describe('a suite behind nginx', needs('nginx'), () => {
  it('talks to nginx', () => { throw new Error('ran without nginx'); });
});
it('a test with curl', needs('curl'), () => {});
it('a test with no peer', () => {});
`);
  });

  it('skips a test whose peer is missing, naming the program and its install command, and sums up', async () => {
    const run = await nodeTest(file, { ...cleanEnv(), AIOHTTP_TS_PEER_NGINX: join(dir, 'no-nginx'), AIOHTTP_TS_PEER_CURL: process.execPath });
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, new RegExp(`# outside peer missing: nginx \\(no ${join(dir, 'no-nginx').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\); install it with: sudo apt-get install nginx`));
    assert.doesNotMatch(run.out, /ran without nginx/);
    assert.match(run.out, /✔ a test with curl/);
    assert.match(run.out, /✔ a test with no peer/);
    assert.match(run.out, /^1 suite skipped: nginx missing — see CONTRIBUTING\.md$/m);
  });

  it('fails instead under CI=true, with a test that names the missing peer', async () => {
    const run = await nodeTest(file, { ...cleanEnv(), CI: 'true', AIOHTTP_TS_PEER_NGINX: join(dir, 'no-nginx'), AIOHTTP_TS_PEER_CURL: process.execPath });
    assert.equal(run.code, 1, run.out);
    assert.match(run.out, /✖ outside peer present: nginx/);
    assert.match(run.out, /CI=true requires every outside peer, and nginx \(no .*no-nginx\); install it with: sudo apt-get install nginx/);
    assert.match(run.out, /ran without nginx/);
    assert.doesNotMatch(run.out, /skipped: .* missing/);
  });

  it('counts skipped suites and tests and names every missing peer; says nothing when all are there', async () => {
    const run = await nodeTest(file, { ...cleanEnv(), AIOHTTP_TS_PEER_NGINX: join(dir, 'no-nginx'), AIOHTTP_TS_PEER_CURL: join(dir, 'no-curl') });
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /^1 suite and 1 test skipped: nginx, curl missing — see CONTRIBUTING\.md$/m);
    const present = await nodeTest(join(dir, 'fixture.test.mjs'), { ...cleanEnv(), AIOHTTP_TS_PEER_NGINX: process.execPath, AIOHTTP_TS_PEER_CURL: process.execPath });
    assert.equal(present.code, 1, 'the nginx test runs and fails when its peer is "there"');
    assert.doesNotMatch(present.out, /skipped: /);
  });

  it('finds a Python peer by importing its module', async () => {
    const fake = join(dir, 'python3');
    await writeFile(fake, '#!/bin/sh\n[ "$2" = "import aiohttp" ]\n');
    await chmod(fake, 0o755);
    const ok = probePeer('python3-aiohttp', { AIOHTTP_TS_PEER_PYTHON3_AIOHTTP: fake });
    assert.equal(ok.available, true);
    assert.equal(ok.path, fake);
    const no = probePeer('python3-httpbin', { AIOHTTP_TS_PEER_PYTHON3_HTTPBIN: fake });
    assert.equal(no.available, false);
    assert.equal(no.reason, `outside peer missing: httpbin (${fake} cannot import httpbin); install it with: sudo apt-get install python3-httpbin`);
  });

  it('reads CI as CI systems set it', () => {
    assert.equal(ciRequiresPeers({ CI: 'true' }), true);
    assert.equal(ciRequiresPeers({ CI: '1' }), true);
    assert.equal(ciRequiresPeers({}), false);
    assert.equal(ciRequiresPeers({ CI: 'false' }), false);
    assert.equal(ciRequiresPeers({ CI: '' }), false);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
});
