/**
 * WebSocketSet: the registry behind aiohttp's graceful-shutdown recipe (`app[websockets]`, a
 * WeakSet closed in `on_shutdown` with GOING_AWAY). Closed sockets drop out by themselves.
 */
import type { WSCloseOptions } from './connection.js';
import { WSCloseCode } from './models.js';

/** What the set can close: WebSocketConnection, WebSocketResponse, ClientWebSocketResponse. */
export interface ClosableWebSocket {
  readonly closed: boolean;
  close(options?: WSCloseOptions): Promise<boolean>;
  /** Drops the socket without a handshake; used when `closeAll()` runs out of time. */
  terminate?(): void;
}

/** Options of `closeAll()`. */
export interface CloseAllOptions {
  /** Close code (default 1001 GOING_AWAY). */
  code?: number;
  /** Close reason (default 'Server shutdown', as aiohttp's recipe). */
  message?: string;
  /** Seconds to wait for every closing handshake; then the rest are terminated. Default: no limit. */
  timeout?: number;
}

/**
 * Tracks open WebSockets so shutdown can close them all.
 * @example
 * const sockets = new WebSocketSet();
 * sockets.add(ws);                              // in the handler, after prepare()
 * await sockets.closeAll({ timeout: 5 });       // in onShutdown
 */
export class WebSocketSet<T extends ClosableWebSocket = ClosableWebSocket> implements Iterable<T> {
  readonly #items = new Set<T>();

  /** Starts tracking `ws`. */
  add(ws: T): this {
    if (!ws.closed) this.#items.add(ws);
    return this;
  }

  /** Stops tracking `ws`; true if it was tracked. */
  delete(ws: T): boolean {
    return this.#items.delete(ws);
  }

  /** Whether `ws` is tracked and still open. */
  has(ws: T): boolean {
    this.#prune();
    return this.#items.has(ws);
  }

  /** Number of tracked sockets still open. */
  get size(): number {
    this.#prune();
    return this.#items.size;
  }

  [Symbol.iterator](): Iterator<T> {
    this.#prune();
    return [...this.#items][Symbol.iterator]();
  }

  /** Closes every open socket (1001 by default) and waits for them, at most `timeout` seconds. */
  async closeAll(options: CloseAllOptions = {}): Promise<void> {
    const code = options.code ?? WSCloseCode.GOING_AWAY;
    const message = options.message ?? 'Server shutdown';
    const open = [...this.#items].filter((ws) => !ws.closed);
    this.#items.clear();
    const pending = new Set(open);
    const all = Promise.allSettled(
      open.map(async (ws) => {
        try {
          await ws.close({ code, message });
        } finally {
          pending.delete(ws);
        }
      }),
    );
    if (options.timeout === undefined) {
      await all;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(resolve, options.timeout! * 1000, true);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      for (const ws of pending) ws.terminate?.();
      await all;
    }
  }

  #prune(): void {
    for (const ws of this.#items) if (ws.closed) this.#items.delete(ws);
  }
}
