// Child processes pinned to one CPU, readiness lines, RSS sampling from /proc.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export const NOFILE = 65536;

/** The exact shell command recorded in the results. */
export function shellQuote(argv) {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Spawn argv pinned to `cpu` with `ulimit -n` raised. bash and taskset exec into the program, so the
 * child's pid is the program's pid (used for RSS sampling).
 */
export function spawnPinned(cpu, argv, { cwd, env, nice = Number(process.env.BENCH_NICE ?? 0) } = {}) {
  const prio = nice ? `nice -n ${nice} ` : '';
  const script = `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n $(ulimit -Hn); exec ${prio}taskset -c ${cpu} "$@"`;
  const child = spawn('bash', ['-c', script, 'bash', ...argv], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.command = `${prio}taskset -c ${cpu} ${shellQuote(argv)}`;
  child.stdoutText = '';
  child.stderrText = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => { child.stdoutText += d; });
  child.stderr.on('data', (d) => { child.stderrText = (child.stderrText + d).slice(-8000); });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

/**
 * Resolve with the parsed JSON of the first stdout line starting with `prefix ` (e.g. READY).
 * Rejects with { notBuilt } when the child prints NOTBUILT, or with an error when it exits first.
 */
export function waitLine(child, prefix, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timeout waiting for ${prefix} from: ${child.command}`)); }, timeoutMs);
    const check = () => {
      for (const line of child.stdoutText.split('\n')) {
        if (line.startsWith(`${prefix} `)) { cleanup(); return resolve(JSON.parse(line.slice(prefix.length + 1))); }
        if (line.startsWith('NOTBUILT ')) { cleanup(); const e = new Error(line.slice(9)); e.notBuilt = true; return reject(e); }
      }
    };
    const onExit = (code, signal) => {
      setImmediate(() => {
        check();
        cleanup();
        const err = child.stderrText.trim();
        const lines = err.split('\n');
        const why = lines.find((l) => /^\w*Error\b.*:|^\S.* failed\b.*:/.test(l)) ?? lines.pop() ?? '';
        reject(new Error(`exited (${code ?? signal}) before ${prefix}: ${why.trim()}\ncommand: ${child.command}\n${err.slice(-1500)}`));
      });
    };
    const cleanup = () => { clearTimeout(timer); child.stdout.off('data', check); child.off('exit', onExit); };
    child.stdout.on('data', check);
    child.on('exit', onExit);
    check();
  });
}

export async function stopChild(child, timeoutMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exited;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const r = await child.exited;
  clearTimeout(t);
  return r;
}

/** Resident set size of `pid` in bytes (VmRSS), or NaN when gone. */
export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Sample the RSS of `pid` every `everyMs` until stop() is called; returns { max, samples }. */
export function sampleRss(pid, everyMs = 20) {
  let max = 0;
  let samples = 0;
  const tick = () => { const r = rssOf(pid); if (r > max) max = r; samples++; };
  tick();
  const timer = setInterval(tick, everyMs);
  return { stop() { clearInterval(timer); tick(); return { max, samples }; } };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function cpuCount() {
  try {
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? m[1] : '';
  } catch {
    return '';
  }
}

function cpuTimes() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + (line[4] ?? 0);
  return { idle, total: line.reduce((a, b) => a + b, 0) };
}

/** Busy and total jiffies of each CPU (`cpu0`, `cpu1`, ...) from /proc/stat, or null. */
export function perCpuTimes() {
  try {
    const out = {};
    for (const l of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const m = /^cpu(\d+)\s+(.*)$/.exec(l);
      if (!m) continue;
      const v = m[2].trim().split(/\s+/).map(Number);
      const total = v.reduce((a, b) => a + b, 0);
      out[m[1]] = { busy: total - v[3] - (v[4] ?? 0), total };
    }
    return out;
  } catch {
    return null;
  }
}

/** Share (0..1) of CPU `cpu` busy between two perCpuTimes() snapshots, or null. */
export function cpuShareBetween(a, b, cpu) {
  const x = a?.[cpu];
  const y = b?.[cpu];
  if (!x || !y || y.total <= x.total) return null;
  return (y.busy - x.busy) / (y.total - x.total);
}

/** Share of all CPUs busy over `ms` (0..1), to tell whether something else loads the machine. */
export async function cpuBusy(ms = 1000) {
  try {
    const a = cpuTimes();
    await sleep(ms);
    const b = cpuTimes();
    return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
  } catch {
    return null;
  }
}

/** /proc/pressure/cpu "some avg10" (percent of time some task waited for a CPU), or null. */
export function cpuPressure() {
  try {
    const m = /some avg10=([\d.]+) avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? { avg10: Number(m[1]), avg60: Number(m[2]) } : null;
  } catch {
    return null;
  }
}
