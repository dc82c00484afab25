/**
 * makeMockedRequest, as aiohttp's `make_mocked_request`: a real `web.Request` for unit tests of
 * handlers, with no server and no socket (its transport is an in-memory one that records what a
 * streamed response writes).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { MultiDictInit } from '../common/multidict.js';
import { CIMultiDict } from '../common/multidict.js';
import { Application } from '../server/application.js';
import { Request } from '../server/request.js';
import { isValidHost } from '../server/authority.js';
import { memorySocketPair } from './memory-socket.js';

/** Options of `makeMockedRequest`. */
export interface MockedRequestOptions<Params = Record<string, string>> {
  /** Request headers. */
  headers?: MultiDictInit<string>;
  /** Route parameters `request.matchInfo` returns. */
  matchInfo?: Params;
  /** The application; default a new, empty one. */
  app?: Application;
  /** The body `read()`, `text()`, `json()` and `post()` get; a string is UTF-8, an object is sent as JSON. */
  body?: string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array> | Record<string, unknown> | unknown[];
  /** HTTP version, default `1.1`. */
  version?: '1.0' | '1.1';
}

const outputs = new WeakMap<Request<unknown>, Buffer[]>();

function isChunks(body: unknown): body is Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && !(body instanceof Uint8Array)
    && (Symbol.iterator in body || Symbol.asyncIterator in body);
}

/**
 * A `web.Request` for calling a handler directly: its body, headers and route parameters are the
 * ones given. Without a Content-Length or Transfer-Encoding header, one is added for the body.
 *
 * @example
 * const req = makeMockedRequest('POST', '/users/7', { matchInfo: { id: '7' }, body: { name: 'a' } });
 * const resp = (await handler(req)) as web.Response;
 * assert.equal(resp.status, 200);
 * assert.equal(resp.text, '{"id":"7","name":"a"}');
 */
export function makeMockedRequest<Params = Record<string, string>>(
  method: string,
  path: string,
  options: MockedRequestOptions<Params> = {},
): Request<Params> {
  if (!path.startsWith('/') && path !== '*') throw new TypeError(`path must start with '/', got ${JSON.stringify(path)}`);
  const [peer, socket] = memorySocketPair(80);
  const written: Buffer[] = [];
  // Whatever a prepared response writes lands here; reading keeps its writes from blocking.
  peer.on('data', (chunk: Buffer) => written.push(chunk));
  const headers = new CIMultiDict<string>(options.headers ?? []);
  let body = options.body;
  if (body !== undefined && !(typeof body === 'string') && !(body instanceof Uint8Array) && !isChunks(body)) {
    body = JSON.stringify(body);
    if (!headers.has('content-type')) headers.set('Content-Type', 'application/json');
  }
  if (body !== undefined && !headers.has('content-length') && !headers.has('transfer-encoding')) {
    if (typeof body === 'string') headers.set('Content-Length', String(Buffer.byteLength(body)));
    else if (body instanceof Uint8Array) headers.set('Content-Length', String(body.byteLength));
    else headers.set('Transfer-Encoding', 'chunked');
  }
  if (!headers.has('host')) headers.set('Host', '127.0.0.1');
  const host = headers.get('host')!;
  if (host !== '' && !isValidHost(host)) throw new TypeError(`invalid Host header ${JSON.stringify(host)}`);

  const message = new IncomingMessage(socket as unknown as Socket);
  message.method = method.toUpperCase();
  message.url = path;
  const version = options.version ?? '1.1';
  message.httpVersion = version;
  message.httpVersionMajor = 1;
  message.httpVersionMinor = version === '1.0' ? 0 : 1;
  const raw: string[] = [];
  const parsed: Record<string, string | string[]> = {};
  for (const [k, v] of headers) {
    raw.push(k, v);
    const name = k.toLowerCase();
    const prev = parsed[name];
    // node's rules: set-cookie is a list, cookie joins with '; ', other repeats with ', '.
    if (name === 'set-cookie') parsed[name] = [...((prev as string[] | undefined) ?? []), v];
    else parsed[name] = prev === undefined ? v : `${prev as string}${name === 'cookie' ? '; ' : ', '}${v}`;
  }
  message.rawHeaders = raw;
  message.headers = parsed as IncomingMessage['headers'];
  feed(message, body);

  const res = new ServerResponse(message);
  res.assignSocket(socket as unknown as Socket);
  const q = path.indexOf('?');
  const request = new Request<Params>(
    message,
    res,
    options.app ?? new Application(),
    q === -1 ? path : path.slice(0, q),
    q === -1 ? '' : path.slice(q + 1),
    undefined,
    host === '' ? undefined : host,
  );
  request._match = { route: null, matchInfo: (options.matchInfo ?? {}) as Record<string, string>, allowedMethods: null };
  outputs.set(request, written);
  return request;
}

/** Pushes the body into the message, as node's parser would. */
function feed(message: IncomingMessage, body: MockedRequestOptions['body']): void {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    if (body !== undefined && (typeof body === 'string' ? body.length : body.byteLength) > 0) message.push(typeof body === 'string' ? Buffer.from(body) : body);
    message.push(null);
    message.complete = true;
    return;
  }
  const chunks = body as Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  void (async () => {
    try {
      for await (const chunk of chunks) message.push(chunk);
      message.push(null);
      message.complete = true;
    } catch (err) {
      message.destroy(err as Error);
    }
  })();
}

/**
 * The raw bytes a handler wrote on a mocked request's transport (status line, headers, body), for
 * responses it prepared itself, such as a StreamResponse.
 */
export async function mockedRequestOutput(request: Request<unknown>): Promise<Buffer> {
  const written = outputs.get(request);
  if (written === undefined) throw new TypeError('not a request made by makeMockedRequest');
  // Writes reach the recording end on a later tick.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return Buffer.concat(written);
}
