/** Notes §"POST请求 / json": `json:` serialises the value and sets application/json. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

await using session = new ClientSession();
await using response = await session.post(`${BASE}/anything`, { json: { key1: 'val1', key2: 'val2' } });
const echo = (await response.json()) as { headers: Record<string, string>; json: unknown };
console.log(echo.headers['Content-Type']);
console.log(JSON.stringify(echo.json));
