/** Notes §"解析参数" (query parameters): an object, pairs with a repeated key, and an encoded URL. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

await using session = new ClientSession();

// An object: one value per key.
const r1 = await session.get(`${BASE}/querystring`, { params: { key1: 'val1', key2: 'val2' } });
console.log(String(r1.url));
r1.release();

// Pairs keep repeated keys in order (aiohttp's list of tuples / MultiDict).
const r2 = await session.get(`${BASE}/querystring`, { params: [['key1', 'val1'], ['key2', 'val2'], ['key2', 'val3']] });
console.log(String(r2.url));
r2.release();

// `encoded: true` sends the URL exactly as written (aiohttp's `URL(..., encoded=True)`).
const r3 = await session.get(`${BASE}/querystring?key+1=val`, { encoded: true });
console.log(String(r3.url));
// The demo app echoes the path and query exactly as it received them.
console.log((await r3.json() as { url: string }).url);
