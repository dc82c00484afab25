// aiohttp-ts (this repository, built to ../dist by `npm run build` at the root), aiohttp's API in
// camelCase. Loads the server entry `aiohttp-ts/web` (dist/server/index.js), as a server-only
// program would and as the Hono and Fastify contenders load theirs: the root entry adds the client.
import { createHash } from 'node:crypto';
import { loadPackage } from '../../lib/aiohttp-ts.mjs';

export const meta = {
  id: 'aiohttp-ts',
  label: 'aiohttp-ts',
  packages: ['aiohttp-ts'],
  requiresBuild: true,
  variants: ['base', 'routes1000', 'mw3', 'ws', 'memory'],
};

const HELLO = 'Hello, World!';

export async function start(variant, { host, port, fixtures }) {
  const need = ['Application', 'Response', 'jsonResponse', 'AppRunner', 'TCPSite'];
  if (variant === 'ws') need.push('WebSocketResponse');
  const web = await loadPackage(need, 'server/index.js');
  const passThrough = async (req, handler) => handler(req);
  const app = new web.Application(variant === 'mw3' ? { middlewares: [passThrough, passThrough, passThrough] } : {});
  const r = app.router;
  if (variant === 'base' || variant === 'memory' || variant === 'ws') {
    r.addGet('/', () => new web.Response({ text: HELLO }));
    r.addGet('/hello/{name}', (req) => new web.Response({ text: `Hello, ${req.matchInfo.name}` }));
    r.addGet('/json', () => web.jsonResponse({ hello: 'world' }));
    r.addPost('/echo', async (req) => web.jsonResponse(await req.json()));
    r.addPost('/upload', async (req) => {
      const h = createHash('sha256');
      // aiohttp's request.content.iter_chunked; falls back to iterating a plain Readable
      const body = typeof req.content.iterChunked === 'function' ? req.content.iterChunked(65536) : req.content;
      for await (const chunk of body) h.update(chunk);
      return new web.Response({ text: h.digest('hex') });
    });
    // without addStatic, (f) answers 404 and is reported FAILED while the other scenarios still run
    if (typeof r.addStatic === 'function') r.addStatic('/static/', fixtures.staticDir);
    if (variant === 'ws') {
      r.addGet('/ws', async (req) => {
        const ws = new web.WebSocketResponse();
        await ws.prepare(req);
        for await (const msg of ws) ws.sendStr(msg.data);
        return ws;
      });
    }
  } else if (variant === 'routes1000') {
    for (const route of fixtures.routes) r.addGet(route, () => new web.Response({ text: 'ok' }));
  } else if (variant === 'mw3') {
    r.addGet('/', () => new web.Response({ text: HELLO }));
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
  const runner = new web.AppRunner(app, { accessLog: null, ...(variant === 'memory' ? { keepaliveTimeout: 120 } : {}) });
  await runner.setup();
  const site = new web.TCPSite(runner, host, port);
  await site.start();
  return { close: () => runner.cleanup() };
}
