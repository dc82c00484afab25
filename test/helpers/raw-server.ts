/** A raw `net` server for client tests that need exact response bytes (hostile or broken servers). */
import net from 'node:net';
import type { TestContext } from 'node:test';

export interface RawServer {
  url: string;
  /** Connections accepted so far. */
  conns: () => number;
}

/** A raw server calling `onConn` for each connection; counts connections; closed by `t.after`. */
export async function hostile(t: TestContext, onConn: (sock: net.Socket) => void): Promise<RawServer> {
  let n = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    n++;
    socks.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => socks.delete(sock));
    onConn(sock);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of socks) s.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, conns: () => n };
}

/** Calls `fn` once per request head received on `sock` (keep-alive: once per request). */
export function onHead(sock: net.Socket, fn: (head: string) => void): void {
  let buf = '';
  sock.on('data', (c) => {
    buf += c.toString('latin1');
    let i: number;
    while ((i = buf.indexOf('\r\n\r\n')) !== -1) {
      const head = buf.slice(0, i);
      buf = buf.slice(i + 4);
      fn(head);
    }
  });
}

/** A server answering every request head with `response` (a function gets the head), then keeping the connection open. */
export function answer(t: TestContext, response: Buffer | string | ((head: string) => Buffer | string)): Promise<RawServer> {
  return hostile(t, (sock) => onHead(sock, (head) => sock.write(typeof response === 'function' ? response(head) : response)));
}

export interface PoisonedOptions {
  /** Method of the first request. Default GET. */
  method?: string;
  /** Checks the error of the first request (the whole of it: head and body read). */
  check: (err: unknown) => boolean;
  /** Makes the session; default a ClientSession with a 10 s total timeout. */
  session: () => { request(method: string, url: string): Promise<{ read(): Promise<Buffer>; text(): Promise<string> }>; close(): Promise<void> };
}

/**
 * The first request's connection gets `raw`; that request (head and body) must fail as `check`
 * says, and the next request must get a fresh connection's `ok`, never ride the poisoned one.
 */
export async function refusedOnce(t: TestContext, raw: Buffer | string, options: PoisonedOptions): Promise<void> {
  let poisoned: net.Socket | null = null;
  let reused = false;
  const { url } = await hostile(t, (sock) =>
    onHead(sock, () => {
      if (poisoned === null) {
        poisoned = sock;
        sock.write(raw);
      } else {
        if (sock === poisoned) reused = true;
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
    }),
  );
  const session = options.session();
  try {
    let failed: unknown = null;
    try {
      await (await session.request(options.method ?? 'GET', url)).read();
    } catch (err) {
      failed = err;
    }
    if (failed === null || !options.check(failed)) throw new Error(`unexpected outcome of the first request: ${String(failed)}`, { cause: failed });
    const text = await (await session.request('GET', url)).text();
    if (text !== 'ok') throw new Error(`the next request got ${JSON.stringify(text)}`);
    if (reused) throw new Error('the poisoned connection was reused');
  } finally {
    await session.close();
  }
}
