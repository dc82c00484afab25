/**
 * Graceful shutdown: a cleanup context opens a resource on startup and closes it on cleanup,
 * onShutdown runs first, while connections are still open. runApp stops on SIGINT/SIGTERM, waits
 * for requests in flight (up to `shutdownTimeout` seconds) and the process exits with code 0.
 * Run: `PORT=8080 node build/examples/server/graceful-shutdown.js`, then press Ctrl+C.
 */
import { setInterval as every } from 'node:timers';
import { pathToFileURL } from 'node:url';
import { AppKey, web } from '../../src/index.js';

/** A stand-in for a database pool: something to open on startup and close on cleanup. */
class Ticker {
  ticks = 0;
  #timer: ReturnType<typeof every> | undefined;
  open(): void {
    this.#timer = every(() => (this.ticks += 1), 100);
  }
  close(): void {
    clearInterval(this.#timer);
  }
}

const TICKER = new AppKey<Ticker>('ticker');

/** Builds the app; `log` receives the lifecycle lines. */
export function createApp(log: (line: string) => void = console.log): web.Application {
  const app = new web.Application();
  // State is set before the app starts: a running app's state is read-only.
  app.set(TICKER, new Ticker());

  // Code before `yield` runs on startup, code after it on cleanup (aiohttp's cleanup_ctx).
  app.cleanupCtx.push(async function* ticker(app) {
    const ticker = app.get(TICKER);
    ticker.open();
    log('startup: ticker opened');
    yield;
    ticker.close();
    log(`cleanup: ticker closed after ${ticker.ticks} ticks`);
  });

  // onShutdown: before the server closes keep-alive connections and cleanup runs.
  app.onShutdown.push(() => log('shutdown: closing connections'));

  app.router.addGet('/', (request) => new web.Response({ text: `ticks: ${request.app.get(TICKER).ticks}` }));
  app.router.addGet('/slow', async () => {
    log('slow: started');
    await new Promise((resolve) => setTimeout(resolve, 300));
    return new web.Response({ text: 'finished' });
  });
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), {
    host: process.env['HOST'] ?? '0.0.0.0',
    port: Number(process.env['PORT'] ?? 8080),
    shutdownTimeout: 5,
  });
  console.log('bye');
}
