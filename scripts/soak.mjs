#!/usr/bin/env node
/**
 * Bounded soak: the demo app in a child process on loopback, our ClientSession driving mixed
 * traffic at full speed for --seconds (default 60) with --concurrency workers (default 32), then
 * SIGTERM during load. Prints errors, p50/p99 latency, server RSS and fd count before/after, and
 * whether the shutdown was graceful (exit 0, in-flight requests completed, new connections refused).
 * Needs `npm run build` first (it uses dist/).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { ClientSession } from '../dist/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, concurrency: { type: 'string', default: '32' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
    const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m) resolve(`http://127.0.0.1:${m[1]}`);
  });
  child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
});
child.stdout.resume();

const stats = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return { rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024, fds: readdirSync(`/proc/${child.pid}/fd`).length };
};

const mix = [
  (s) => s.get(`${base}/`).then((r) => r.text()),
  (s) => s.post(`${base}/`, { json: { a: [1, 2, 3], b: 'x'.repeat(200) } }).then((r) => r.text()),
  (s) => s.get(`${base}/querystring`, { params: { q: 'soak', n: 1 } }).then((r) => r.text()),
  (s) => s.get(`${base}/bytes/65536`).then((r) => r.read()),
  (s) => s.get(`${base}/stream/20`).then((r) => r.read()),
  (s) => s.get(`${base}/redirect/2`).then((r) => r.text()),
  (s) => s.get(`${base}/status/404`).then((r) => r.text()),
  (s) => s.get(`${base}/cookies/set`, { params: { k: 'v' } }).then((r) => r.text()),
  (s) => s.post(`${base}/anything`, { data: { field: 'value' } }).then((r) => r.text()),
];

const session = new ClientSession();
const before = stats();
const latencies = [];
let errors = 0;
let requests = 0;
const firstErrors = [];
const deadline = Date.now() + seconds * 1000;
async function worker(i) {
  let k = i;
  while (Date.now() < deadline) {
    const t0 = performance.now();
    try {
      await mix[k++ % mix.length](session);
    } catch (err) {
      errors++;
      if (firstErrors.length < 5) firstErrors.push(String(err));
    }
    latencies.push(performance.now() - t0);
    requests++;
  }
}
await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
const after = stats();
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))]?.toFixed(2);

// Graceful shutdown under load: slow requests in flight, then SIGTERM.
const inflight = Array.from({ length: 8 }, () => session.get(`${base}/delay/1`).then((r) => r.status, (e) => String(e)));
await new Promise((r) => setTimeout(r, 200));
const t0 = Date.now();
child.kill('SIGTERM');
await new Promise((r) => setTimeout(r, 100));
const refused = await new ClientSession().get(`${base}/`).then(() => false, () => true);
const exitCode = await new Promise((r) => child.once('exit', (code) => r(code)));
const inflightResults = await Promise.all(inflight);
await session.close();

const rows = [
  ['duration s', seconds],
  ['concurrency', concurrency],
  ['requests', requests],
  ['req/s', Math.round(requests / seconds)],
  ['errors', errors],
  ['p50 ms', pct(50)],
  ['p99 ms', pct(99)],
  ['server RSS MiB before/after', `${before.rssMiB.toFixed(1)} / ${after.rssMiB.toFixed(1)}`],
  ['server fds before/after', `${before.fds} / ${after.fds}`],
  ['SIGTERM: in-flight statuses', inflightResults.join(',')],
  ['SIGTERM: new connection refused', refused],
  ['SIGTERM: exit code, ms', `${exitCode}, ${Date.now() - t0}`],
];
console.table(Object.fromEntries(rows));
if (firstErrors.length) console.log('first errors:', firstErrors);
const ok = errors === 0 && exitCode === 0 && refused && inflightResults.every((s) => s === 200);
process.exitCode = ok ? 0 : 1;
