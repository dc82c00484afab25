/**
 * Client middlewares, as aiohttp 3.12's `client_middlewares.py`: `(request, handler) => response`,
 * the same shape as server middlewares. They run for every hop, redirects included.
 */
import type { ClientRequest } from './request.js';
import type { ClientResponse } from './response.js';
import { ClientConnectionError, ServerTimeoutError } from './errors.js';

/** Sends a request and gives its response (the next middleware, or the connection). */
export type ClientHandler = (request: ClientRequest) => Promise<ClientResponse>;

/** A client middleware: may change the request, call `handler` (or not, or twice), change the response. */
export type ClientMiddleware = (request: ClientRequest, handler: ClientHandler) => Promise<ClientResponse>;

/** Composes middlewares around `handler`, the first one outermost. */
export function buildChain(middlewares: readonly ClientMiddleware[], handler: ClientHandler): ClientHandler {
  let h = handler;
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const mw = middlewares[i]!;
    const next = h;
    h = (req) => mw(req, next);
  }
  return h;
}

/** Options of `retryMiddleware`. */
export interface RetryOptions {
  /** Attempts in total, the first included. Default 3. */
  attempts?: number;
  /** Methods that may be retried. Default the idempotent ones (RFC 9110 §9.2.2). */
  methods?: readonly string[];
  /** Statuses that trigger a retry. Default 408, 429, 500, 502, 503, 504. */
  statuses?: readonly number[];
  /** First delay in seconds, doubled after each attempt. Default 0.1. */
  backoff?: number;
  /** Longest delay in seconds, Retry-After included. Default 30. */
  maxBackoff?: number;
  /** Honour a Retry-After header. Default true. */
  retryAfter?: boolean;
  /** Retry on connection errors and timeouts. Default true. */
  retryOnConnectionError?: boolean;
}

const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'];

function retryAfterSeconds(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return n;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * Retries idempotent requests on some statuses and connection errors, with exponential backoff
 * and Retry-After; beyond aiohttp (aio-libs/aiohttp#3133). One-shot stream bodies are never retried.
 *
 * @example
 * new ClientSession({ middlewares: [retryMiddleware({ attempts: 4 })] })
 */
export function retryMiddleware(options: RetryOptions = {}): ClientMiddleware {
  const attempts = options.attempts ?? 3;
  const methods = new Set((options.methods ?? IDEMPOTENT).map((m) => m.toUpperCase()));
  const statuses = new Set(options.statuses ?? [408, 429, 500, 502, 503, 504]);
  const backoff = options.backoff ?? 0.1;
  const maxBackoff = options.maxBackoff ?? 30;
  const useRetryAfter = options.retryAfter ?? true;
  const onConnErr = options.retryOnConnectionError ?? true;
  if (!(attempts >= 1)) throw new RangeError('retryMiddleware: attempts must be >= 1');
  return async (req, handler) => {
    if (!methods.has(req.method) || !req.replayable) return handler(req);
    let delay = backoff;
    for (let attempt = 1; ; attempt++) {
      let resp: ClientResponse;
      try {
        resp = await handler(req);
      } catch (err) {
        const retryable = onConnErr && (err instanceof ClientConnectionError || err instanceof ServerTimeoutError);
        if (!retryable || attempt >= attempts || (err instanceof ServerTimeoutError && err.timeout === 'total')) throw err;
        await sleep(Math.min(delay, maxBackoff));
        delay *= 2;
        continue;
      }
      if (!statuses.has(resp.status) || attempt >= attempts) return resp;
      const ra = useRetryAfter ? retryAfterSeconds(resp.headers.get('retry-after')) : null;
      resp.release();
      await sleep(Math.min(ra ?? delay, maxBackoff));
      delay *= 2;
    }
  };
}

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds * 1000)));
}
