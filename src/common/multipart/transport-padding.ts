/**
 * RFC 2046 §5.1.1 lets a sender put transport padding (spaces and tabs) between a boundary
 * delimiter and its CRLF, and says receivers MUST accept it. @fastify/busboy's Dicer reads that
 * padding as the first header line of the part and drops the part's headers, so the bytes are
 * cleaned before Dicer sees them: the padding after `--boundary` (not after the close delimiter
 * `--boundary--`, whose padding Dicer already ignores) is removed, chunk splits included.
 */

const SP = 0x20;
const HTAB = 0x09;
const DASH = 0x2d;

function isPadding(byte: number | undefined): boolean {
  return byte === SP || byte === HTAB;
}

/** A streaming filter that removes transport padding after each delimiter of one boundary. */
export class TransportPaddingFilter {
  readonly #delimiter: Buffer;
  /** Bytes held back: they may start a delimiter (or decide one) when the next chunk comes. */
  #carry: Buffer;
  /** A delimiter ended a chunk in padding: skip padding at the start of the next one. */
  #skipping = false;
  /** Bytes of the virtual leading CRLF still to drop (the first delimiter has no CRLF before it). */
  #lead = 2;

  constructor(boundary: string) {
    this.#delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.#carry = Buffer.from('\r\n');
  }

  /** The bytes of `chunk` (and earlier held-back ones) that can be passed on now. */
  push(chunk: Buffer): Buffer[] {
    let buf = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = Buffer.alloc(0);
    const out: Buffer[] = [];
    if (this.#skipping) {
      let j = 0;
      while (j < buf.length && isPadding(buf[j])) j++;
      if (j === buf.length) return out;
      this.#skipping = false;
      buf = buf.subarray(j);
    }
    const delim = this.#delimiter;
    let from = 0;
    let i = 0;
    for (;;) {
      const pos = buf.indexOf(delim, i);
      if (pos === -1) break;
      const after = pos + delim.length;
      if (after === buf.length) {
        // Padding or `--` may follow in the next chunk.
        this.#emit(out, buf.subarray(from, pos));
        this.#carry = Buffer.from(buf.subarray(pos));
        return out;
      }
      i = after;
      if (buf[after] === DASH || !isPadding(buf[after])) continue;
      this.#emit(out, buf.subarray(from, after));
      let j = after;
      while (j < buf.length && isPadding(buf[j])) j++;
      if (j === buf.length) {
        this.#skipping = true;
        return out;
      }
      from = i = j;
    }
    // A delimiter cannot start inside another one (its only CR is its first byte), so only the
    // last delimiter-length-minus-one bytes can hold the start of the next.
    const tail = Math.max(i, from, buf.length - (delim.length - 1));
    this.#emit(out, buf.subarray(from, tail));
    if (tail < buf.length) this.#carry = Buffer.from(buf.subarray(tail));
    return out;
  }

  /** What is still held back, at the end of the body. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    this.#emit(out, this.#carry);
    this.#carry = Buffer.alloc(0);
    return out;
  }

  #emit(out: Buffer[], bytes: Buffer): void {
    if (this.#lead > 0) {
      const drop = Math.min(this.#lead, bytes.length);
      this.#lead -= drop;
      bytes = bytes.subarray(drop);
    }
    if (bytes.length !== 0) out.push(bytes);
  }
}
