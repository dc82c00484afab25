/** Notes §"转发历史" (redirect history): the responses a redirect chain went through. */
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

await using session = new ClientSession();
await using response = await session.get(`${BASE}/redirect/3`);
console.log(`status: ${response.status}`);
console.log(`url: ${new URL(response.url).pathname}`);
console.log(`history: ${response.history.length}`);
for (const hop of response.history) console.log(`  ${hop.status} ${new URL(hop.url).pathname}`);

// allowRedirects: false returns the first 302 itself.
await using first = await session.get(`${BASE}/redirect/3`, { allowRedirects: false });
console.log(`without following: ${first.status} -> ${first.headers.get('Location')}`);
