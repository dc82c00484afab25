// Shared state of one benchmark run: config, contenders, statuses, spawning of contender processes.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { spawnPinned, waitLine, stopChild, freePort, perCpuTimes, cpuShareBetween } from './proc.mjs';
import { performance } from 'node:perf_hooks';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

/** Every contender module of a kind ('servers' | 'clients'): one file each, files starting with _ are helpers. */
export async function discover(kind) {
  const dir = join(BENCH_DIR, 'contenders', kind);
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.mjs') || name.startsWith('_')) continue;
    const file = join(dir, name);
    const mod = await import(pathToFileURL(file).href);
    out.push({ ...mod.meta, file, mod });
  }
  // the ceiling first, our package last, peers in between
  const rank = (c) => (c.id === 'node-http' || c.id === 'undici-request' ? 0 : c.requiresBuild ? 2 : 1);
  return out.sort((a, b) => rank(a) - rank(b));
}

export class Context {
  constructor(cfg) {
    this.cfg = cfg;
    this.statuses = []; // { section, item, contender, status: ok|skipped|failed, reason }
    this.commands = new Set();
    this.children = new Set();
  }

  log(msg) {
    process.stdout.write(`${msg}\n`);
  }

  record(section, item, contender, status, reason) {
    this.statuses.push({ section, item, contender, status, ...(reason ? { reason } : {}) });
    if (status === 'skipped') this.log(`  ${contender} ${section}/${item}: SKIPPED (not built): ${reason}`);
    if (status === 'failed') this.log(`  ${contender} ${section}/${item}: FAILED: ${reason}`);
  }

  spawn(cpu, argv) {
    const child = spawnPinned(cpu, argv, { cwd: BENCH_DIR });
    this.commands.add(child.command);
    this.children.add(child);
    child.exited.then(() => this.children.delete(child));
    return child;
  }

  /** argv that runs server contender `c` with `variant` on `port`. */
  serverArgv(c, variant, port) {
    if (c.mod.command) return c.mod.command(variant, port, this.fixturesFile);
    // memory: gc() is exposed so the runner can take RSS baselines after a collection (GCDONE)
    const flags = variant === 'memory' ? ['--expose-gc'] : [];
    return [process.execPath, ...flags, join(BENCH_DIR, 'lib/server-child.mjs'), c.file, variant, String(port), this.fixturesFile];
  }

  /**
   * Start server contender `c` pinned to the server CPU. Resolves { child, port, origin, ready, t }
   * or { skipped: reason } / { failed: reason }.
   */
  async startServer(c, variant) {
    // the port from freePort() can be taken by another process before the server binds it
    for (let attempt = 1; ; attempt++) {
      const r = await this.startServerOnce(c, variant);
      if (!r.failed || attempt === 3 || !/EADDRINUSE|address already in use/i.test(r.failed)) return r;
    }
  }

  async startServerOnce(c, variant) {
    const port = await freePort();
    const t0 = performance.now();
    const child = this.spawn(SERVER_CPU, this.serverArgv(c, variant, port));
    try {
      const ready = await waitLine(child, 'READY');
      return { child, port, origin: `http://127.0.0.1:${port}`, ready, spawnToReadyMs: performance.now() - t0, command: child.command };
    } catch (err) {
      await stopChild(child);
      if (err.notBuilt) return { skipped: err.message };
      return { failed: err.message };
    }
  }

  async stopAll() {
    await Promise.all([...this.children].map((c) => stopChild(c)));
  }

  clientArgv(c, opts) {
    if (c.mod.command) return c.mod.command(opts);
    return [process.execPath, join(BENCH_DIR, 'lib/client-child.mjs'), JSON.stringify({ file: c.file, ...opts })];
  }

  /** Run client contender `c` once to completion; resolves { result, command } or { skipped } / { failed }. */
  async runClient(c, opts) {
    const before = perCpuTimes();
    const child = this.spawn(LOAD_CPU, this.clientArgv(c, opts));
    try {
      const result = await waitLine(child, 'RESULT', opts.timeoutMs ?? 300_000);
      await child.exited;
      // How busy the server's and the client's cores were over the client's whole run (start-up
      // and warm-up included): a client core near 100% with the server core below it means the
      // run measured the client; a saturated server core means the server bounded it.
      const after = perCpuTimes();
      result.serverCpu = cpuShareBetween(before, after, SERVER_CPU);
      result.clientCpu = cpuShareBetween(before, after, LOAD_CPU);
      return { result, command: child.command };
    } catch (err) {
      await stopChild(child);
      if (err.notBuilt) return { skipped: err.message, command: child.command };
      return { failed: err.message, command: child.command };
    }
  }
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}
