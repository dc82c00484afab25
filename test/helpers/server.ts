/** Shared helpers for functional server tests: a runner on 127.0.0.1:0 and raw-socket requests. */
import net from 'node:net';
import type { TestContext } from 'node:test';
import { AppRunner, TCPSite, type Application, type AppRunnerOptions } from '../../src/server/index.js';

export interface Served {
  runner: AppRunner;
  site: TCPSite;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves `app` on a free loopback port; closed by `t.after` when a test context is given. */
export async function serve(app: Application, t?: TestContext, options: AppRunnerOptions = {}): Promise<Served> {
  const runner = new AppRunner(app, { shutdownTimeout: 5, ...options });
  await runner.setup();
  const site = new TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const served: Served = {
    runner,
    site,
    port: site.port,
    url: `http://127.0.0.1:${site.port}`,
    close: () => runner.cleanup(),
  };
  t?.after(() => served.close());
  return served;
}

/** A logger that records errors instead of printing them. */
export function captureLogger(): { errors: unknown[][]; error(...args: unknown[]): void } {
  const errors: unknown[][] = [];
  return { errors, error: (...args: unknown[]) => void errors.push(args) };
}

/** Sends raw bytes and resolves with everything the server sent until it closed the connection. */
export function rawRequest(port: number, data: string | Buffer, options: { path?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = options.path ? net.connect(options.path) : net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('connect', () => sock.write(data));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** Parses the first HTTP/1.1 response of a raw reply into status, lower-cased headers and body. */
export function parseRaw(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, end).split('\r\n');
  const status = Number(head[0]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: raw.slice(end + 4) };
}
