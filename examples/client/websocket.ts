/**
 * The seed notes' WebSocket client, translated: `for await` over the messages, echo with
 * '/answer', close on 'close cmd'. Run it against the demo app (`npm start`):
 *   node build/examples/client/websocket.js http://127.0.0.1:8080/ws
 */
import { ClientSession, WSMsgType } from '../../src/index.js';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/ws';

await using session = new ClientSession();
await using ws = await session.wsConnect(url);
// The seed's loop waits for the server to speak first; the demo server only answers, so we start.
await ws.sendStr('hello');
let rounds = 0;
for await (const msg of ws) {
  if (msg.type === WSMsgType.TEXT) {
    console.log(`received: ${msg.data}`);
    if (msg.data === 'close cmd') {
      await ws.close();
      break;
    }
    // The demo server echoes with '/answer' as well; after two rounds we ask it to close.
    await ws.sendStr(++rounds < 2 ? `${msg.data}/answer` : 'close cmd');
  } else if (msg.type === WSMsgType.ERROR) {
    break;
  }
}
console.log(`closed with ${ws.closeCode}`);
