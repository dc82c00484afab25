/**
 * A child process for the workers tests: `runApp(factory, { workers: 2 })` on 127.0.0.1:0. Every
 * answer names the worker's pid; `/crash` kills the worker, `/slow` takes 300 ms.
 */
import * as web from '../../src/server/index.js';

function makeApp(): web.Application {
  const app = new web.Application();
  app.router.addGet('/', () => new web.Response({ text: String(process.pid) }));
  app.router.addGet('/slow', async () => {
    await new Promise((r) => setTimeout(r, 300));
    return new web.Response({ text: `slow ${process.pid}` });
  });
  app.router.addGet('/crash', () => {
    setImmediate(() => process.exit(3));
    return new web.Response({ text: 'bye' });
  });
  return app;
}

await web.runApp(makeApp, {
  workers: 2,
  host: '127.0.0.1',
  port: 0,
  accessLog: null,
  shutdownTimeout: 5,
  printBanner: (line) => console.log(line),
});
if (!web.isWorkerProcess()) console.log('primary done');
