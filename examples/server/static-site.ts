/**
 * A static site: `router.addStatic(prefix, dir)` serves the files of a folder with Content-Type,
 * Range, ETag and If-Modified-Since handling; `web.FileResponse` sends one file from a handler.
 * No request path can leave the folder.
 * Run: `PORT=8080 node build/examples/server/static-site.js`, then open http://localhost:8080/.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { web } from '../../src/index.js';

/** examples/server/public: beside this file, or in the source tree when this runs from build/. */
export const PUBLIC = ['./public/', '../../../examples/server/public/']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((dir) => existsSync(dir)) ?? fileURLToPath(new URL('./public/', import.meta.url));

/** Builds the app serving `dir`. */
export function createApp(dir = PUBLIC): web.Application {
  const app = new web.Application();
  app.router.addGet('/', () => new web.FileResponse(`${dir}/index.html`));
  app.router.addStatic('/static/', dir, { showIndex: true });
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
