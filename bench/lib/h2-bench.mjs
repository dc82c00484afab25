// Client scenarios over TLS, HTTP/2 against HTTP/1.1: one node:http2 server (allowHTTP1, so ALPN
// decides) on the server CPU, each client in its own process on the load CPU, `total` requests with
// 50 in flight (GET /, and POST /echo of 1 KiB JSON). After every run the server reports which HTTP
// versions it saw; a run that did not speak the version it claims fails its cell.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild, waitLine } from './proc.mjs';
import { SERVER_CPU } from './context.mjs';
import { median, ratio, rotate, runMedians } from './stats.mjs';
import { fmt } from './server-bench.mjs';

export const H2_MODES = { 'h2-get': ['get', 'GET / over TLS (13-byte text)'], 'h2-post': ['post', 'POST /echo 1 KiB JSON over TLS (parsed)'] };
const OPENSSL = '/usr/bin/openssl';
const LIB = fileURLToPath(new URL('.', import.meta.url));

// undici.request over HTTP/1.1 is the ceiling; the multiplexed undici row shows what one h2
// connection with 100 streams does, which neither default configuration uses.
const VARIANTS = [
  { id: 'undici-h1', label: 'undici.request HTTP/1.1', client: 'undici-request', http2: false, expect: '1.1' },
  { id: 'undici-h2', label: 'undici.request HTTP/2', client: 'undici-request', http2: true, expect: '2.0' },
  { id: 'undici-h2-mux', label: 'undici.request HTTP/2 1 conn', client: 'undici-request', http2: true, pipelining: 100, expect: '2.0' },
  { id: 'aiohttp-ts-h1', label: 'aiohttp-ts HTTP/1.1', client: 'aiohttp-ts', http2: false, expect: '1.1' },
  { id: 'aiohttp-ts-h2', label: 'aiohttp-ts HTTP/2', client: 'aiohttp-ts', http2: true, expect: '2.0' },
];

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, valid one day; returns the file paths. */
export function makeCert(dir) {
  const keyFile = join(dir, 'h2-key.pem');
  const certFile = join(dir, 'h2-cert.pem');
  execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile],
  { stdio: 'ignore' });
  return { keyFile, certFile };
}

async function startH2Server(ctx, keyFile, certFile) {
  const port = await freePort();
  const child = ctx.spawn(SERVER_CPU, [process.execPath, join(LIB, 'h2-server.mjs'), String(port), keyFile, certFile]);
  await waitLine(child, 'READY');
  return { child, origin: `https://127.0.0.1:${port}` };
}

/** What the server saw since the last call: { requests: { '1.1': n, '2.0': m }, connections }. */
async function serverCounts(child) {
  child.stdoutText = '';
  child.stdin.write('COUNTS\n');
  return waitLine(child, 'COUNTS');
}

/** The HTTP/2 modes, shaped as the client section's modes (same tables, chart and cell counting). */
export async function runClientH2Section(ctx) {
  const { cfg } = ctx;
  const { keyFile, certFile } = makeCert(ctx.tmpDir);
  const srv = await startH2Server(ctx, keyFile, certFile);
  const modes = {};
  try {
    await serverCounts(srv.child);
    for (const [modeId, [mode, name]] of Object.entries(H2_MODES)) {
      ctx.log(`\n== client over TLS, HTTP/2 vs HTTP/1.1: ${name}, ${cfg.clientTotal} requests, 50 in flight`);
      const cells = {};
      for (const v of VARIANTS) cells[v.id] = { label: v.label, status: 'ok', expect: v.expect, runs: [] };
      modes[modeId] = { name, serverCommand: srv.child.command, contenders: cells };
      for (let run = 0; run < cfg.runs; run++) {
        for (const v of rotate(VARIANTS, run)) {
          const cell = cells[v.id];
          if (cell.status !== 'ok') continue;
          const c = { id: v.id, label: v.label, file: join(LIB, 'h2-clients.mjs'), mod: {} };
          const r = await ctx.runClient(c, {
            mode, origin: srv.origin, total: cfg.clientTotal, warmup: cfg.clientWarmup, concurrency: 50, fixtures: ctx.fixturesFile,
            client: v.client, http2: v.http2, ...(v.pipelining ? { pipelining: v.pipelining } : {}), caFile: certFile,
          });
          cell.command = r.command;
          const seen = await serverCounts(srv.child);
          const wrong = Object.entries(seen.requests).filter(([version, n]) => version !== v.expect && n > 0);
          const fail = r.skipped ?? r.failed ?? (wrong.length ? `expected HTTP/${v.expect}, the server saw ${JSON.stringify(seen.requests)}` : null);
          if (fail) {
            Object.assign(cell, { status: r.skipped ? 'skipped' : 'failed', reason: fail });
            ctx.record('client', modeId, v.id, cell.status, cell.reason);
            continue;
          }
          cell.runs.push({ ...r.result, serverSaw: seen });
          ctx.log(`  ${modeId} run ${run + 1}/${cfg.runs} ${v.label.padEnd(28)} ${fmt(r.result.rps)} req/s, ${seen.connections} TLS connections`);
        }
      }
      for (const cell of Object.values(cells)) {
        Object.assign(cell, runMedians(cell.runs));
        cell.connections = median(cell.runs.map((r) => r.serverSaw.connections));
      }
      const base = cells['undici-h1'].medianRps;
      for (const cell of Object.values(cells)) cell.vsUndiciRequest = ratio(cell.medianRps, base);
      // the number the docs quote: each client's HTTP/2 throughput over its own HTTP/1.1 throughput
      for (const [h2, h1] of [['undici-h2', 'undici-h1'], ['undici-h2-mux', 'undici-h1'], ['aiohttp-ts-h2', 'aiohttp-ts-h1']]) {
        cells[h2].vsOwnHttp1 = ratio(cells[h2].medianRps, cells[h1].medianRps);
      }
    }
  } finally {
    await stopChild(srv.child);
  }
  return modes;
}
