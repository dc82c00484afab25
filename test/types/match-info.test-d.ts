/**
 * Compile-only checks (never run): `matchInfo` is typed from the route path literal, state keys
 * carry their value type. `npm run typecheck` fails if an expectation breaks.
 */
import * as web from '../../src/server/index.js';

export function typeChecks(app: web.Application): void {
  app.router.addGet('/users/{id}', (req) => new web.Response({ text: req.matchInfo.id }));
  app.router.addGet('/users/{id}/files/{path:.*}', (req) => {
    const both: string = req.matchInfo.id + req.matchInfo.path;
    // @ts-expect-error `nope` is not a parameter of this path
    void req.matchInfo.nope;
    return new web.Response({ text: both });
  });
  app.router.addPost('/plain', (req) => {
    // @ts-expect-error a path without parameters has no matchInfo keys
    void req.matchInfo.id;
    return new web.Response();
  });
  app.addRoutes([web.get('/a/{x}', (req) => web.jsonResponse(req.matchInfo.x))]);
  const table = web.routes();
  table.get('/b/{y}')((req) => new web.Response({ text: req.matchInfo.y }));
  // @ts-expect-error `z` is not a parameter of /b/{y}
  table.get('/b/{y}')((req) => new web.Response({ text: req.matchInfo.z }));

  // Handlers declared separately with the plain Request type are accepted too.
  async function plainHandler(request: web.Request): Promise<web.Response> {
    return new web.Response({ text: request.matchInfo['id'] ?? '' });
  }
  app.router.addGet('/plain/{id}', plainHandler);
  const mw: web.Middleware = async (request, handler) => handler(request);
  void new web.Application({ middlewares: [mw] });

  // A non-literal path gives a string record.
  const dynamicPath: string = '/x';
  app.router.addGet(dynamicPath, (req) => new web.Response({ text: req.matchInfo['anything'] ?? '' }));

  const COUNT = new web.AppKey<number>('count');
  app.set(COUNT, 1);
  const n: number = app.get(COUNT);
  // @ts-expect-error the key holds numbers
  app.set(COUNT, 'one');
  // @ts-expect-error the value is a number, not a string
  const s: string = app.get(COUNT);
  void n;
  void s;

  const USER = new web.RequestKey<{ name: string }>('user');
  app.router.addGet('/me', (req) => {
    req.set(USER, { name: 'x' });
    // @ts-expect-error the key holds users
    req.set(USER, 1);
    return new web.Response({ text: req.get(USER).name });
  });
}
