/**
 * ClientTimeout, as aiohttp's: every limit is in seconds (fractions allowed); `null` or
 * `undefined` (or 0, as in aiohttp) disables it. `total` covers the whole operation (redirects and reading the body),
 * `connect` getting a connection (pool queue included), `sockConnect` opening a socket, `sockRead`
 * the longest silence while reading.
 */

/** Options of `new ClientTimeout(...)`. */
export interface ClientTimeoutOptions {
  total?: number | null;
  connect?: number | null;
  sockConnect?: number | null;
  sockRead?: number | null;
  /** Round the deadline up (kept for aiohttp parity; has no effect here). */
  ceilThreshold?: number;
}

function check(name: string, v: number | null | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
    throw new RangeError(`ClientTimeout ${name} must be a non-negative number of seconds, got ${String(v)}`);
  }
  return v;
}

/** Timeout limits of a session or a request, in seconds. */
export class ClientTimeout {
  readonly total: number | null;
  readonly connect: number | null;
  readonly sockConnect: number | null;
  readonly sockRead: number | null;
  readonly ceilThreshold: number;

  constructor(options: ClientTimeoutOptions = {}) {
    this.total = check('total', options.total);
    this.connect = check('connect', options.connect);
    this.sockConnect = check('sockConnect', options.sockConnect);
    this.sockRead = check('sockRead', options.sockRead);
    this.ceilThreshold = options.ceilThreshold ?? 5;
    Object.freeze(this);
  }

  /** A copy with some limits replaced (`dataclasses.replace` in aiohttp). */
  with(options: ClientTimeoutOptions): ClientTimeout {
    return new ClientTimeout({
      total: 'total' in options ? options.total ?? null : this.total,
      connect: 'connect' in options ? options.connect ?? null : this.connect,
      sockConnect: 'sockConnect' in options ? options.sockConnect ?? null : this.sockConnect,
      sockRead: 'sockRead' in options ? options.sockRead ?? null : this.sockRead,
      ceilThreshold: this.ceilThreshold,
    });
  }
}

/** aiohttp's default: five minutes in total, no other limit. */
export const DEFAULT_TIMEOUT = new ClientTimeout({ total: 300 });

/** Seconds to milliseconds for timers; null and 0 both mean disabled, as in aiohttp. */
export function toMs(seconds: number | null): number {
  return seconds === null || seconds === 0 ? 0 : Math.max(1, Math.round(seconds * 1000));
}
