/**
 * Compile-only checks (never run) of the public signatures that used to say `any` or `unknown`:
 * requests taken and given by responses, typed response state, `ClientResponse.json<T>()`,
 * `ClientResponseError.history`, trace callbacks and `getExtraInfo()`. `npm run typecheck` fails
 * if an expectation breaks; an unused `@ts-expect-error` is an error too.
 */
import {
  AppKey,
  ClientResponseError,
  ClientSession,
  ResponseKey,
  TraceConfig,
  type ClientResponse,
  type ClientWebSocketResponse,
  web,
} from '../../src/index.js';
import { makeMockedRequest, mockedRequestOutput } from '../../src/test-utils/index.js';

/** `true` only for `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;
/** The matchInfo type of a request type; `any` for the old `Request<any>`. */
type ParamsOf<R> = R extends web.Request<infer P> ? P : never;

// No request taken or given by a response has `any` params.
const notAny: [
  IsAny<ParamsOf<Parameters<web.StreamResponse['prepare']>[0]>>,
  IsAny<ParamsOf<Parameters<web.Response['prepare']>[0]>>,
  IsAny<ParamsOf<Parameters<web.FileResponse['prepare']>[0]>>,
  IsAny<ParamsOf<Parameters<web.EventSourceResponse['prepare']>[0]>>,
  IsAny<ParamsOf<Parameters<web.WebSocketResponse['prepare']>[0]>>,
  IsAny<ParamsOf<Parameters<web.WebSocketResponse['canPrepare']>[0]>>,
  IsAny<ParamsOf<Parameters<typeof web.sse>[0]>>,
  IsAny<ParamsOf<Parameters<typeof mockedRequestOutput>[0]>>,
  IsAny<ParamsOf<NonNullable<web.StreamResponse['request']>>>,
  IsAny<ParamsOf<NonNullable<web.WebSocketResponse['request']>>>,
  IsAny<ParamsOf<Parameters<Parameters<web.Application['onResponsePrepare']['push']>[0]>[0]>>,
] = [false, false, false, false, false, false, false, false, false, false, false];
void notAny;

interface UserParams {
  id: string;
}

export function serverChecks(app: web.Application): void {
  // Handlers whose request is typed by the route path still pass it to every prepare().
  app.router.addGet('/users/{id}', async (req) => {
    const stream = new web.StreamResponse();
    await stream.prepare(req);
    const r = stream.request;
    if (r !== undefined) {
      // @ts-expect-error matchInfo values of the prepared request are strings, not any
      const n: number = r.matchInfo['id'];
      void n;
    }
    return stream;
  });
  app.router.addGet('/files/{name}', async (req) => {
    const file = new web.FileResponse(`/srv/${req.matchInfo.name}`);
    await file.prepare(req);
    return file;
  });
  app.router.addGet('/events/{topic}', async (req) => {
    const events = await web.sse(req);
    await events.send(req.matchInfo.topic);
    return events;
  });
  app.router.addGet('/ws/{room}', async (req) => {
    const ws = new web.WebSocketResponse();
    if (!ws.canPrepare(req).ok) return new web.Response({ status: 400 });
    await ws.prepare(req);
    // @ts-expect-error `nope` is not a parameter of /ws/{room}; the request stays typed
    void req.matchInfo.nope;
    return ws;
  });
  // A request typed with an interface (no index signature) is accepted too.
  async function withInterface(req: web.Request<UserParams>): Promise<web.StreamResponse> {
    const resp = new web.StreamResponse();
    await resp.prepare(req);
    return resp;
  }
  void withInterface;

  // onResponsePrepare callbacks get a Request, untyped or annotated with the default Request type.
  app.onResponsePrepare.push((req, resp) => {
    // @ts-expect-error matchInfo values are strings, not any
    const n: number = req.matchInfo['id'];
    void n;
    resp.headers.set('X-Path', req.path);
  });
  app.onResponsePrepare.push((req: web.Request, resp: web.StreamResponse) => {
    resp.headers.set('X-Id', req.matchInfo['id'] ?? '');
  });

  // Typed per-response state.
  const CACHED = new ResponseKey<boolean>('cached');
  const COUNT = new AppKey<number>('count');
  const resp = new web.Response();
  resp.set(CACHED, true);
  const cached: boolean = resp.get(CACHED);
  const there: boolean = resp.has(CACHED) && resp.delete(CACHED);
  // @ts-expect-error the key holds booleans
  resp.set(CACHED, 'yes');
  // @ts-expect-error the value is a boolean
  const s: string = resp.get(CACHED);
  // @ts-expect-error an AppKey is not a ResponseKey
  resp.set(COUNT, 1);
  // @ts-expect-error a ResponseKey is not an AppKey
  app.set(CACHED, true);
  void [cached, there, s];
}

export async function mockedChecks(): Promise<void> {
  const req = makeMockedRequest<{ id: string }>('GET', '/users/1', { matchInfo: { id: '1' } });
  const resp = new web.StreamResponse();
  await resp.prepare(req);
  const out: Buffer = await mockedRequestOutput(req);
  void out;
}

export async function clientChecks(session: ClientSession, ws: ClientWebSocketResponse, server: web.WebSocketResponse): Promise<void> {
  const resp = await session.get('http://localhost/');
  const data: { a: number } = await resp.json<{ a: number }>();
  const untyped = await resp.json();
  // @ts-expect-error json() is unknown without a type argument, not any
  void untyped.a;
  void data;

  try {
    resp.raiseForStatus();
  } catch (err) {
    if (err instanceof ClientResponseError) {
      const first: ClientResponse | undefined = err.history[0];
      const status: number | undefined = err.history[0]?.status;
      // @ts-expect-error history is read-only
      err.history.push(resp);
      void [first, status];
    }
  }

  const tc = new TraceConfig();
  tc.onRequestEnd.push(async (sess, _ctx, params) => {
    const same: ClientSession = sess;
    const status: number = params.response.status;
    void [same, status, await params.response.text()];
  });
  tc.onRequestRedirect.push((_sess, _ctx, params) => {
    const location: string | undefined = params.response.headers.get('location');
    void location;
  });

  const peer: [host: string, port: number] | null = ws.getExtraInfo('peername');
  const local: [string, number] | undefined = server.getExtraInfo('sockname', undefined);
  const cipher: string | undefined = ws.getExtraInfo('cipher')?.name;
  const cn: string | string[] | undefined = server.getExtraInfo('peercert')?.subject.CN;
  const socket = ws.getExtraInfo('socket');
  const remote: string | undefined = socket?.remoteAddress;
  const other: unknown = ws.getExtraInfo('compression', 'none');
  // @ts-expect-error the peer address is a tuple, not a string
  const wrong: string | null = ws.getExtraInfo('peername');
  void [peer, local, cipher, cn, remote, other, wrong];
}
