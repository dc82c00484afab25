/**
 * Notes §"POST请求 / 字符" (text): a string as `data` is sent as text/plain; charset=utf-8.
 * aiohttp's notes write `text=data`; aiohttp itself (and aiohttp-ts) take the string as `data`.
 */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

await using session = new ClientSession();
await using response = await session.post(`${BASE}/anything`, { data: "{'key1': 'val1', 'key2': 'val2'}" });
const echo = (await response.json()) as { headers: Record<string, string>; data: string };
console.log(echo.headers['Content-Type']);
console.log(echo.data);
