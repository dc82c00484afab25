import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { resolveWorkers } from '../../src/server/workers.js';

const CHILD = fileURLToPath(new URL('../helpers/workers-child.js', import.meta.url));

interface Cluster {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** Resolves once the child's output (stdout and stderr) matches. */
  waitForOutput: (re: RegExp) => Promise<void>;
}

/** Starts the child cluster and waits for its banner; kills it at the end of the test if still running. */
async function startCluster(t: TestContext): Promise<Cluster> {
  const child = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.re.test(out)) waiters.splice(i, 1)[0]!.resolve();
    }
  };
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    check();
  });
  child.stdout.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      check();
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m && out.includes('workers')) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`cluster exited early (${String(code)}): ${out}`)));
  });
  const waitForOutput = (re: RegExp): Promise<void> => new Promise((resolve) => {
    waiters.push({ re, resolve });
    check();
  });
  return { child, port, output: () => out, waitForOutput };
}

/**
 * GET through node:http. A server may close an idle keep-alive connection just as the client reuses
 * it; RFC 9112 §9.3.1 lets a client retry an idempotent request then, as node's docs advise
 * (`request.reusedSocket`), so that case retries once on a fresh connection and is counted.
 */
function request(
  port: number,
  path: string,
  agent: Agent | false = false,
  retried?: { count: number },
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: Error & { code?: string }) => {
      if (retried !== undefined && req.reusedSocket && err.code === 'ECONNRESET') {
        retried.count++;
        request(port, path, false).then(resolve, reject);
      } else reject(err);
    });
  });
}

describe('runApp({ workers })', () => {
  it('resolves auto to the core count and refuses nonsense', async () => {
    const { availableParallelism } = await import('node:os');
    assert.equal(resolveWorkers('auto'), availableParallelism());
    assert.equal(resolveWorkers(3), 3);
    assert.throws(() => resolveWorkers(0), /workers must be a positive integer/);
    assert.throws(() => resolveWorkers(1.5), RangeError);
  });

  it('serves from two worker processes on one port', async (t) => {
    const { port, child } = await startCluster(t);
    const pids = new Set<string>();
    for (let i = 0; i < 20 && pids.size < 2; i++) pids.add((await request(port, '/')).body);
    assert.equal(pids.size, 2);
    assert.ok(![...pids].includes(String(child.pid)), 'the primary does not serve');
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('reloads the workers one at a time on SIGHUP with zero failed requests', async (t) => {
    const { port, child, output, waitForOutput } = await startCluster(t);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    t.after(() => agent.destroy());
    const before = new Set<string>();
    const after = new Set<string>();
    const failures: string[] = [];
    let ok = 0;
    const retried = { count: 0 };
    let phase: 'before' | 'reloading' | 'after' = 'before';
    const deadline = Date.now() + 15_000;
    let done = false;
    // Four concurrent loops, half on keep-alive connections, half on a fresh connection each.
    const agents: Array<Agent | false> = [agent, agent, false, false];
    const loops = agents.map(async (a: Agent | false) => {
      while (!done && Date.now() < deadline) {
        // Sorted by when the request started: one sent after the reload is done can only reach a new worker.
        const sentAfter = phase === 'after';
        try {
          const r = await request(port, '/', a, retried);
          if (r.status !== 200) failures.push(`status ${r.status}`);
          else {
            ok++;
            (sentAfter ? after : before).add(r.body);
          }
        } catch (err) {
          failures.push(String(err));
        }
      }
    });
    while (before.size < 2) await new Promise((r) => setImmediate(r));
    phase = 'reloading';
    const reloaded = waitForOutput(/reload done, 2 workers replaced/);
    child.kill('SIGHUP');
    // The primary says so once every old worker has been replaced and has exited; from then on
    // only the new pids may answer, on old keep-alive connections or new ones.
    const oldPids = new Set(before);
    let guard: NodeJS.Timeout | undefined;
    await Promise.race([reloaded, new Promise((_resolve, reject) => {
      guard = setTimeout(() => reject(new Error(`no "reload done" within 15 s:\n${output()}`)), 15_000);
    })]).finally(() => clearTimeout(guard));
    phase = 'after';
    // Keep the loops going after the reload until both new workers have answered.
    while (after.size < 2 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    done = true;
    await Promise.all(loops);
    assert.deepEqual(failures, [], `failed requests during reload (${ok} ok, ${retried.count} retried)`);
    assert.ok(ok > 50, `only ${ok} requests made`);
    assert.equal(after.size, 2, 'two new worker pids answer after the reload');
    for (const pid of after) assert.ok(!oldPids.has(pid), 'worker pids changed');
    agent.destroy();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('restarts a worker that dies', async (t) => {
    const { port, child, output } = await startCluster(t);
    const first = new Set<string>();
    for (let i = 0; i < 20 && first.size < 2; i++) first.add((await request(port, '/')).body);
    assert.equal((await request(port, '/crash')).body, 'bye');
    const seen = new Set<string>();
    const deadline = Date.now() + 10_000;
    // A connection cluster's primary handed to the dying worker is lost (node's round-robin keeps
    // it open), so these requests time out and are retried instead of hanging.
    while (Date.now() < deadline && [...seen].filter((p) => !first.has(p)).length === 0) {
      try {
        seen.add((await request(port, '/', false, undefined, 1000)).body);
      } catch {
        // the request that hit the dead worker
      }
    }
    assert.ok([...seen].some((p) => !first.has(p)), 'a new worker pid answers');
    assert.match(output(), /died \(code 3\); restarting/);
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('drains every worker on SIGTERM and the primary exits 0', async (t) => {
    const { port, child, output } = await startCluster(t);
    const slow = request(port, '/slow');
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const res = await slow;
    assert.equal(res.status, 200);
    assert.match(res.body, /^slow \d+$/);
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.match(output(), /primary done/);
  });
});
