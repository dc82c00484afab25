#!/usr/bin/env node
// Compare two results files (e.g. two commits): node bench/compare.mjs OLD.json NEW.json
// Prints every metric both files have, the new/old factor, and the ratio-to-ceiling in each,
// since the ceiling (node:http, undici.request, ws) absorbs machine noise between the two runs.
import { readFileSync } from 'node:fs';
import { textTable } from './lib/report.mjs';

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  process.stderr.write('usage: node bench/compare.mjs OLD.json NEW.json\n');
  process.exit(2);
}
const load = (f) => JSON.parse(readFileSync(f, 'utf8'));
const A = load(a);
const B = load(b);

/** Flatten a results object to [key, contender, value, ratioToCeiling, higherIsBetter]. */
function metrics(r) {
  const out = new Map();
  const put = (key, id, v, rel, up = true) => { if (v != null) out.set(`${key}\u0000${id}`, { key, id, v, rel, up }); };
  for (const sc of Object.values(r.server?.scenarios ?? {})) {
    for (const [id, c] of Object.entries(sc.contenders)) put(`server (${sc.id}) ${sc.name} req/s`, id, c.medianRps, c.vsNodeHttp);
  }
  for (const [mode, m] of Object.entries(r.client?.modes ?? {})) {
    for (const [id, c] of Object.entries(m.contenders)) put(`client ${mode} req/s`, id, c.medianRps, c.vsUndiciRequest);
  }
  for (const [id, c] of Object.entries(r.ws?.pairs ?? {})) put('ws echo round trips/s', id, c.medianRps, c.vsWs);
  const mem = r.memory ?? {};
  for (const [id, c] of Object.entries(mem.idle?.contenders ?? {})) put('idle conns RSS MiB', id, c.rssWithConnectionsMiB, c.rssVsNodeHttp, false);
  for (const [id, c] of Object.entries(mem.upload?.contenders ?? {})) put('upload RSS growth MiB', id, c.growthMiB, null, false);
  for (const [id, c] of Object.entries(mem.download?.contenders ?? {})) put('download RSS growth MiB', id, c.growthMiB, null, false);
  for (const [id, c] of Object.entries(mem.coldStart?.contenders ?? {})) put('cold start ms', id, c.startToListeningMs, c.startVsNodeHttp, false);
  return out;
}

const ma = metrics(A);
const mb = metrics(B);
const fmt = (v) => (v == null ? '-' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
const rows = [];
for (const [k, x] of mb) {
  const y = ma.get(k);
  if (!y) continue;
  const factor = x.v / y.v;
  const better = x.up ? factor > 1.05 : factor < 0.95;
  const worse = x.up ? factor < 0.95 : factor > 1.05;
  rows.push([x.key, x.id, fmt(y.v), fmt(x.v), `${factor.toFixed(2)}x${better ? ' +' : worse ? ' -' : ''}`, fmt(y.rel), fmt(x.rel)]);
}
process.stdout.write(`old: ${a} (commit ${A.git?.commit}, ${A.startedAt})\nnew: ${b} (commit ${B.git?.commit}, ${B.startedAt})\n\n`);
process.stdout.write(`${textTable({ title: 'new/old: + better, - worse (beyond 5%); "rel" = ratio to the ceiling in that run', headers: ['metric', 'contender', 'old', 'new', 'new/old', 'old rel', 'new rel'], rows })}\n`);
