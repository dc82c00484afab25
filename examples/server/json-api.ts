/**
 * A small JSON API: a todo list kept in memory. Invalid input is a 400 with a JSON body that lists
 * every problem, and unknown ids are a JSON 404.
 * Run: `PORT=8080 node build/examples/server/json-api.js`.
 */
import { pathToFileURL } from 'node:url';
import { AppKey, web } from '../../src/index.js';

interface Todo {
  id: number;
  title: string;
  done: boolean;
}

/** Typed application state: the store lives on the app, not in a module global. */
const TODOS = new AppKey<Map<number, Todo>>('todos');

/** A 400 whose body is JSON, thrown from a handler like any other HTTP exception. */
function badRequest(errors: string[]): web.HTTPBadRequest {
  return new web.HTTPBadRequest({ text: JSON.stringify({ errors }), contentType: 'application/json' });
}

/** Checks a todo body; `partial` allows missing fields (PATCH). */
function validate(body: unknown, partial: boolean): Partial<Omit<Todo, 'id'>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(['body must be a JSON object']);
  const { title, done, ...rest } = body as Record<string, unknown>;
  const errors: string[] = [];
  if (title === undefined ? !partial : typeof title !== 'string' || title.trim() === '') errors.push('title must be a non-empty string');
  if (done !== undefined && typeof done !== 'boolean') errors.push('done must be a boolean');
  for (const key of Object.keys(rest)) errors.push(`unknown field ${key}`);
  if (errors.length > 0) throw badRequest(errors);
  return { ...(title === undefined ? {} : { title: title as string }), ...(done === undefined ? {} : { done: done as boolean }) };
}

/** The JSON body, or a 400 naming the parse error. */
async function readJson(request: web.Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw badRequest(['body is not valid JSON']);
  }
}

function findTodo(request: web.Request<{ readonly id: string }>): Todo {
  const todo = request.app.get(TODOS).get(Number(request.matchInfo.id));
  if (todo === undefined) {
    throw new web.HTTPNotFound({ text: JSON.stringify({ errors: [`no todo ${request.matchInfo.id}`] }), contentType: 'application/json' });
  }
  return todo;
}

const routes = web.routes();

routes.get('/todos')((request) => web.jsonResponse([...request.app.get(TODOS).values()]));

routes.post('/todos')(async (request) => {
  const fields = validate(await readJson(request), false);
  const todos = request.app.get(TODOS);
  const todo: Todo = { id: todos.size + 1, title: fields.title ?? '', done: fields.done ?? false };
  todos.set(todo.id, todo);
  return web.jsonResponse(todo, { status: 201 });
});

routes.get('/todos/{id:\\d+}')((request) => web.jsonResponse(findTodo(request)));

routes.patch('/todos/{id:\\d+}')(async (request) => {
  const todo = findTodo(request);
  Object.assign(todo, validate(await readJson(request), true));
  return web.jsonResponse(todo);
});

/** Builds the API with an empty store. */
export function createApp(): web.Application {
  const app = new web.Application();
  app.set(TODOS, new Map());
  app.addRoutes(routes);
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await web.runApp(createApp(), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
