/** Notes §"响应内容和状态码" (response body and status): status, text, text with an encoding, read. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

await using session = new ClientSession();

const response = await session.get(`${BASE}/`);
console.log(`status: ${response.status}`);
console.log(await response.text());

// When the server's charset is missing or wrong, name the encoding yourself.
const latin = await session.get(`${BASE}/`);
console.log(await latin.text('latin1'));

// Binary content: read() gives the raw bytes as a Buffer.
const binary = await session.get(`${BASE}/bytes/16`);
const bytes = await binary.read();
console.log(`read ${bytes.length} bytes`);
