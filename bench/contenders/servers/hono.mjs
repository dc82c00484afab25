// Hono on @hono/node-server (its default router), serveStatic from @hono/node-server for (f).
import { createHash } from 'node:crypto';
import { colonParams } from '../../lib/fixtures.mjs';

export const meta = {
  id: 'hono',
  label: 'Hono',
  packages: ['hono', '@hono/node-server'],
  variants: ['base', 'routes1000', 'mw3', 'memory'],
};

const HELLO = 'Hello, World!';

export async function start(variant, { host, port, fixtures }) {
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const app = new Hono();
  if (variant === 'base' || variant === 'memory') {
    const { serveStatic } = await import('@hono/node-server/serve-static');
    app.get('/', (c) => c.text(HELLO));
    app.get('/hello/:name', (c) => c.text(`Hello, ${c.req.param('name')}`));
    app.get('/json', (c) => c.json({ hello: 'world' }));
    app.post('/echo', async (c) => c.json(await c.req.json()));
    app.post('/upload', async (c) => {
      const h = createHash('sha256');
      for await (const chunk of c.req.raw.body) h.update(chunk);
      return c.text(h.digest('hex'));
    });
    app.use('/static/*', serveStatic({ root: fixtures.staticDir, rewriteRequestPath: (p) => p.slice('/static'.length) }));
  } else if (variant === 'routes1000') {
    for (const r of fixtures.routes) app.get(colonParams(r), (c) => c.text('ok'));
  } else if (variant === 'mw3') {
    for (let i = 0; i < 3; i++) app.use((c, next) => next());
    app.get('/', (c) => c.text(HELLO));
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
  });
  if (variant === 'memory') server.keepAliveTimeout = 120_000;
  return { close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }) };
}
