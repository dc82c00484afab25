/**
 * An in-memory socket pair for the in-process mode: what one end writes, the other reads, with
 * backpressure, half-close and reset. Hand-written because `stream.duplexPair` only exists from
 * Node 22.6 and we support Node 20; it also needs the net.Socket surface (setNoDelay, setTimeout,
 * ref/unref, addresses) that undici and node:http call on a connection.
 */
import { Duplex } from 'node:stream';

type Delivery = [chunk: Buffer | null, written: (() => void) | undefined];

/** One end of an in-memory connection, shaped like a `net.Socket` for undici and node:http. */
export class MemorySocket extends Duplex {
  /** @internal The other end. */
  _peer: MemorySocket | undefined;
  /**
   * Bytes (and EOF, as null) written by the other end, not yet pushed. They are pushed from a
   * setImmediate, so each hop crosses an event-loop turn as socket I/O does: undici frees a
   * keep-alive connection for reuse only after such a turn, and timers interleave as on a network.
   */
  readonly #inbox: Delivery[] = [];
  #flushing: NodeJS.Immediate | undefined;
  /** The write callback of a chunk pushed past the high-water mark, called on the next `_read`. */
  #pendingWrite: (() => void) | undefined;
  /** True once EOF was pushed. */
  #eof = false;
  /** The other end was destroyed: close after the bytes already sent. */
  #reset = false;
  #timeoutMs = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteFamily = 'IPv4';
  readonly connecting = false;
  readonly pending = false;
  bytesWritten = 0;

  constructor(localPort: number, remotePort: number) {
    super({ allowHalfOpen: true });
    this._peer = undefined;
    this.#flushing = undefined;
    this.#pendingWrite = undefined;
    this.remoteAddress = '127.0.0.1';
    this.remotePort = remotePort;
    this.localAddress = '127.0.0.1';
    this.localPort = localPort;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this._peer;
    if (peer === undefined || peer.destroyed || peer.#reset) {
      callback(Object.assign(new Error('write after the peer closed'), { code: 'EPIPE' }));
      return;
    }
    this.bytesWritten += chunk.length;
    this.#touch();
    peer.#deliver(chunk, () => callback());
  }

  override _read(): void {
    const resume = this.#pendingWrite;
    if (resume !== undefined) {
      this.#pendingWrite = undefined;
      resume();
    }
    if (this.#inbox.length > 0) this.#schedule();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this._peer;
    if (peer !== undefined && !peer.destroyed) peer.#deliver(null, undefined);
    callback();
  }

  // Like a closed TCP socket: what was written still arrives, then the other end ends and closes.
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    this.#release();
    const peer = this._peer;
    if (peer !== undefined && !peer.destroyed && !peer.#reset) {
      peer.#reset = true;
      peer.#schedule();
    }
    callback(err);
  }

  #deliver(chunk: Buffer | null, written: (() => void) | undefined): void {
    this.#inbox.push([chunk, written]);
    this.#schedule();
  }

  #schedule(): void {
    this.#flushing ??= setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushing = undefined;
    if (this.destroyed) {
      this.#release();
      return;
    }
    while (this.#pendingWrite === undefined) {
      const next = this.#inbox.shift();
      if (next === undefined) break;
      const [chunk, written] = next;
      if (chunk === null) {
        this.#end();
        written?.();
        continue;
      }
      this.#touch();
      if (this.#eof) written?.();
      else if (this.push(chunk)) written?.();
      else this.#pendingWrite = written;
    }
    if (this.#reset && this.#inbox.length === 0) {
      this.#end();
      this.destroy();
    }
  }

  /** Lets writers of bytes that will never be read go on (they were "sent"). */
  #release(): void {
    const pending = this.#pendingWrite;
    this.#pendingWrite = undefined;
    pending?.();
    for (const [, written] of this.#inbox.splice(0)) written?.();
    if (this.#flushing !== undefined) clearImmediate(this.#flushing);
    this.#flushing = undefined;
  }

  #end(): void {
    if (this.#eof) return;
    this.#eof = true;
    this.push(null);
  }

  /** Restarts the idle timer set by `setTimeout`, as socket activity does. */
  #touch(): void {
    if (this.#timer !== undefined) this.#timer.refresh();
  }

  /** Emits 'timeout' after `ms` without activity, as `net.Socket#setTimeout`; 0 turns it off. */
  setTimeout(ms: number, callback?: () => void): this {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timeoutMs = ms;
    if (callback !== undefined) {
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    if (ms > 0 && !this.destroyed) {
      this.#timer = setTimeout(() => this.emit('timeout'), ms);
      this.#timer.unref();
    }
    return this;
  }

  /** The idle timeout in milliseconds (0: none). */
  get timeout(): number {
    return this.#timeoutMs;
  }

  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this;
  }

  /** No handle holds the event loop, so ref and unref have nothing to do. */
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: 'IPv4', port: this.localPort };
  }

  get readyState(): string {
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    return this.readable ? 'readOnly' : 'writeOnly';
  }
}

let nextPort = 40000;

/** Two connected in-memory sockets: `[client, server]`. */
export function memorySocketPair(serverPort: number): [MemorySocket, MemorySocket] {
  const clientPort = nextPort++;
  if (nextPort > 65000) nextPort = 40000;
  const client = new MemorySocket(clientPort, serverPort);
  const server = new MemorySocket(serverPort, clientPort);
  client._peer = server;
  server._peer = client;
  return [client, server];
}
