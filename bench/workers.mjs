#!/usr/bin/env node
// Requests/s of the demo app's GET / with 1 worker vs 2 workers (`aiohttp-ts serve --workers N`),
// load from wrk on the same machine (issue 9). Run after `npm run build`:
//   node bench/workers.mjs [--seconds 10] [--connections 64] [--runs 3] [--out FILE.json]
// Nothing is pinned: on a 2-core machine wrk competes with the workers for the same two cores, so
// the output reports how much CPU the server and wrk each used; the 2-worker number understates
// a 2-core server with its load elsewhere. Runs alternate 1, 2, 2, 1, ... and medians are reported.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { cpuBusy, cpuPressure, freePort, shellQuote } from './lib/proc.mjs';
import { WRK, parseWrk } from './lib/wrk.mjs';
import { median, ratio } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const runs = Number(args.runs);
for (const [k, v] of Object.entries({ seconds, connections, runs })) {
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`--${k} needs a positive integer\nusage: node bench/workers.mjs [--seconds N] [--connections N] [--runs N] [--out FILE.json]\n`);
    process.exit(2);
  }
}
const TICK = 100; // USER_HZ: /proc/<pid>/stat times are in 1/100 s on Linux

/** utime + stime of `pid` in seconds, or 0 once it is gone. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/** The pid and its direct children (the cluster primary and its workers). */
function tree(pid) {
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
  } catch {
    return [pid];
  }
}

const treeSeconds = (pids) => pids.reduce((sum, p) => sum + cpuSeconds(p), 0);

function collect(child) {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  return () => out;
}

async function startServer(workers) {
  const port = await freePort();
  const argv = [process.execPath, CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--no-access-log'];
  if (workers > 1) argv.push('--workers', String(workers));
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = collect(child);
  await new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`server exited ${code} before listening: ${out()}`));
    child.once('exit', onExit);
    child.stdout.on('data', () => {
      if (!out().includes('Running on')) return;
      child.off('exit', onExit);
      resolve();
    });
  });
  // with workers, "Running on" comes from the first worker: wait until every worker is a child
  while (tree(child.pid).length < workers + (workers > 1 ? 1 : 0)) await new Promise((r) => setTimeout(r, 50));
  return { child, port, command: shellQuote(argv.map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : a))) };
}

/** wrk through bash so `times` reports wrk's own CPU time (user + system of the shell's children). */
async function wrk(url, wrkArgs) {
  const argv = [WRK, ...wrkArgs, url];
  const child = spawn('bash', ['-c', '"$@"; s=$?; times; exit $s', 'bash', ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = collect(child);
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`wrk exited ${code}: ${out()}`);
  const times = [...out().matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  // `times` prints the shell's user/sys, then its children's: the last two are wrk's
  const wrkCpu = times.length >= 4 ? times.at(-2) + times.at(-1) : null;
  return { command: shellQuote(argv), text: out(), wrkCpu };
}

async function measure(workers) {
  const srv = await startServer(workers);
  try {
    const url = `http://127.0.0.1:${srv.port}/`;
    await wrk(url, ['-t1', '-c8', '-d2s']); // warm-up (JIT)
    const pids = tree(srv.child.pid);
    const cpu0 = treeSeconds(pids);
    const t0 = performance.now();
    const w = await wrk(url, ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency']);
    const wall = (performance.now() - t0) / 1000;
    const serverCpu = treeSeconds(pids) - cpu0;
    const r = parseWrk(w.text);
    const errors = r.socketErrors ? Object.values(r.socketErrors).reduce((a, b) => a + b, 0) : 0;
    return {
      workers, serverCommand: srv.command, wrkCommand: w.command, ...r, socketErrorsTotal: errors,
      serverCores: serverCpu / wall, wrkCores: w.wrkCpu === null ? null : w.wrkCpu / wall,
    };
  } finally {
    const gone = new Promise((r) => srv.child.once('exit', r));
    srv.child.kill('SIGTERM');
    await gone;
  }
}

const cpus = os.availableParallelism();
const busy = await cpuBusy(1000);
console.log(`demo app GET /, wrk -t2 -c${connections} -d${seconds}s, ${runs} runs each, wrk and server unpinned on the same ${cpus}-CPU machine`);
if (busy > 0.1) console.log(`warning: the machine was ${(busy * 100).toFixed(0)}% busy before the run: other processes take CPU from both sides`);
const order = [];
for (let i = 0; i < runs; i++) order.push(...(i % 2 ? [2, 1] : [1, 2]));
const all = [];
for (const n of order) {
  const r = await measure(n);
  all.push(r);
  const bad = r.non2xx || r.socketErrorsTotal ? `, ${r.non2xx} non-2xx, ${r.socketErrorsTotal} socket errors` : '';
  console.log(`  ${n} worker${n > 1 ? 's' : ' '}: ${Math.round(r.rps)} req/s, p99 ${r.latencyP99Ms} ms, server ${r.serverCores.toFixed(2)} cores, wrk ${r.wrkCores?.toFixed(2) ?? '?'} cores${bad}`);
}
const summary = {};
for (const n of [1, 2]) {
  const rs = all.filter((r) => r.workers === n);
  summary[n] = {
    medianRps: median(rs.map((r) => r.rps)),
    medianP99Ms: median(rs.map((r) => r.latencyP99Ms)),
    medianServerCores: median(rs.map((r) => r.serverCores)),
    medianWrkCores: median(rs.map((r) => r.wrkCores)),
    failedRequests: rs.reduce((a, r) => a + r.non2xx + r.socketErrorsTotal, 0),
  };
}
const twoOverOne = ratio(summary[2].medianRps, summary[1].medianRps);
console.log('workers | req/s (median) | p99 ms | server cores | wrk cores | non-2xx + socket errors');
for (const n of [1, 2]) {
  const s = summary[n];
  console.log(`${String(n).padEnd(7)} | ${String(Math.round(s.medianRps)).padEnd(14)} | ${String(s.medianP99Ms).padEnd(6)} | ${s.medianServerCores.toFixed(2).padEnd(12)} | ${s.medianWrkCores?.toFixed(2).padEnd(9) ?? '?'} | ${s.failedRequests}`);
}
console.log(`2 workers / 1 worker: ${twoOverOne?.toFixed(2)}x (wrk used ${summary[2].medianWrkCores?.toFixed(2)} of the ${cpus} cores in the 2-worker runs)`);

const started = new Date().toISOString();
const file = args.out ? resolve(args.out) : join(ROOT, 'bench/results', `${started.slice(0, 10)}-workers.json`);
mkdirSync(join(file, '..'), { recursive: true });
writeFileSync(file, `${JSON.stringify({
  schema: 1,
  command: `node bench/workers.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt: started,
  machine: { cpus, cpuModel: os.cpus()[0]?.model?.trim(), node: process.version, os: `${os.type()} ${os.release()}`, busyBeforeStart: busy, cpuPressureAfter: cpuPressure() },
  config: { seconds, connections, runs, wrkThreads: 2, pinned: false },
  note: 'wrk and the server share the same cores; compare the two rows of this run only',
  summary, twoWorkersOverOne: twoOverOne, runs: all,
}, null, 2)}\n`);
console.log(`results: ${relative(ROOT, file)}`);
process.exit(summary[1].failedRequests + summary[2].failedRequests > 0 ? 1 : 0);
