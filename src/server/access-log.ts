/**
 * Access log in aiohttp's format (`web_log.py`, Apache-like tokens). The format is compiled once
 * into an array of small functions; when no access log is configured, nothing here runs.
 */
import type { Request } from './request.js';
import type { StreamResponse } from './response.js';

/** aiohttp's default access log format. */
export const DEFAULT_ACCESS_LOG_FORMAT = '%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"';

/** Where access log lines go: a function, or a logger with `info`. */
export type AccessLogSink = ((line: string) => void) | { info(line: string): void };

type Part = (request: Request, response: StreamResponse | undefined, time: number, status: number) => string;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `[26/Nov/2026:00:26:34 +0000]` for the request start, as aiohttp's `%t`. */
function formatTime(time: number): string {
  const d = new Date(Date.now() - time * 1000);
  return `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
}

const SIMPLE: Record<string, Part> = {
  a: (req) => req.remote ?? '-',
  t: (_req, _res, time) => formatTime(time),
  P: () => `<${process.pid}>`,
  r: (req) => `${req.method} ${req.pathQs} HTTP/${req.message.httpVersion}`,
  s: (_req, _res, _time, status) => String(status),
  b: (req, res) => (res === undefined ? '-' : req.method === 'HEAD' ? '0' : String(res.bodyLength)),
  T: (_req, _res, time) => String(Math.round(time)),
  Tf: (_req, _res, time) => time.toFixed(6),
  D: (_req, _res, time) => String(Math.round(time * 1e6)),
};

function responseHeader(res: StreamResponse | undefined, name: string): string {
  if (res === undefined) return '-';
  if (name.toLowerCase() === 'content-type') return res._contentTypeHeader() ?? '-';
  if (name.toLowerCase() === 'content-length') return String(res.contentLength ?? res.bodyLength);
  return res.headers.get(name) ?? '-';
}

/** Compiles a format string into its parts; unknown tokens are a TypeError naming them. */
export function compileAccessLogFormat(format: string): Part[] {
  const parts: Part[] = [];
  const re = /%(?:\{([^}]+)\}([ioe])|(Tf|[atPrsbTD%]))/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    if (m.index > last) {
      const lit = format.slice(last, m.index);
      if (lit.includes('%')) throw new TypeError(`unknown access log token near ${JSON.stringify(lit)}`);
      parts.push(() => lit);
    }
    last = re.lastIndex;
    const [, key, kind, token] = m;
    if (token === '%') parts.push(() => '%');
    else if (token !== undefined) parts.push(SIMPLE[token]!);
    else if (kind === 'i') parts.push((req) => req.headers.get(key!) ?? '-');
    else if (kind === 'o') parts.push((_req, res) => responseHeader(res, key!));
    else parts.push(() => process.env[key!] ?? '-');
  }
  if (last < format.length) {
    const lit = format.slice(last);
    if (lit.includes('%')) throw new TypeError(`unknown access log token near ${JSON.stringify(lit)}`);
    parts.push(() => lit);
  }
  return parts;
}

/** Formats and emits one line per finished request. */
export class AccessLogger {
  readonly format: string;
  readonly #parts: Part[];
  readonly #emit: (line: string) => void;

  constructor(sink: AccessLogSink, format: string = DEFAULT_ACCESS_LOG_FORMAT) {
    this.format = format;
    this.#parts = compileAccessLogFormat(format);
    this.#emit = typeof sink === 'function' ? sink : (line) => sink.info(line);
  }

  /** The line for a request; `time` is in seconds. */
  formatLine(request: Request, response: StreamResponse | undefined, time: number, status: number): string {
    let line = '';
    for (let i = 0; i < this.#parts.length; i++) line += this.#parts[i]!(request, response, time, status);
    return line;
  }

  /** Logs a request; errors in the sink are swallowed so logging never breaks a response. */
  log(request: Request, response: StreamResponse | undefined, time: number, status: number): void {
    try {
      this.#emit(this.formatLine(request, response, time, status));
    } catch {
      // An access log must not take the server down.
    }
  }
}
