// Client scenarios: one raw node:http server on the server CPU, each client contender in its own
// process on the load CPU: `total` requests with 50 in flight (GET /, and POST /echo of 1 KiB JSON).
// The HTTP/2 vs HTTP/1.1 modes over TLS (h2-bench.mjs) land in the same section.
import { stopChild } from './proc.mjs';
import { runClientH2Section } from './h2-bench.mjs';
import { ratio, rotate, runMedians } from './stats.mjs';
import { fmt } from './server-bench.mjs';

export const CLIENT_MODES = { get: 'GET / (13-byte text)', post: 'POST /echo 1 KiB JSON (parsed)' };

/** `plain`: every client contender over HTTP/1.1; `h2`: the TLS modes, HTTP/2 against HTTP/1.1. */
export async function runClientSection(ctx, clients, servers, { plain = true, h2 = true } = {}) {
  const { cfg } = ctx;
  const section = { total: cfg.clientTotal, warmup: cfg.clientWarmup, concurrency: 50, runs: cfg.runs, modes: {} };
  if (plain) await runPlainModes(ctx, clients, servers, section);
  if (h2) Object.assign(section.modes, await runClientH2Section(ctx));
  return section;
}

async function runPlainModes(ctx, clients, servers, section) {
  const { cfg } = ctx;
  const nodeHttp = servers.find((s) => s.id === 'node-http');
  const srv = await ctx.startServer(nodeHttp, 'base');
  if (!srv.origin) throw new Error(`client scenarios: the node:http server did not start: ${srv.failed}`);
  section.serverCommand = srv.command;
  const list = clients.filter((c) => c.modes.includes('get'));
  for (const [mode, name] of Object.entries(CLIENT_MODES)) {
    ctx.log(`\n== client: ${name}, ${cfg.clientTotal} requests, 50 in flight`);
    const cells = {};
    for (const c of list) cells[c.id] = { label: c.label, status: 'ok', runs: [] };
    section.modes[mode] = { name, contenders: cells };
    for (let run = 0; run < cfg.runs; run++) {
      for (const c of rotate(list, run)) {
        const cell = cells[c.id];
        if (cell.status !== 'ok') continue;
        const r = await ctx.runClient(c, {
          mode, origin: srv.origin, total: cfg.clientTotal, warmup: cfg.clientWarmup, concurrency: 50, fixtures: ctx.fixturesFile,
        });
        cell.command = r.command;
        if (r.skipped || r.failed) {
          Object.assign(cell, { status: r.skipped ? 'skipped' : 'failed', reason: r.skipped ?? r.failed });
          ctx.record('client', mode, c.id, cell.status, cell.reason);
          continue;
        }
        cell.runs.push(r.result);
        ctx.log(`  ${mode} run ${run + 1}/${cfg.runs} ${c.label.padEnd(18)} ${fmt(r.result.rps)} req/s`);
      }
    }
    for (const cell of Object.values(cells)) Object.assign(cell, runMedians(cell.runs));
    const base = cells['undici-request']?.medianRps;
    for (const cell of Object.values(cells)) cell.vsUndiciRequest = ratio(cell.medianRps, base);
  }
  await stopChild(srv.child);
}
