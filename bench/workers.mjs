#!/usr/bin/env node
// Requests/s of the demo app's GET / with 1 worker vs 2 workers, load from wrk on the same machine.
// Run after `npm run build`: node bench/workers.mjs [seconds=10] [connections=64]
// wrk competes with the server for the same cores, so the 2-worker number understates a real
// 2-core server; quote results only from a quiet machine.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const WRK = '/usr/bin/wrk';
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 64);

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

async function run(workers) {
  const port = await freePort();
  const args = [CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--no-access-log'];
  if (workers > 1) args.push('--workers', String(workers));
  const server = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Running on')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}/`;
  execFileSync(WRK, ['-t1', '-c8', '-d2s', url], { encoding: 'utf8' }); // warm-up (JIT)
  const text = execFileSync(WRK, ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
  const p50 = /^\s+50%\s+(\S+)/m.exec(text)?.[1] ?? '?';
  const p99 = /^\s+99%\s+(\S+)/m.exec(text)?.[1] ?? '?';
  const errors = /Socket errors: (.*)/.exec(text)?.[1] ?? 'none';
  return { workers, rps, p50, p99, errors };
}

console.log(`demo app GET /, wrk -t2 -c${connections} -d${seconds}s on the same ${availableParallelism()}-core machine`);
const rows = [await run(1), await run(2)];
console.log('workers | req/s     | p50      | p99      | socket errors');
for (const r of rows) {
  console.log(`${String(r.workers).padEnd(7)} | ${r.rps.toFixed(0).padEnd(9)} | ${r.p50.padEnd(8)} | ${r.p99.padEnd(8)} | ${r.errors}`);
}
console.log(`2 workers / 1 worker: ${(rows[1].rps / rows[0].rps).toFixed(2)}x`);
