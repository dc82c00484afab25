/**
 * An in-memory socket pair for the in-process mode: what one end writes, the other reads, with
 * backpressure, half-close and reset. Hand-written because `stream.duplexPair` only exists from
 * Node 22.6 and we support Node 20; it also needs the net.Socket surface (setNoDelay, setTimeout,
 * ref/unref, addresses) that undici and node:http call on a connection.
 */
import { Duplex } from 'node:stream';

/** One end of an in-memory connection, shaped like a `net.Socket` for undici and node:http. */
export class MemorySocket extends Duplex {
  /** @internal The other end. */
  _peer: MemorySocket | undefined;
  /** A write waiting for the reader to drain its buffer (backpressure). */
  #pendingWrite: (() => void) | undefined;
  /** True once the other end finished writing (EOF pushed). */
  #eof = false;
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
    this.#pendingWrite = undefined;
    this.remoteAddress = '127.0.0.1';
    this.remotePort = remotePort;
    this.localAddress = '127.0.0.1';
    this.localPort = localPort;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this._peer;
    if (peer === undefined || peer.destroyed || peer.#eof) {
      callback(Object.assign(new Error('write after the peer closed'), { code: 'EPIPE' }));
      return;
    }
    this.bytesWritten += chunk.length;
    this.#touch();
    peer.#touch();
    if (peer.push(chunk)) callback();
    else peer.#pendingWrite = () => callback();
  }

  override _read(): void {
    const resume = this.#pendingWrite;
    if (resume !== undefined) {
      this.#pendingWrite = undefined;
      resume();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this._peer;
    if (peer !== undefined && !peer.destroyed) peer.#end();
    callback();
  }

  // Like a TCP reset: the other end sees its readable side end and then closes.
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    this.#pendingWrite = undefined;
    const peer = this._peer;
    if (peer !== undefined && !peer.destroyed) {
      process.nextTick(() => {
        peer.#pendingWrite?.();
        peer.#pendingWrite = undefined;
        peer.#end();
        peer.destroy();
      });
    }
    callback(err);
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
