// WebSocket echo: `connections` sockets each ping-ponging 64-byte texts. Pairs: every server
// contender with a `ws` variant against the `ws` client, and every other ws-capable client against
// the raw ws server (node-http's ws variant). The ceiling is ws server + ws client. The `ws` client
// offers no permessage-deflate, so no pair compresses (the raw ws server never accepts it by
// default); the servers that accept it by default also run against `ws-deflate` (ws's default
// offer) as extra "compress on" rows. See README "WebSocket".
import { stopChild } from './proc.mjs';
import { median, pairedRatio, ratio, rotate, runMedians } from './stats.mjs';
import { fmt } from './server-bench.mjs';

// Servers whose WebSocket accepts permessage-deflate unless told otherwise (aiohttp's compress=True).
const DEFLATE_BY_DEFAULT = new Set(['aiohttp-py', 'aiohttp-ts']);

export async function runWsSection(ctx, servers, clients) {
  const { cfg } = ctx;
  const wsClient = clients.find((c) => c.id === 'ws');
  const deflateClient = clients.find((c) => c.id === 'ws-deflate');
  const pairs = [];
  for (const s of servers.filter((k) => k.variants.includes('ws'))) pairs.push({ server: s, client: wsClient });
  for (const c of clients.filter((k) => k.modes.includes('ws') && k !== wsClient && k !== deflateClient)) {
    pairs.push({ server: servers.find((k) => k.id === 'node-http'), client: c });
  }
  if (deflateClient) {
    for (const s of servers.filter((k) => DEFLATE_BY_DEFAULT.has(k.id) && k.variants.includes('ws'))) {
      pairs.push({ server: s, client: deflateClient, label: `${s.wsLabel ?? s.label} server, compress on (its default) + ws client offering deflate` });
    }
  }
  const section = { connections: cfg.wsConnections, messageBytes: 64, seconds: cfg.seconds, warmupSeconds: cfg.wsWarmupSeconds, runs: cfg.runs, pairs: {} };
  ctx.log(`\n== ws: ${cfg.wsConnections} connections ping-ponging 64-byte texts, ${cfg.seconds} s`);
  const started = new Map(); // server id -> srv
  const live = [];
  for (const p of pairs) {
    const id = `${p.server.id}+${p.client.id}`;
    const cell = { label: p.label ?? `${p.server.wsLabel ?? p.server.label} server + ${p.client.label} client`, server: p.server.id, client: p.client.id, status: 'ok', runs: [] };
    section.pairs[id] = cell;
    if (!started.has(p.server.id)) started.set(p.server.id, await ctx.startServer(p.server, 'ws'));
    const srv = started.get(p.server.id);
    if (srv.skipped || srv.failed) {
      Object.assign(cell, { status: srv.skipped ? 'skipped' : 'failed', reason: srv.skipped ?? srv.failed });
      ctx.record('ws', 'echo', id, cell.status, cell.reason);
      continue;
    }
    cell.serverCommand = srv.command;
    live.push({ id, p, srv, cell });
  }
  for (let run = 0; run < cfg.runs; run++) {
    for (const l of rotate(live, run)) {
      if (l.cell.status !== 'ok') continue;
      const r = await ctx.runClient(l.p.client, {
        mode: 'ws', url: `ws://127.0.0.1:${l.srv.port}/ws`, connections: cfg.wsConnections, seconds: cfg.seconds, warmupSeconds: cfg.wsWarmupSeconds,
      });
      l.cell.command = r.command;
      if (r.skipped || r.failed) {
        Object.assign(l.cell, { status: r.skipped ? 'skipped' : 'failed', reason: r.skipped ?? r.failed });
        ctx.record('ws', 'echo', l.id, l.cell.status, l.cell.reason);
        continue;
      }
      l.cell.runs.push({ ...r.result, round: run });
      ctx.log(`  run ${run + 1}/${cfg.runs} ${l.cell.label.padEnd(40)} ${fmt(r.result.rps)} round trips/s`);
    }
  }
  await Promise.all([...started.values()].filter((s) => s.child).map((s) => stopChild(s.child)));
  for (const cell of Object.values(section.pairs)) Object.assign(cell, runMedians(cell.runs));
  const base = section.pairs['node-http+ws']?.medianRps;
  const baseRuns = section.pairs['node-http+ws']?.runs;
  for (const cell of Object.values(section.pairs)) {
    cell.vsWs = ratio(cell.medianRps, base);
    cell.vsWsPaired = pairedRatio(cell.runs, baseRuns);
    // CPU the server spent per round trip, whichever side was the limit: its core's busy share over
    // the client's run divided by the rate (the share covers warm-up too, at the same rate).
    cell.medianServerUsPerRoundTrip = median(cell.runs.filter((r) => r.serverCpu != null && r.rps > 0).map((r) => (r.serverCpu * 1e6) / r.rps));
  }
  return section;
}
