/**
 * Server-Sent Events (the job of aiohttp-sse, built in): a `text/event-stream` response whose
 * `send()` writes one event in the format of the HTML Living Standard §9.2, with keep-alive comment
 * pings and an end when the client goes away.
 */
import type { Request } from './request.js';
import { StreamResponse, type StreamResponseOptions } from './response.js';

/** One event; `data` may have several lines, each sent as its own `data:` line. */
export interface ServerSentEvent {
  data: string;
  event?: string;
  id?: string;
  /** Reconnection time the client should use, in milliseconds. */
  retry?: number;
}

/** Options of EventSourceResponse and `web.sse()`. */
export interface EventSourceResponseOptions extends StreamResponseOptions {
  /** Seconds between keep-alive comments (default 15; 0 disables them). */
  ping?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

function checkField(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new TypeError(`SSE ${name} must not contain CR or LF`);
  return value;
}

/**
 * A Server-Sent Events response.
 * @example
 * app.router.addGet('/events', async (request) => {
 *   await using stream = await web.sse(request);
 *   for (let i = 0; !request.signal.aborted; i++) {
 *     await stream.send({ data: `tick ${i}`, id: String(i) });
 *     await setTimeout(1000);
 *   }
 *   return stream;
 * });
 */
export class EventSourceResponse extends StreamResponse {
  readonly #pingMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;
  #lastEventId: string | undefined;

  constructor(options: EventSourceResponseOptions = {}) {
    const { ping = 15, ...rest } = options;
    super(rest);
    if (!(typeof ping === 'number' && ping >= 0 && Number.isFinite(ping))) throw new RangeError(`ping must be a number of seconds >= 0, got ${ping}`);
    this.#pingMs = ping * 1000;
    this.#timer = undefined;
    this.#closed = undefined;
    this.#lastEventId = undefined;
  }

  /** The `Last-Event-ID` the client sent when reconnecting, once prepared. */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** Sends the headers at once (so the client's EventSource opens) and starts the pings. */
  override async prepare(request: Request<unknown>): Promise<void> {
    if (this.prepared) return;
    this.#lastEventId = request.headers.get('last-event-id');
    this.contentType = 'text/event-stream';
    this.charset = 'utf-8';
    if (!this.headers.has('cache-control')) this.headers.set('Cache-Control', 'no-cache');
    // Stops nginx from buffering the stream.
    this.headers.set('X-Accel-Buffering', 'no');
    await super.prepare(request);
    const res = this._nodeResponse!;
    res.flushHeaders();
    this.#closed = new Promise((resolve) => {
      const done = (): void => {
        this.#stopPing();
        resolve();
      };
      if (res.destroyed) done();
      else res.once('close', done);
    });
    if (this.#pingMs > 0) {
      this.#timer = setInterval(() => {
        this.write(': ping\n\n').catch(() => this.#stopPing());
      }, this.#pingMs);
    }
  }

  #stopPing(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Sends one event; throws a TypeError for CR or LF in `event` or `id`, and
   * ConnectionResetError once the client has gone.
   */
  async send(message: ServerSentEvent | string): Promise<void> {
    const m = typeof message === 'string' ? { data: message } : message;
    let out = '';
    if (m.id !== undefined) out += `id: ${checkField('id', m.id)}\n`;
    if (m.event !== undefined) out += `event: ${checkField('event', m.event)}\n`;
    if (m.retry !== undefined) {
      if (!Number.isSafeInteger(m.retry) || m.retry < 0) throw new RangeError(`retry must be a non-negative integer of milliseconds, got ${m.retry}`);
      out += `retry: ${m.retry}\n`;
    }
    for (const line of String(m.data).split(LINE_BREAK)) out += `data: ${line}\n`;
    await this.write(`${out}\n`);
  }

  /** Sends a comment line (ignored by clients), as the pings do. */
  async comment(text: string): Promise<void> {
    await this.write(`${String(text).split(LINE_BREAK).map((l) => `: ${l}`).join('\n')}\n\n`);
  }

  /** Ends the stream and stops the pings. */
  override async writeEof(data?: Uint8Array | string): Promise<void> {
    this.#stopPing();
    await super.writeEof(data);
  }

  /** Resolves when the connection closes (the client left, or the stream ended and was sent). */
  waitClosed(): Promise<void> {
    if (this.#closed === undefined) throw new Error('Call prepare() before waitClosed()');
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.prepared) await this.writeEof();
  }
}

/** Prepares and returns an EventSourceResponse for `request` (aiohttp-sse's `sse_response`). */
export async function sse(request: Request<unknown>, options: EventSourceResponseOptions = {}): Promise<EventSourceResponse> {
  const response = new EventSourceResponse(options);
  await response.prepare(request);
  return response;
}
