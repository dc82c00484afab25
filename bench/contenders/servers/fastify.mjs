// Fastify 5 with its defaults (logger off), find-my-way router, @fastify/static for (f).
import { createHash } from 'node:crypto';
import { colonParams } from '../../lib/fixtures.mjs';

export const meta = {
  id: 'fastify',
  label: 'Fastify',
  packages: ['fastify', '@fastify/static'],
  variants: ['base', 'routes1000', 'mw3', 'memory'],
};

const HELLO = 'Hello, World!';

export async function start(variant, { host, port, fixtures }) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, ...(variant === 'memory' ? { keepAliveTimeout: 120_000 } : {}) });
  if (variant === 'base' || variant === 'memory') {
    const { default: fastifyStatic } = await import('@fastify/static');
    app.get('/', async () => HELLO);
    app.get('/hello/:name', async (req) => `Hello, ${req.params.name}`);
    app.get('/json', async () => ({ hello: 'world' }));
    app.post('/echo', async (req) => req.body);
    // stream the upload instead of buffering it
    app.addContentTypeParser('application/octet-stream', (req, payload, done) => done(null, payload));
    app.post('/upload', async (req) => {
      const h = createHash('sha256');
      for await (const chunk of req.body) h.update(chunk);
      return h.digest('hex');
    });
    await app.register(fastifyStatic, { root: fixtures.staticDir, prefix: '/static/' });
  } else if (variant === 'routes1000') {
    for (const r of fixtures.routes) app.get(colonParams(r), async () => 'ok');
  } else if (variant === 'mw3') {
    for (let i = 0; i < 3; i++) app.addHook('onRequest', (req, reply, done) => done());
    app.get('/', async () => HELLO);
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
  await app.listen({ port, host });
  return { close: () => app.close() };
}
