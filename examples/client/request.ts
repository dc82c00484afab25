/** Notes §"发起请求" (making a request): one session, a GET, the status and the body as text. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

// One session per application (or per site): it holds the connection pool and the cookie jar.
await using session = new ClientSession();
await using response = await session.get(`${BASE}/`);
console.log(`status: ${response.status}`);
console.log(await response.text());
