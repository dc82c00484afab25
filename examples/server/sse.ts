/**
 * A Server-Sent Events feed: `web.sse(request)` prepares a text/event-stream response, `send()`
 * writes one event, and the loop stops when the client goes away (`request.signal`).
 * Run: `PORT=8080 node build/examples/server/sse.js`, then `curl -N localhost:8080/feed` or open
 * http://localhost:8080/ in a browser.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { web } from '../../src/index.js';

const PAGE = `<!doctype html>
<ul id="log"></ul>
<script>
  const source = new EventSource('/feed');
  source.addEventListener('tick', (e) => {
    document.getElementById('log').insertAdjacentHTML('beforeend', '<li>' + e.data + '</li>');
  });
</script>`;

async function feed(request: web.Request): Promise<web.StreamResponse> {
  const count = Number(request.query.get('count') ?? '10');
  const stream = await web.sse(request, { ping: 15 });
  // A reconnecting browser sends Last-Event-ID: carry on after it.
  let n = Number(stream.lastEventId ?? '0');
  while (!request.signal.aborted && n < count) {
    n += 1;
    await stream.send({ event: 'tick', id: String(n), data: `tick ${n} at ${new Date().toISOString()}` });
    await sleep(100);
  }
  await stream.writeEof();
  return stream;
}

/** Builds the app. */
export function createApp(): web.Application {
  const app = new web.Application();
  app.router.addGet('/', () => new web.Response({ text: PAGE, contentType: 'text/html' }));
  app.router.addGet('/feed', feed);
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
