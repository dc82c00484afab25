/** Notes §"POST请求 / 字节" (bytes): a Buffer is sent as is, as application/octet-stream. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

await using session = new ClientSession();
const data = Buffer.from("{'key1': 'val1', 'key2': 'val2'}");
await using response = await session.post(`${BASE}/anything`, { data });
const echo = (await response.json()) as { headers: Record<string, string>; data: string; size: number };
console.log(echo.headers['Content-Type']);
console.log(`${echo.size} bytes: ${echo.data}`);
