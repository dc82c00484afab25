// A consumer's TypeScript file, typechecked against the packed package by scripts/check-package.mjs.
// Each `@ts-expect-error` line is a deliberately wrong type: if the package's types degrade (Buffer or
// node:net becoming `any` when Node's types are not loaded, a route's params losing their keys), the
// error disappears and tsc fails with "Unused '@ts-expect-error' directive".
import { ClientSession, ClientTimeout, WSMsgType, web } from 'aiohttp-ts';
import type { ClientResponse } from 'aiohttp-ts/client';
import * as webEntry from 'aiohttp-ts/web';
import { TestClient } from 'aiohttp-ts/test-utils';

const app = new webEntry.Application();
app.router.addGet('/', () => new web.Response({ text: 'hello' }));
app.router.addGet('/{name}', (request) => {
  const name: string = request.matchInfo.name;
  // @ts-expect-error only the path's own parameters are keys of matchInfo
  void request.matchInfo.missing;
  return web.jsonResponse({ name });
});
app.router.addGet('/ws', async (request) => {
  const ws = new web.WebSocketResponse();
  await ws.prepare(request);
  for await (const msg of ws) {
    if (msg.type === WSMsgType.TEXT) await ws.sendStr(`${msg.data}/answer`);
  }
  return ws;
});

export async function client(url: string): Promise<unknown> {
  await using session = new ClientSession({ timeout: new ClientTimeout({ total: 10 }) });
  const resp: ClientResponse = await session.get(url, { params: [['a', '1']] });
  const body = await resp.read();
  const data: unknown = await resp.json();
  // @ts-expect-error read() resolves to a Buffer, not a number (Buffer must not be `any`)
  const wrong: number = await resp.read();
  await using ws = await session.wsConnect(`${url}/ws`);
  await ws.sendStr('hi');
  const msg = await ws.receive();
  if (msg.type === WSMsgType.TEXT) console.log(msg.data.toUpperCase());
  return [body.byteLength, data, wrong];
}

export async function serve(): Promise<number> {
  const runner = new web.AppRunner(app);
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  // @ts-expect-error address is node:net's AddressInfo, whose port is a number
  const port: string | undefined = site.address?.port;
  await runner.cleanup();
  return site.port + Number(port);
}

export async function runForever(): Promise<void> {
  await web.runApp(app, { host: '127.0.0.1', port: 8080, shutdownTimeout: 5 });
}

export async function inTest(): Promise<string> {
  await using tc = new TestClient(app, { inProcess: true });
  const resp = await tc.get('/');
  const ws = await tc.wsConnect('/ws');
  await ws.close();
  return await resp.text();
}
