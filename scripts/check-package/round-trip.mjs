// Shared by smoke.mjs and smoke.cjs: checks the modules' shape, serves one app on port 0, calls it
// with ClientSession and TestClient, closes everything.
import assert from 'node:assert/strict';

export async function roundTrip(how, { root, web, client, testUtils }) {
  assert.equal(root.web.Application, web.Application, 'aiohttp-ts web and aiohttp-ts/web are one module');
  assert.equal(root.ClientSession, client.ClientSession, 'aiohttp-ts and aiohttp-ts/client share ClientSession');
  assert.equal(typeof testUtils.TestClient, 'function');

  const app = new web.Application();
  app.router.addGet('/{name}', (request) => web.jsonResponse({ hello: request.matchInfo.name }));
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  try {
    const session = new client.ClientSession();
    try {
      const resp = await session.get(`http://127.0.0.1:${site.port}/${how}`);
      assert.equal(resp.status, 200);
      assert.deepEqual(await resp.json(), { hello: how });
    } finally {
      await session.close();
    }
  } finally {
    await runner.cleanup();
  }

  const tc = new testUtils.TestClient(app, { inProcess: true });
  try {
    assert.deepEqual(await (await tc.get('/in-process')).json(), { hello: 'in-process' });
  } finally {
    await tc.close();
  }
  console.log(`${how}: ok on Node ${process.version}`);
}
