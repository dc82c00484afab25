/**
 * Child process for test/server/index.test.ts: a server-only program on the `aiohttp-ts/web`
 * entry, as users write it. Prints `READY <port>`; serves until stdin closes.
 */
import * as web from '../../src/server/index.js';

const app = new web.Application();
app.router.addGet('/', () => new web.Response({ text: 'hello' }));
app.router.addGet('/json', () => web.jsonResponse({ ok: true }));
app.router.addPost('/upload', async (req) => {
  let n = 0;
  for await (const chunk of req.content) n += (chunk as Buffer).length;
  return new web.Response({ text: String(n) });
});
app.router.addPost('/multipart', async (req) => {
  const names: string[] = [];
  for await (const part of await req.multipart()) {
    names.push(part.name ?? '');
    await part.release();
  }
  return new web.Response({ text: names.join(',') });
});
app.router.addGet('/ws', async (req) => {
  const ws = new web.WebSocketResponse();
  await ws.prepare(req);
  for await (const msg of ws) if ('data' in msg && typeof msg.data === 'string') await ws.sendStr(msg.data);
  return ws;
});
const runner = new web.AppRunner(app, { accessLog: null });
await runner.setup();
const site = new web.TCPSite(runner, '127.0.0.1', 0);
await site.start();
process.stdout.write(`READY ${site.port}\n`);
process.stdin.resume().on('end', () => void runner.cleanup().then(() => process.exit(0)));
