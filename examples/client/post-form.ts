/** Notes §"POST请求 / form-data": an object as `data` is sent urlencoded, like an HTML form. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

await using session = new ClientSession();
await using response = await session.post(`${BASE}/anything`, { data: { key1: 'val1', key2: 'val2' } });
const echo = (await response.json()) as { headers: Record<string, string>; form: Array<[string, string]> };
console.log(echo.headers['Content-Type']);
console.log(JSON.stringify(echo.form));
