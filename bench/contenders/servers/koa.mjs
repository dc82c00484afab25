// Koa 3 with @koa/router, @koa/bodyparser for (d), koa-send for (f).
import { createHash } from 'node:crypto';
import { colonParams } from '../../lib/fixtures.mjs';

export const meta = {
  id: 'koa',
  label: 'Koa',
  packages: ['koa', '@koa/router', '@koa/bodyparser', 'koa-send'],
  variants: ['base', 'routes1000', 'mw3', 'memory'],
};

const HELLO = 'Hello, World!';

export async function start(variant, { host, port, fixtures }) {
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  const app = new Koa();
  const router = new Router();
  if (variant === 'base' || variant === 'memory') {
    const { bodyParser } = await import('@koa/bodyparser');
    const { default: send } = await import('koa-send');
    router.get('/', (ctx) => { ctx.body = HELLO; });
    router.get('/hello/:name', (ctx) => { ctx.body = `Hello, ${ctx.params.name}`; });
    router.get('/json', (ctx) => { ctx.body = { hello: 'world' }; });
    router.post('/echo', bodyParser(), (ctx) => { ctx.body = ctx.request.body; });
    router.post('/upload', async (ctx) => {
      const h = createHash('sha256');
      for await (const chunk of ctx.req) h.update(chunk);
      ctx.body = h.digest('hex');
    });
    router.get('/static/:file', async (ctx) => { await send(ctx, ctx.params.file, { root: fixtures.staticDir }); });
  } else if (variant === 'routes1000') {
    for (const r of fixtures.routes) router.get(colonParams(r), (ctx) => { ctx.body = 'ok'; });
  } else if (variant === 'mw3') {
    for (let i = 0; i < 3; i++) app.use((ctx, next) => next());
    router.get('/', (ctx) => { ctx.body = HELLO; });
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
  app.use(router.routes()).use(router.allowedMethods());
  const server = await new Promise((resolve) => {
    const s = app.listen(port, host, () => resolve(s));
  });
  if (variant === 'memory') server.keepAliveTimeout = 120_000;
  return { close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}
