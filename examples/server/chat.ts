/**
 * A WebSocket chat: every text message a client sends goes to every connected client, with the
 * sender's name. `web.WebSocketResponse` goes through the normal router; its messages are an async
 * iterable (`for await`), as aiohttp's `async for msg in ws`.
 * Run: `PORT=8080 node build/examples/server/chat.js`, open http://localhost:8080/ in two tabs.
 */
import { pathToFileURL } from 'node:url';
import { AppKey, WSMsgType, web } from '../../src/index.js';

const CLIENTS = new AppKey<Set<web.WebSocketResponse>>('clients');

const PAGE = `<!doctype html>
<ul id="log"></ul><form id="f"><input id="msg" autofocus><button>Send</button></form>
<script>
  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws?name=' + Math.random().toString(36).slice(2, 6));
  ws.onmessage = (e) => document.getElementById('log').insertAdjacentHTML('beforeend', '<li>' + e.data.replace(/</g, '&lt;') + '</li>');
  document.getElementById('f').onsubmit = (e) => { e.preventDefault(); ws.send(msg.value); msg.value = ''; };
</script>`;

async function broadcast(clients: Set<web.WebSocketResponse>, text: string): Promise<void> {
  await Promise.allSettled([...clients].map((ws) => ws.sendStr(text)));
}

async function chat(request: web.Request): Promise<web.WebSocketResponse> {
  const name = request.query.get('name') ?? 'anonymous';
  const ws = new web.WebSocketResponse({ heartbeat: 30 });
  await ws.prepare(request);
  const clients = request.app.get(CLIENTS);
  clients.add(ws);
  await broadcast(clients, `* ${name} joined`);
  try {
    for await (const msg of ws) {
      if (msg.type === WSMsgType.TEXT) await broadcast(clients, `${name}: ${msg.data}`);
    }
  } finally {
    clients.delete(ws);
    await broadcast(clients, `* ${name} left`);
  }
  return ws;
}

/** Builds the app. */
export function createApp(): web.Application {
  const app = new web.Application();
  app.set(CLIENTS, new Set());
  app.router.addGet('/', () => new web.Response({ text: PAGE, contentType: 'text/html' }));
  app.router.addGet('/ws', chat);
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
