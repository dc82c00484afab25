/**
 * The demo app (shared/demo-app.md): the seed notes' server grown into a small built-in httpbin, so
 * every client feature can be tried locally. It imports only the public server entry
 * (`aiohttp-ts/web`), as a server-only app would, so `aiohttp-ts serve` loads no client code.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as web from '../server/index.js';
import { WSCloseCode, WSMsgType } from '../server/index.js';

type Request = web.Request;

/** Largest body `/upload` accepts, streamed; the rest of the app keeps the default clientMaxSize. */
const UPLOAD_LIMIT = 1024 ** 3;
/** Largest `/bytes/{n}` and `/stream/{n}` answer. */
const BYTES_LIMIT = 100 * 1024 * 1024;
/** The chat page and anything else under /static; copied next to the compiled module by the build. */
const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
/** Bodies up to this size are echoed as text in `/anything`'s `data`. */
const ECHO_DATA_LIMIT = 64 * 1024;

function intParam(value: string, what: string, max: number): number {
  if (!/^\d{1,12}$/.test(value)) throw new web.HTTPBadRequest({ text: `${what} must be a non-negative integer, got ${JSON.stringify(value)}` });
  const n = Number(value);
  if (n > max) throw new web.HTTPBadRequest({ text: `${what} must be at most ${max}, got ${n}` });
  return n;
}

function headersObject(request: Request): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of request.headers) {
    const name = k.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${v}` : v;
  }
  return out;
}

function hello(request: Request): web.Response {
  const name = request.matchInfo['name'] ?? 'shadaileng';
  return new web.Response({ text: `hello, ${name}` });
}

function querystring(request: Request): web.Response {
  return web.jsonResponse({ url: request.pathQs, query: request.query.toArray() });
}

/** POST / as in the notes: JSON in, `{"status": "ok"}` out as `text/json;charset=utf-8`. */
async function jsonEcho(request: Request): Promise<web.Response> {
  try {
    await request.json();
  } catch (err) {
    if (!(err instanceof web.HTTPBadRequest)) throw err;
    return web.jsonResponse({ error: { status: 400, reason: 'Bad Request', message: err.text } }, { status: 400 });
  }
  const response = new web.Response({ body: Buffer.from(JSON.stringify({ status: 'ok' })) });
  response.headers.set('Content-Type', 'text/json;charset=utf-8');
  return response;
}

async function anything(request: Request): Promise<web.Response> {
  const body = await request.read();
  const result: Record<string, unknown> = {
    method: request.method,
    url: String(request.url),
    headers: headersObject(request),
    query: request.query.toArray(),
    json: null,
    form: null,
    files: [],
    data: body.length <= ECHO_DATA_LIMIT ? body.toString('utf8') : null,
    size: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  const ct = request.contentType;
  if (ct === 'application/json' || ct.endsWith('+json')) {
    if (!isUtf8(body)) throw new web.HTTPBadRequest({ text: 'invalid JSON body: not valid UTF-8' });
    try {
      result['json'] = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new web.HTTPBadRequest({ text: `invalid JSON body: ${(err as Error).message}` });
    }
  } else if (ct === 'application/x-www-form-urlencoded') {
    result['form'] = [...new URLSearchParams(body.toString('utf8'))];
  } else if (ct === 'multipart/form-data') {
    const form: Array<[string, string]> = [];
    const files: Array<Record<string, unknown>> = [];
    for (const [field, value] of await request.post({ hashFiles: true })) {
      if (typeof value === 'string') form.push([field, value]);
      else files.push({ field, filename: value.filename ?? null, contentType: value.contentType, size: value.size, sha256: value.sha256 });
    }
    result['form'] = form;
    result['files'] = files;
  }
  return web.jsonResponse(result);
}

/** Streams the body through a hash: constant memory whatever the size, up to UPLOAD_LIMIT. */
async function upload(request: Request): Promise<web.Response> {
  const declared = request.contentLength;
  if (declared !== undefined && declared > UPLOAD_LIMIT) {
    throw new web.HTTPRequestEntityTooLarge(UPLOAD_LIMIT, declared);
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of request.content as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > UPLOAD_LIMIT) throw new web.HTTPRequestEntityTooLarge(UPLOAD_LIMIT, size);
    hash.update(chunk);
  }
  return web.jsonResponse({ size, sha256: hash.digest('hex') });
}

async function sendBytes(request: Request, n: number, chunked: boolean): Promise<web.StreamResponse> {
  const response = new web.StreamResponse({ headers: { 'Content-Type': 'application/octet-stream' } });
  if (chunked) response.enableChunkedEncoding();
  else response.contentLength = n;
  await response.prepare(request);
  const chunk = 64 * 1024;
  for (let sent = 0; sent < n; sent += chunk) {
    await response.write(randomBytes(Math.min(chunk, n - sent)));
  }
  await response.writeEof();
  return response;
}

function bytes(request: Request): Promise<web.StreamResponse> {
  return sendBytes(request, intParam(request.matchInfo['n'] ?? '', 'n', BYTES_LIMIT), false);
}

function stream(request: Request): Promise<web.StreamResponse> {
  return sendBytes(request, intParam(request.matchInfo['n'] ?? '', 'n', BYTES_LIMIT), true);
}

/** Five events `data: tick N`, 100 ms apart, then the end of the stream; stops early if the client leaves. */
async function events(request: Request): Promise<web.StreamResponse> {
  const stream = await web.sse(request);
  for (let n = 1; n <= 5 && !request.signal.aborted; n++) {
    if (n > 1) await sleep(100, request.signal);
    if (request.signal.aborted) break;
    await stream.send({ data: `tick ${n}` });
  }
  await stream.writeEof();
  return stream;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function headers(request: Request): web.Response {
  return web.jsonResponse({ headers: headersObject(request) });
}

function cookies(request: Request): web.Response {
  return web.jsonResponse({ cookies: { ...request.cookies } });
}

/** A 302 to /cookies that can carry Set-Cookie headers (exceptions have no cookie helpers). */
function redirectToCookies(): web.Response {
  const response = new web.Response({ status: 302 });
  response.headers.set('Location', '/cookies');
  return response;
}

/** Input that cannot go in a header (a cookie name that is not a token, CR/LF in a value) is a 400 naming it. */
function unsendable(err: unknown): never {
  if (err instanceof web.InvalidHeaderError) throw new web.HTTPBadRequest({ text: err.message });
  throw err;
}

function cookiesSet(request: Request): web.Response {
  const response = redirectToCookies();
  try {
    for (const [k, v] of request.query) response.setCookie(k, v, { path: '/' });
  } catch (err) {
    unsendable(err);
  }
  return response;
}

function cookiesDelete(request: Request): web.Response {
  const response = redirectToCookies();
  try {
    for (const k of new Set(request.query.keys())) response.delCookie(k, { path: '/' });
  } catch (err) {
    unsendable(err);
  }
  return response;
}

function redirect(request: Request): web.Response {
  const n = intParam(request.matchInfo['n'] ?? '', 'n', 100);
  if (n === 0) return web.jsonResponse({ redirected: true });
  throw new web.HTTPFound(`/redirect/${n - 1}`);
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

function redirectTo(request: Request): web.Response {
  const url = request.query.get('url');
  if (!url) throw new web.HTTPBadRequest({ text: 'the url query parameter is required' });
  const code = request.query.has('status_code') ? intParam(request.query.get('status_code') ?? '', 'status_code', 999) : 302;
  if (!REDIRECT_CODES.has(code)) throw new web.HTTPBadRequest({ text: `status_code must be one of ${[...REDIRECT_CODES].join(', ')}` });
  const response = new web.Response({ status: code });
  try {
    response.headers.set('Location', url);
  } catch (err) {
    unsendable(err);
  }
  return response;
}

function status(request: Request): web.Response {
  const code = intParam(request.matchInfo['code'] ?? '', 'code', 599);
  if (code < 200) throw new web.HTTPBadRequest({ text: `code must be between 200 and 599, got ${code}` });
  // RFC 9110 §15.3.5, §15.4.5: 204 and 304 carry no content.
  return code === 204 || code === 304 ? new web.Response({ status: code }) : new web.Response({ status: code, text: `${code}` });
}

async function delay(request: Request): Promise<web.Response> {
  const raw = request.matchInfo['s'] ?? '';
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(seconds <= 10)) {
    throw new web.HTTPBadRequest({ text: `delay must be a number of seconds from 0 to 10, got ${JSON.stringify(raw)}` });
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, seconds * 1000);
    request.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
  return web.jsonResponse({ delay: seconds });
}

/** GET /ws: text `X` answers `X/answer`, `close cmd` closes with 1000, binary comes back unchanged. */
async function websocket(request: Request): Promise<web.WebSocketResponse> {
  const ws = new web.WebSocketResponse({ heartbeat: 30 });
  await ws.prepare(request);
  for await (const msg of ws) {
    if (msg.type === WSMsgType.TEXT) {
      if (msg.data === 'close cmd') await ws.close({ code: WSCloseCode.OK });
      else await ws.sendStr(`${msg.data}/answer`);
    } else if (msg.type === WSMsgType.BINARY) {
      await ws.sendBytes(msg.data);
    }
  }
  return ws;
}

/**
 * Builds the demo app. With `aiohttp-ts serve` and no module this is what runs.
 * @example
 * await web.runApp(createDemoApp(), { port: 8080 });
 */
export function createDemoApp(): web.Application {
  const app = new web.Application();
  app.router.addGet('/', hello);
  app.router.addPost('/', jsonEcho);
  app.router.addGet('/querystring', querystring);
  app.router.addRoute('*', '/anything', anything);
  app.router.addRoute('*', '/anything/{tail:.*}', anything);
  app.router.addPost('/upload', upload);
  app.router.addGet('/bytes/{n}', bytes);
  app.router.addGet('/stream/{n}', stream);
  app.router.addGet('/headers', headers);
  app.router.addGet('/cookies', cookies);
  app.router.addGet('/cookies/set', cookiesSet);
  app.router.addGet('/cookies/delete', cookiesDelete);
  app.router.addGet('/redirect/{n}', redirect);
  app.router.addGet('/redirect-to', redirectTo);
  app.router.addGet('/status/{code}', status);
  app.router.addGet('/delay/{s}', delay);
  app.router.addGet('/ws', websocket);
  app.router.addGet('/sse', events);
  app.router.addGet('/static/', () => new web.FileResponse(`${STATIC_DIR}index.html`));
  app.router.addStatic('/static', STATIC_DIR, { name: 'static' });
  app.router.addGet('/{name}', hello);
  return app;
}
