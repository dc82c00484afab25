// wrk (Debian package, /usr/bin/wrk) as the load generator, pinned to the load CPU.
import { spawnPinned } from './proc.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const WRK = process.env.BENCH_WRK ?? '/usr/bin/wrk';

/** Write the Lua script for a POST of `body` as JSON; returns its path. */
export function writePostScript(dir, body) {
  const file = join(dir, 'post-json.lua');
  const lua = [
    'wrk.method = "POST"',
    `wrk.body = ${luaString(body)}`,
    'wrk.headers["Content-Type"] = "application/json"',
    '',
  ].join('\n');
  writeFileSync(file, lua);
  return file;
}

function luaString(s) {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const UNIT = { us: 1e-3, ms: 1, s: 1000, m: 60000 };

export function parseWrk(out) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`cannot parse wrk output:\n${out}`);
  const lat = /Latency\s+([\d.]+)(us|ms|s|m)/.exec(out);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s|m)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(rps[1]),
    requests: total ? Number(total[1]) : null,
    latencyAvgMs: lat ? Number(lat[1]) * UNIT[lat[2]] : null,
    latencyP99Ms: p99 ? Number(p99[1]) * UNIT[p99[2]] : null,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? { connect: +sock[1], read: +sock[2], write: +sock[3], timeout: +sock[4] } : null,
  };
}

/** Run wrk once; resolves { command, ...parsed }. */
export async function runWrk({ cpu, url, seconds, connections = 50, script, spawn = spawnPinned }) {
  const argv = [WRK, '-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  if (script) argv.push('-s', script);
  argv.push(url);
  const child = spawn(cpu, argv);
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`wrk exited ${code}: ${child.stderrText}`);
  return { command: child.command, ...parseWrk(child.stdoutText) };
}
