/**
 * StreamReader: the byte stream behind `response.content`, as aiohttp's `streams.StreamReader`.
 * A producer feeds chunks (`feedData`/`feedEof`/`setException`); readers pull with `read(n)`,
 * `readline()`, `readExactly(n)`, `readAny()` or async iteration. Memory stays bounded: above the
 * high-water mark the producer is paused (`onPause`), and resumed once the buffer drains below half.
 * Hand-written rather than a node Readable because aiohttp's pull API (readExactly, readline with a
 * separator, iterChunked) maps poorly onto Readable's push/flowing modes and costs more per chunk.
 */

/** Raised by `readExactly(n)` when the stream ends first, as asyncio's IncompleteReadError. */
export class IncompleteReadError extends Error {
  override name = 'IncompleteReadError';
  readonly code: string = 'ERR_INCOMPLETE_READ';
  /** The bytes read before EOF. */
  readonly partial: Buffer;
  /** How many bytes were wanted. */
  readonly expected: number;
  constructor(partial: Buffer, expected: number) {
    super(`${partial.length} bytes read on a total of ${expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}

/** Raised by `readline()` when a line exceeds the reader's limit, as asyncio's LimitOverrunError. */
export class LineTooLongError extends Error {
  override name = 'LineTooLongError';
  readonly code: string = 'ERR_LINE_TOO_LONG';
}

/** Options for a StreamReader. */
export interface StreamReaderOptions {
  /** Buffered bytes above which the producer is paused; also the readline limit. Default 64 KiB. */
  limit?: number;
  /** Called when the buffer goes above the limit. */
  onPause?: () => void;
  /** Called when a paused buffer drains below half the limit. */
  onResume?: () => void;
  /** Called once, when EOF has been read by the consumer or the reader was failed. */
  onDone?: (err: Error | null) => void;
}

const EMPTY = Buffer.alloc(0);

/** A pull-based, bounded byte stream; the body of a client response. */
export class StreamReader implements AsyncIterable<Buffer> {
  #chunks: Buffer[] = [];
  #head = 0;
  #offset = 0;
  #size = 0;
  #eof = false;
  #exception: Error | null = null;
  #waiter: (() => void) | null = null;
  #paused = false;
  #done = false;
  #total = 0;
  readonly #limit: number;
  readonly #onPause: (() => void) | undefined;
  readonly #onResume: (() => void) | undefined;
  #onDone: ((err: Error | null) => void) | undefined;

  constructor(options: StreamReaderOptions = {}) {
    this.#limit = options.limit ?? 2 ** 16;
    this.#onPause = options.onPause;
    this.#onResume = options.onResume;
    this.#onDone = options.onDone;
  }

  /** Bytes fed so far. */
  get totalBytes(): number {
    return this.#total;
  }

  /** Bytes buffered and not yet read. */
  get bufferedBytes(): number {
    return this.#size;
  }

  /** The error the stream failed with, if any. */
  exception(): Error | null {
    return this.#exception;
  }

  /** True once the producer signalled the end (data may still be buffered). */
  isEof(): boolean {
    return this.#eof;
  }

  /** True when the end was signalled and every byte was read. */
  atEof(): boolean {
    return this.#eof && this.#size === 0;
  }

  /** True when the producer is paused because the buffer is full. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Producer side: appends a chunk; returns false when the producer should pause. */
  feedData(chunk: Buffer): boolean {
    if (this.#eof || chunk.length === 0) return !this.#paused;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    this.#total += chunk.length;
    this.#wake();
    if (this.#size > this.#limit && !this.#paused) {
      this.#paused = true;
      this.#onPause?.();
    }
    return !this.#paused;
  }

  /** Producer side: no more data will come. */
  feedEof(): void {
    if (this.#eof) return;
    this.#eof = true;
    this.#wake();
    if (this.#size === 0) this.#finish(null);
  }

  /** Producer side: fails every pending and future read with `err` (buffered data is dropped). */
  setException(err: Error): void {
    if (this.#exception !== null || (this.#eof && this.#size === 0)) return;
    this.#exception = err;
    this.#chunks = [];
    this.#head = 0;
    this.#offset = 0;
    this.#size = 0;
    this.#wake();
    this.#finish(err);
  }

  #finish(err: Error | null): void {
    if (this.#done) return;
    this.#done = true;
    const fn = this.#onDone;
    this.#onDone = undefined;
    fn?.(err);
  }

  #wake(): void {
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w();
    }
  }

  #wait(): Promise<void> {
    if (this.#waiter !== null) throw new Error('StreamReader: concurrent reads are not allowed');
    return new Promise<void>((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Takes up to `n` bytes from the buffer (n < 0: everything buffered). */
  #take(n: number): Buffer {
    if (this.#size === 0) return EMPTY;
    const chunks = this.#chunks;
    let head = chunks[this.#head]!;
    let out: Buffer;
    const avail = head.length - this.#offset;
    if (n < 0 || n >= this.#size) {
      if (this.#head === chunks.length - 1) {
        out = this.#offset === 0 ? head : head.subarray(this.#offset);
      } else {
        const parts: Buffer[] = [this.#offset === 0 ? head : head.subarray(this.#offset)];
        for (let i = this.#head + 1; i < chunks.length; i++) parts.push(chunks[i]!);
        out = Buffer.concat(parts, this.#size);
      }
      this.#chunks = [];
      this.#head = 0;
      this.#offset = 0;
      this.#size = 0;
    } else if (n <= avail) {
      out = head.subarray(this.#offset, this.#offset + n);
      this.#consumeHead(n, avail);
    } else {
      out = Buffer.allocUnsafe(n);
      let pos = 0;
      while (pos < n) {
        head = chunks[this.#head]!;
        const a = head.length - this.#offset;
        const take = Math.min(a, n - pos);
        head.copy(out, pos, this.#offset, this.#offset + take);
        pos += take;
        this.#consumeHead(take, a);
      }
    }
    this.#afterRead();
    return out;
  }

  #consumeHead(n: number, avail: number): void {
    this.#size -= n;
    if (n === avail) {
      this.#chunks[this.#head] = EMPTY;
      this.#head++;
      this.#offset = 0;
      if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
        this.#chunks = this.#chunks.slice(this.#head);
        this.#head = 0;
      }
    } else {
      this.#offset += n;
    }
  }

  #afterRead(): void {
    if (this.#paused && this.#size <= this.#limit >> 1) {
      this.#paused = false;
      this.#onResume?.();
    }
    if (this.#eof && this.#size === 0) this.#finish(null);
  }

  async #fill(): Promise<boolean> {
    while (this.#size === 0) {
      if (this.#exception) throw this.#exception;
      if (this.#eof) return false;
      await this.#wait();
    }
    return true;
  }

  /**
   * Reads up to `n` bytes, or (n = -1, the default) everything until EOF. Returns an empty buffer
   * at EOF.
   */
  async read(n = -1): Promise<Buffer> {
    if (this.#exception) throw this.#exception;
    if (n === 0) return EMPTY;
    if (n < 0) {
      // Drain as data arrives, so a paused producer is resumed while we collect the body.
      const parts: Buffer[] = [];
      let size = 0;
      for (;;) {
        if (this.#exception) throw this.#exception;
        if (this.#size > 0) {
          const c = this.#take(-1);
          parts.push(c);
          size += c.length;
        }
        if (this.#eof && this.#size === 0) break;
        await this.#wait();
      }
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    }
    if (!(await this.#fill())) return EMPTY;
    return this.#take(n);
  }

  /** Reads whatever is buffered (waiting for at least one byte); empty at EOF. */
  async readAny(): Promise<Buffer> {
    if (!(await this.#fill())) return EMPTY;
    return this.#take(-1);
  }

  /** Reads the next chunk as received (aiohttp's `readchunk` without the end-of-chunk flag). */
  async readChunk(): Promise<Buffer> {
    if (!(await this.#fill())) return EMPTY;
    const head = this.#chunks[this.#head]!;
    return this.#take(head.length - this.#offset);
  }

  /** Reads exactly `n` bytes, or throws IncompleteReadError if the stream ends first. */
  async readExactly(n: number): Promise<Buffer> {
    if (n < 0) throw new RangeError('readExactly size can not be less than zero');
    if (this.#exception) throw this.#exception;
    while (this.#size < n) {
      if (this.#eof) {
        const partial = this.#take(-1);
        throw new IncompleteReadError(partial, n);
      }
      await this.#wait();
      if (this.#exception) throw this.#exception;
    }
    return this.#take(n);
  }

  /** Reads up to and including `separator` (default `\n`); at EOF returns what is left. */
  async readUntil(separator: string | Buffer = '\n'): Promise<Buffer> {
    const sep = typeof separator === 'string' ? Buffer.from(separator) : separator;
    if (sep.length === 0) throw new RangeError('Separator should be at least one-byte string');
    let scanned = 0;
    for (;;) {
      if (this.#exception) throw this.#exception;
      const idx = this.#indexOf(sep, scanned);
      if (idx !== -1) return this.#take(idx + sep.length);
      scanned = Math.max(0, this.#size - sep.length + 1);
      if (this.#size > this.#limit) throw new LineTooLongError(`Line is too long (limit ${this.#limit} bytes)`);
      if (this.#eof) return this.#take(-1);
      await this.#wait();
    }
  }

  /** Reads one line including its `\n`; an empty buffer at EOF. */
  readline(): Promise<Buffer> {
    return this.readUntil('\n');
  }

  /** Index of `sep` in the buffered bytes, starting at byte `from`, or -1. */
  #indexOf(sep: Buffer, from: number): number {
    if (this.#size === 0) return -1;
    const chunks = this.#chunks;
    if (this.#head === chunks.length - 1) {
      const i = chunks[this.#head]!.indexOf(sep, this.#offset + from);
      return i === -1 ? -1 : i - this.#offset;
    }
    // Several chunks: compact them once so multi-byte separators spanning chunks are found.
    const parts: Buffer[] = [];
    for (let i = this.#head; i < chunks.length; i++) parts.push(i === this.#head ? chunks[i]!.subarray(this.#offset) : chunks[i]!);
    const joined = Buffer.concat(parts, this.#size);
    this.#chunks = [joined];
    this.#head = 0;
    this.#offset = 0;
    return joined.indexOf(sep, from);
  }

  /** Yields chunks of at most `n` bytes (aiohttp's `iter_chunked`). */
  async *iterChunked(n: number): AsyncGenerator<Buffer, void, undefined> {
    if (!(n > 0)) throw new RangeError('iterChunked size must be positive');
    for (;;) {
      const chunk = await this.read(n);
      if (chunk.length === 0) return;
      yield chunk;
    }
  }

  /** Yields whatever is available as soon as it arrives (aiohttp's `iter_any`). */
  async *iterAny(): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const chunk = await this.readAny();
      if (chunk.length === 0) return;
      yield chunk;
    }
  }

  /** Yields lines including their `\n` (what `async for line in resp.content` does in aiohttp). */
  async *iterLine(): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /**
   * `for await (const chunk of reader)` yields chunks as they arrive. aiohttp iterates lines here;
   * we yield chunks so memory stays bounded whatever the body (use `iterLine()` for lines).
   */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.iterAny();
  }
}
