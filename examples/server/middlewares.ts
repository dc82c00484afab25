/**
 * Middlewares: a timing one that adds `Server-Timing` to every answer (errors included), and a
 * bearer-token auth one that protects /admin/*. A middleware is `(request, handler) => response`.
 * Run: `PORT=8080 TOKEN=secret node build/examples/server/middlewares.js`, then
 * `curl -H 'Authorization: Bearer secret' localhost:8080/admin/stats`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { RequestKey, web } from '../../src/index.js';

/** Set by the auth middleware for the handlers after it. */
const USER = new RequestKey<string>('user');

const timing: web.Middleware = async (request, handler) => {
  const start = performance.now();
  const timing = (): string => `app;dur=${(performance.now() - start).toFixed(2)}`;
  try {
    const response = await handler(request);
    // A streamed response has already sent its headers.
    if (!response.prepared) response.headers.set('Server-Timing', timing());
    return response;
  } catch (err) {
    // HTTP exceptions carry headers too (as [name, value] pairs), so a 401 or 404 is timed as well.
    if (err instanceof web.HTTPException) err.headers.push(['Server-Timing', timing()]);
    throw err;
  }
};

function auth(token: string): web.Middleware {
  return async (request, handler) => {
    if (!request.path.startsWith('/admin/')) return handler(request);
    if (request.headers.get('Authorization') !== `Bearer ${token}`) {
      throw new web.HTTPUnauthorized({ headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    request.set(USER, 'admin');
    return handler(request);
  };
}

/** Builds the app; the token protects /admin/*. */
export function createApp(token = process.env['TOKEN'] ?? 'secret'): web.Application {
  // Middlewares run in list order on the way in: timing wraps auth, which wraps the handler.
  const app = new web.Application({ middlewares: [timing, auth(token)] });
  app.router.addGet('/', () => new web.Response({ text: 'public' }));
  app.router.addGet('/admin/stats', (request) => web.jsonResponse({ user: request.get(USER), uptime: Math.round(process.uptime()) }));
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
