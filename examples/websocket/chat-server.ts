/**
 * A chat server with broadcast, and aiohttp's graceful-shutdown recipe: the app keeps its open
 * WebSockets in a WebSocketSet under an AppKey (aiohttp's `app[websockets]`) and closes them in
 * onShutdown with its own code and message. (AppRunner would close any left with 1001 anyway.)
 *   node build/examples/websocket/chat-server.js    then connect several clients to ws://127.0.0.1:8080/chat
 */
import { pathToFileURL } from 'node:url';
import { AppKey, WSCloseCode, WSMsgType, WebSocketSet, web } from '../../src/index.js';

/** The open chat sockets, as aiohttp's `app[websockets] = weakref.WeakSet()`. */
export const websockets = new AppKey<WebSocketSet<web.WebSocketResponse>>('websockets');

async function chat(request: web.Request): Promise<web.WebSocketResponse> {
  const ws = new web.WebSocketResponse({ heartbeat: 30 });
  await ws.prepare(request);
  const peers = request.app.get(websockets);
  const name = request.query.get('name') ?? `guest-${peers.size + 1}`;
  peers.add(ws);
  try {
    for await (const msg of ws) {
      if (msg.type !== WSMsgType.TEXT) continue;
      // Broadcast to everyone else; a peer that is closing is skipped, not an error for the sender.
      await Promise.allSettled([...peers].filter((p) => p !== ws).map((p) => p.sendStr(`${name}: ${msg.data}`)));
    }
  } finally {
    peers.delete(ws);
  }
  return ws;
}

/** Builds the chat app. */
export function createChatApp(): web.Application {
  const app = new web.Application();
  app.set(websockets, new WebSocketSet());
  app.router.addGet('/chat', chat);
  app.onShutdown.push(async (a) => {
    await a.get(websockets).closeAll({ code: WSCloseCode.GOING_AWAY, message: 'Server shutdown', timeout: 5 });
  });
  return app;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await web.runApp(createChatApp(), { host: '127.0.0.1', port: Number(process.env.PORT ?? 8080) });
}
