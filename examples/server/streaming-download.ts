/**
 * Streaming a download with StreamResponse: the body is written chunk by chunk, so a large answer
 * never sits whole in memory, and a client that goes away stops the loop.
 * Run: `PORT=8080 node build/examples/server/streaming-download.js`, then
 * `curl -o numbers.csv http://localhost:8080/numbers.csv?rows=100000`.
 */
import { pathToFileURL } from 'node:url';
import { web } from '../../src/index.js';

async function numbers(request: web.Request): Promise<web.StreamResponse> {
  const rows = Number(request.query.get('rows') ?? '1000');
  if (!Number.isSafeInteger(rows) || rows < 0 || rows > 10_000_000) {
    throw new web.HTTPBadRequest({ text: 'rows must be an integer from 0 to 10000000' });
  }
  const response = new web.StreamResponse({
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="numbers.csv"' },
  });
  // No Content-Length: the body is sent with chunked transfer encoding.
  response.enableChunkedEncoding();
  await response.prepare(request);
  await response.write('n,square\n');
  const batch: string[] = [];
  for (let n = 1; n <= rows; n += 1) {
    batch.push(`${n},${n * n}\n`);
    if (batch.length === 1000 || n === rows) {
      if (request.signal.aborted) break;
      // write() waits while the socket's buffer is full (back-pressure).
      await response.write(batch.join(''));
      batch.length = 0;
    }
  }
  await response.writeEof();
  return response;
}

/** Builds the app. */
export function createApp(): web.Application {
  const app = new web.Application();
  app.router.addGet('/numbers.csv', numbers);
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
