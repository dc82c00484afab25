/** Notes §"自定义请求头" (custom request headers): a GIF payload with Content-Type image/gif. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

const payload = Buffer.from('GIF89a\x01\x00\x01\x00\x00\xff\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00;', 'latin1');
const headers = { 'content-type': 'image/gif' };

await using session = new ClientSession();
await using response = await session.post(`${BASE}/anything`, { data: payload, headers });
const echo = (await response.json()) as { headers: Record<string, string>; size: number };
console.log(echo.headers['Content-Type']);
console.log(`${echo.size} bytes`);
