/**
 * Receive queue between the framing layer and `receive()`, after aiohttp's `FlowControlDataQueue`
 * (`_websocket/reader.py`): when more than `highWaterMark` bytes wait unread the source is paused,
 * and it is resumed once the reader has drained the queue below `lowWaterMark`.
 */

/** Options of a MessageQueue. */
export interface MessageQueueOptions<T> {
  /** Bytes buffered before `onPause` is called; default 128 KiB (aiohttp: 2 × 64 KiB limit). */
  highWaterMark?: number;
  /** Bytes under which a paused queue calls `onResume`; default highWaterMark / 2. */
  lowWaterMark?: number;
  /** Weight of one item in bytes; default 1 per item. */
  sizeOf?: (item: T) => number;
  /** Called when the buffer passes `highWaterMark`; should stop the source. */
  onPause?: () => void;
  /** Called when a paused buffer drains below `lowWaterMark`; should restart the source. */
  onResume?: () => void;
}

/**
 * A FIFO with byte-based back-pressure. It does not wait: WebSocketConnection parks its one pending
 * receive itself and hands messages to it directly, queueing only what nobody waits for.
 */
export class MessageQueue<T> {
  // Ring-less array + head index: shift() on a large array is O(n); we compact lazily instead.
  #items: T[] = [];
  #head = 0;
  #sizes: number[] = [];
  #bytes = 0;
  #paused = false;
  #ended = false;
  readonly #high: number;
  readonly #low: number;
  readonly #sizeOf: (item: T) => number;
  readonly #onPause: (() => void) | undefined;
  readonly #onResume: (() => void) | undefined;

  constructor(options: MessageQueueOptions<T> = {}) {
    this.#high = options.highWaterMark ?? 128 * 1024;
    this.#low = options.lowWaterMark ?? Math.floor(this.#high / 2);
    if (!(this.#high >= 0) || !(this.#low >= 0) || this.#low > this.#high) {
      throw new RangeError('highWaterMark and lowWaterMark must be >= 0 with lowWaterMark <= highWaterMark');
    }
    this.#sizeOf = options.sizeOf ?? (() => 1);
    this.#onPause = options.onPause;
    this.#onResume = options.onResume;
  }

  /** Number of buffered items. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Weight of the buffered items in bytes. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Whether the source is currently paused by back-pressure. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Whether `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Appends an item (ignored after `end()`). */
  push(item: T): void {
    if (this.#ended) return;
    const size = this.#sizeOf(item);
    this.#items.push(item);
    this.#sizes.push(size);
    this.#bytes += size;
    if (!this.#paused && this.#bytes > this.#high) {
      this.#paused = true;
      this.#onPause?.();
    }
  }

  /** Marks the end: buffered items can still be taken, later pushes are ignored. */
  end(): void {
    this.#ended = true;
  }

  /** Drops every buffered item (and resumes the source if it was paused). */
  clear(): void {
    this.#items = [];
    this.#sizes = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#maybeResume();
  }

  /** Takes the next item without waiting; `undefined` when the buffer is empty. */
  tryShift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const i = this.#head;
    const item = this.#items[i] as T;
    this.#bytes -= this.#sizes[i] as number;
    this.#head = i + 1;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#sizes.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
    this.#maybeResume();
    return item;
  }

  #maybeResume(): void {
    if (this.#paused && this.#bytes <= this.#low) {
      this.#paused = false;
      this.#onResume?.();
    }
  }
}
