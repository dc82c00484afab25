/**
 * Multi-process serving for `runApp(app, { workers })` on node:cluster. aiohttp has no such mode
 * (it defers to gunicorn's `aiohttp.GunicornWebWorker`); this file plays gunicorn's arbiter.
 *
 * The primary never builds the app: it forks workers that re-run the main script, whose `runApp`
 * call finds itself in a worker and serves normally on the shared listening socket (cluster's
 * round-robin). So the code that calls `runApp` must run the same way in every process: build the
 * app in a factory (or at module top level), not from state only the primary has.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';

/** How many worker processes to run: a count, or `'auto'` for one per core. */
export type WorkersOption = number | 'auto';

/** Env var that marks a process as one of our cluster workers (so a nested runApp stays single). */
const WORKER_ENV = 'AIOHTTP_TS_WORKER';
/** After a crash the replacement waits 0.1 s, doubling per further crash of that slot, up to 10 s. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 10_000;
/** A slot that crashes this many times within the window is given up. */
const MAX_CRASHES = 10;
const CRASH_WINDOW_MS = 60_000;

/** What the primary and the workers tell each other over the IPC channel. */
type Message = { aiohttpTs: 'ready'; names: string[] } | { aiohttpTs: 'shutdown' };

function isOurMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && 'aiohttpTs' in m;
}

/** The worker count for an option value; throws RangeError naming `workers` when invalid. */
export function resolveWorkers(workers: WorkersOption): number {
  if (workers === 'auto') return availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer or 'auto', got ${String(workers)}`);
  return workers;
}

/** True in a worker forked by runWorkers. */
export function isWorkerProcess(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === '1';
}

/** @internal Worker side: tell the primary the sites listen. */
export function _notifyReady(names: string[]): void {
  if (isWorkerProcess() && process.send) process.send({ aiohttpTs: 'ready', names } satisfies Message);
}

/**
 * @internal Worker side: calls `stop` when the primary asks for a graceful shutdown; the returned
 * function removes the listener and lets the IPC channel go so the process can exit.
 */
export function _onShutdownRequest(stop: () => void): () => void {
  const onMessage = (m: unknown): void => {
    if (isOurMessage(m) && m.aiohttpTs === 'shutdown') stop();
  };
  process.on('message', onMessage);
  return () => {
    process.off('message', onMessage);
    // cluster's own disconnect waits for the primary to forget our handles, so no connection is
    // handed to a worker that is leaving.
    if (process.connected) cluster.worker?.disconnect();
  };
}

/** Options of the primary. */
export interface PrimaryOptions {
  workers: WorkersOption;
  /** Seconds a worker gets to shut down gracefully before it is killed (plus a margin). */
  shutdownTimeout: number;
  printBanner: boolean | ((line: string) => void);
  handleSignals: boolean;
  signal: AbortSignal | undefined;
}

interface Slot {
  worker: Worker;
  crashes: number[];
}

/**
 * Primary side: forks the workers, restarts crashed ones with backoff, reloads them one at a time
 * on SIGHUP and drains them all on SIGINT/SIGTERM (or `signal`); resolves when every worker exited.
 */
export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const count = resolveWorkers(options.workers);
  const slots: Slot[] = [];
  const stopping = new Set<Worker>();
  let shuttingDown = false;
  let reloading: Promise<void> | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let names: string[] | undefined;
  const killAfterMs = options.shutdownTimeout * 1000 + 5000;

  /** Forks a worker for `slot`; `ready` resolves once its sites listen and rejects if it dies first. */
  const fork = (slot: Slot): { worker: Worker; ready: Promise<void> } => {
    const worker = cluster.fork({ [WORKER_ENV]: '1' });
    worker.once('exit', (code, sig) => onExit(worker, slot, code, sig));
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        if (!isOurMessage(m) || m.aiohttpTs !== 'ready') return;
        worker.off('exit', onEarlyExit);
        names ??= m.names;
        resolve();
      };
      const onEarlyExit = (): void => {
        worker.off('message', onMessage);
        reject(new Error(`worker ${worker.process.pid ?? '?'} exited before listening`));
      };
      worker.on('message', onMessage);
      worker.once('exit', onEarlyExit);
    });
    return { worker, ready };
  };

  /** Asks a worker to shut down gracefully; resolves when it exited (SIGKILL after the timeout). */
  const stopWorker = (worker: Worker): Promise<void> => {
    stopping.add(worker);
    if (worker.isDead()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => worker.process.kill('SIGKILL'), killAfterMs);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (worker.isConnected()) worker.send({ aiohttpTs: 'shutdown' } satisfies Message);
      else worker.process.kill('SIGTERM');
    });
  };

  /** A worker we did not ask to stop died: restart it with backoff, or give the slot up. */
  const onExit = (worker: Worker, slot: Slot, code: number | null, sig: string | null): void => {
    if (stopping.has(worker) || shuttingDown || slot.worker !== worker) return;
    const now = Date.now();
    slot.crashes = slot.crashes.filter((t) => now - t < CRASH_WINDOW_MS);
    slot.crashes.push(now);
    const why = sig ?? `code ${String(code)}`;
    if (slot.crashes.length >= MAX_CRASHES) {
      console.error(`aiohttp-ts: worker ${worker.process.pid ?? '?'} died (${why}); ${MAX_CRASHES} crashes within ${CRASH_WINDOW_MS / 1000} s, not restarting it`);
      slots.splice(slots.indexOf(slot), 1);
      if (slots.length === 0) {
        process.exitCode = 1;
        shuttingDown = true;
        finish();
      }
      return;
    }
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (slot.crashes.length - 1));
    console.error(`aiohttp-ts: worker ${worker.process.pid ?? '?'} died (${why}); restarting in ${delay / 1000} s`);
    setTimeout(() => {
      if (shuttingDown) return;
      const next = fork(slot);
      slot.worker = next.worker;
      next.ready.catch(() => undefined);
    }, delay).unref();
  };

  /** Rolling restart: for each slot, fork the replacement, wait until it listens, then drain the old one. */
  const reload = async (): Promise<void> => {
    for (const slot of [...slots]) {
      if (shuttingDown) return;
      const old = slot.worker;
      const fresh = fork(slot);
      try {
        await fresh.ready;
      } catch (err) {
        console.error(`aiohttp-ts: reload stopped: ${(err as Error).message}`);
        return;
      }
      slot.worker = fresh.worker;
      await stopWorker(old);
    }
    if (!shuttingDown) console.error(`aiohttp-ts: reload done, ${slots.length} workers replaced`);
  };

  const shutdown = (): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    void Promise.all(all.map(stopWorker)).then(() => finish());
  };
  const onHup = (): void => {
    if (shuttingDown) return;
    reloading = (reloading ?? Promise.resolve()).then(reload);
  };

  // Fork all at once; a worker that cannot start (bad app, port in use) fails runApp.
  const readies: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const slot = { worker: undefined as unknown as Worker, crashes: [] };
    slots.push(slot);
    const f = fork(slot);
    slot.worker = f.worker;
    readies.push(f.ready);
  }
  const started = await Promise.allSettled(readies);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    shuttingDown = true;
    await Promise.all(slots.map((s) => stopWorker(s.worker)));
    // No "aiohttp-ts:" prefix: the CLI adds it to every error it prints.
    const reason: unknown = (failed as PromiseRejectedResult).reason;
    throw new Error(`a worker failed to start: ${reason instanceof Error ? reason.message : String(reason)}`, { cause: reason });
  }
  if (options.printBanner) {
    const print = typeof options.printBanner === 'function' ? options.printBanner : (line: string): void => console.log(line);
    for (const name of names ?? []) print(`======== Running on ${name} ========`);
    print(`(${count} workers, primary pid ${process.pid}; SIGHUP reloads them; Press CTRL+C to quit)`);
  }
  if (options.handleSignals) {
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    process.on('SIGHUP', onHup);
  }
  if (options.signal !== undefined) {
    if (options.signal.aborted) shutdown();
    else options.signal.addEventListener('abort', shutdown, { once: true });
  }
  try {
    await finished;
  } finally {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
    process.off('SIGHUP', onHup);
  }
  process.exitCode ??= 0;
}
