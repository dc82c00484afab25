/** Notes §"Response中信息 / headers": response.headers is a case-insensitive multidict. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

await using session = new ClientSession();
await using response = await session.get(`${BASE}/headers`);
await response.read();
// Any spelling of a name finds the header.
console.log(`content-type: ${response.headers.get('Content-Type')}`);
console.log(`CONTENT-LENGTH: ${response.headers.get('CONTENT-LENGTH')}`);
console.log(`contentType: ${response.contentType}, charset: ${response.charset}`);
// Every header, in the order the server sent them (names as received).
for (const [name, value] of response.rawHeaders) {
  if (name.toLowerCase() !== 'date') console.log(`${name}: ${value}`);
}
