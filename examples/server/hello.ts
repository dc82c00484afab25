/**
 * The notes' server (§"服务端"): `hello, {name}` on / and /{name}.
 * Run: `PORT=8080 node build/examples/server/hello.js`, then open http://localhost:8080/world.
 */
import { pathToFileURL } from 'node:url';
import { web } from '../../src/index.js';

/** `name` from the path, or the notes' default. */
function handle(request: web.Request): web.Response {
  const name = request.matchInfo['name'] ?? 'shadaileng';
  return new web.Response({ text: `hello, ${name}` });
}

/** Builds the app (also usable with `aiohttp-ts serve build/examples/server/hello.js:createApp`). */
export function createApp(): web.Application {
  const app = new web.Application();
  app.addRoutes([web.get('/', handle), web.get('/{name}', handle)]);
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
