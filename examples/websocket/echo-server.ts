/**
 * The smallest WebSocket server: a GET route becomes a WebSocket inside its handler, as in aiohttp.
 *   node build/examples/websocket/echo-server.js    then: node build/examples/client/websocket.js http://127.0.0.1:8080/ws
 */
import { pathToFileURL } from 'node:url';
import { WSMsgType, web } from '../../src/index.js';

async function echo(request: web.Request): Promise<web.WebSocketResponse> {
  const ws = new web.WebSocketResponse({ heartbeat: 30 });
  await ws.prepare(request);
  for await (const msg of ws) {
    if (msg.type === WSMsgType.TEXT) {
      if (msg.data === 'close cmd') await ws.close();
      else await ws.sendStr(`${msg.data}/answer`);
    } else if (msg.type === WSMsgType.BINARY) {
      await ws.sendBytes(msg.data);
    } else if (msg.type === WSMsgType.ERROR) {
      console.error('connection closed with exception', ws.exception());
    }
  }
  return ws;
}

/** Builds the echo app. */
export function createEchoApp(): web.Application {
  const app = new web.Application();
  app.router.addGet('/ws', echo);
  return app;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await web.runApp(createEchoApp(), { host: '127.0.0.1', port: Number(process.env.PORT ?? 8080) });
}
