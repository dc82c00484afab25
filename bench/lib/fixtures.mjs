// Inputs shared by every contender (Node and Python): the 1,000-route table, the static file,
// the 1 KiB JSON payload. The runner writes them once to a JSON file whose path every server and
// client child receives, so all contenders serve and send exactly the same things.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// GitHub REST API shaped templates (as in aio-libs/aiohttp tests/test_benchmarks_web_urldispatcher.py),
// repeated under 100 top-level resource names to give 1,000 routes, mostly dynamic.
const TEMPLATES = [
  '/users/{user}',
  '/users/{user}/repos',
  '/orgs/{org}/members/{username}',
  '/repos/{owner}/{repo}',
  '/repos/{owner}/{repo}/issues',
  '/repos/{owner}/{repo}/issues/{number}',
  '/repos/{owner}/{repo}/issues/{number}/comments',
  '/repos/{owner}/{repo}/git/refs/{ref}',
  '/gists/{gist_id}/comments/{comment_id}',
  '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
];

export function makeRoutes() {
  const routes = [];
  for (let i = 0; i < 100; i++) {
    for (const t of TEMPLATES) routes.push(`/api${i}${t}`);
  }
  return routes; // 1,000; the last one is dynamic
}

/** A 1 KiB JSON object (serialised length exactly 1024 bytes). */
export function makePayload() {
  const obj = { id: 12345, name: 'aiohttp-ts benchmark', tags: ['a', 'b', 'c'], nested: { ok: true, n: 3.5 }, items: [] };
  let i = 0;
  while (JSON.stringify(obj).length < 1024 - 40) obj.items.push({ k: `key${i}`, v: i++ });
  const base = JSON.stringify({ ...obj, pad: '' }).length;
  obj.pad = 'x'.repeat(1024 - base);
  if (JSON.stringify(obj).length !== 1024) throw new Error('payload is not 1 KiB');
  return obj;
}

/** A deterministic 64 KiB chunk used for static files, uploads and downloads. */
export function makeChunk(size = 65536) {
  const buf = Buffer.alloc(size);
  let seed = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    buf[i] = seed & 0xff;
  }
  return buf;
}

/** sha256 hex of `bytes` bytes made of repeated `chunk` (bytes must be a multiple of its length). */
export function streamHash(chunk, bytes) {
  const h = createHash('sha256');
  for (let sent = 0; sent < bytes; sent += chunk.length) h.update(chunk);
  return h.digest('hex');
}

export function writeFixtures(dir) {
  mkdirSync(join(dir, 'static'), { recursive: true });
  const staticFile = join(dir, 'static', 'file-64k.bin');
  writeFileSync(staticFile, makeChunk());
  const routes = makeRoutes();
  const last = routes[routes.length - 1];
  const fixtures = {
    routes,
    lastRoute: last,
    lastRoutePath: last.replace(/\{[^}]+\}/g, (m) => `v${m.length}`),
    staticDir: join(dir, 'static'),
    staticPath: '/static/file-64k.bin',
    staticSize: 65536,
    payload: makePayload(),
  };
  const file = join(dir, 'fixtures.json');
  writeFileSync(file, JSON.stringify(fixtures));
  return { file, fixtures };
}

/** `{name}` (aiohttp) -> `:name` (Express, Koa, Fastify, Hono). */
export const colonParams = (t) => t.replace(/\{([^}]+)\}/g, ':$1');
