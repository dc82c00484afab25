/**
 * Sub-applications: an admin app with its own middleware, mounted under /admin/. Its routes,
 * middlewares and signals stay its own; `urlFor` includes the prefix.
 * Run: `PORT=8080 node build/examples/server/subapp.js`, then `curl localhost:8080/admin/users`.
 */
import { pathToFileURL } from 'node:url';
import { web } from '../../src/index.js';

/** Marks every admin answer; the main app's routes do not get it. */
const adminOnly: web.Middleware = async (request, handler) => {
  const response = await handler(request);
  response.headers.set('X-Admin', 'yes');
  return response;
};

function createAdmin(): web.Application {
  const admin = new web.Application({ middlewares: [adminOnly] });
  admin.router.addGet('/users', () => web.jsonResponse(['alice', 'bob']), { name: 'users' });
  admin.router.addGet('/', (request) => web.jsonResponse({ users: request.app.router.urlFor('users') }));
  return admin;
}

/** Builds the main app with the admin app under /admin/. */
export function createApp(): web.Application {
  const app = new web.Application();
  app.router.addGet('/', () => new web.Response({ text: 'main app' }));
  app.addSubapp('/admin/', createAdmin());
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
