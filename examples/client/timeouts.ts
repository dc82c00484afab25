/** Notes §"超时" (timeouts): ClientTimeout on the session and per request, in seconds. */
import { ClientSession, ClientTimeout, DEFAULT_TIMEOUT, ServerTimeoutError } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

// The default: five minutes in total, no other limit.
console.log(`default total: ${DEFAULT_TIMEOUT.total}`);

const timeout = new ClientTimeout({ total: 60 });
await using session = new ClientSession({ timeout });
console.log(`session total: ${session.timeout.total}`);

// A per-request timeout replaces the session's for that request.
{
  await using response = await session.get(`${BASE}/`, { timeout });
  console.log(`status: ${response.status}`);
}

// /delay/2 answers after 2 s; a 0.2 s total limit fires first.
try {
  await session.get(`${BASE}/delay/2`, { timeout: new ClientTimeout({ total: 0.2 }) });
  console.log('no timeout?');
} catch (err) {
  if (!(err instanceof ServerTimeoutError)) throw err;
  console.log(`${err.name} (${err.timeout}): ${err.message}`);
}
