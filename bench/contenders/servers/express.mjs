// Express 5 with its defaults; express.json() for (d), express.static for (f).
import { createHash } from 'node:crypto';
import { colonParams } from '../../lib/fixtures.mjs';

export const meta = {
  id: 'express',
  label: 'Express',
  packages: ['express'],
  variants: ['base', 'routes1000', 'mw3', 'memory'],
};

const HELLO = 'Hello, World!';

export async function start(variant, { host, port, fixtures }) {
  const { default: express } = await import('express');
  const app = express();
  if (variant === 'base' || variant === 'memory') {
    app.get('/', (req, res) => { res.send(HELLO); });
    app.get('/hello/:name', (req, res) => { res.send(`Hello, ${req.params.name}`); });
    app.get('/json', (req, res) => { res.json({ hello: 'world' }); });
    app.post('/echo', express.json(), (req, res) => { res.json(req.body); });
    app.post('/upload', async (req, res) => {
      const h = createHash('sha256');
      for await (const chunk of req) h.update(chunk);
      res.send(h.digest('hex'));
    });
    app.use('/static', express.static(fixtures.staticDir));
  } else if (variant === 'routes1000') {
    for (const r of fixtures.routes) app.get(colonParams(r), (req, res) => { res.send('ok'); });
  } else if (variant === 'mw3') {
    for (let i = 0; i < 3; i++) app.use((req, res, next) => next());
    app.get('/', (req, res) => { res.send(HELLO); });
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err) => (err ? reject(err) : resolve(s)));
  });
  if (variant === 'memory') server.keepAliveTimeout = 120_000;
  return { close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}
