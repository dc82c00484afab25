// Fine-grained A/B check of server scenarios on a drifting machine: every contender runs at once on
// CPU 0, and wrk (CPU 1) hits them in turn for `seconds` each, the order reversed every round (ABBA),
// so neighbouring runs see the same machine speed. Reports, per path and contender, the median of
// the per-round ratios to the first contender (and the quartiles). Complements run.mjs, whose rounds
// are ~30 s apart per scenario; see README "Fine-grained alternation".
// usage: node bench/alternate.mjs [--paths /hello/world,/echo] [--contenders node-http,aiohttp-ts,fastify]
//                                 [--rounds 16] [--seconds 1] [--out FILE.json]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { Context, discover } from './lib/context.mjs';
import { writeFixtures } from './lib/fixtures.mjs';
import { runWrk, writePostScript } from './lib/wrk.mjs';
import { median } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    paths: { type: 'string', default: '/hello/world,/echo' },
    contenders: { type: 'string', default: 'node-http,aiohttp-ts,fastify' },
    rounds: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const paths = args.paths.split(',');
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const dir = mkdtempSync(join(tmpdir(), 'aiohttp-ts-alternate-'));
const { file: fixturesFile, fixtures } = writeFixtures(dir);
const postScript = writePostScript(dir, typeof fixtures.payload === 'string' ? fixtures.payload : JSON.stringify(fixtures.payload));
const script = (p) => (p === '/echo' ? postScript : undefined);

// Servers start as in run.mjs (pinned to CPU 0, any contender, Python's aiohttp included).
const ctx = new Context({});
ctx.fixturesFile = fixturesFile;
const known = await discover('servers');
const servers = [];
try {
  for (const id of args.contenders.split(',')) {
    const c = known.find((k) => k.id === id);
    if (!c) throw new Error(`unknown server contender ${id} (known: ${known.map((k) => k.id).join(', ')})`);
    const srv = await ctx.startServer(c, 'base');
    if (!srv.child) throw new Error(`${id} did not start: ${srv.skipped ?? srv.failed}`);
    servers.push({ id, port: srv.port });
  }
  const rps = {};
  // warm-up: 2 s per path and contender
  for (const p of paths) for (const s of servers) await runWrk({ cpu: 1, url: `http://127.0.0.1:${s.port}${p}`, seconds: 2, script: script(p) });
  for (let r = 0; r < rounds; r++) {
    for (const p of paths) {
      for (const s of r % 2 ? [...servers].reverse() : servers) {
        const w = await runWrk({ cpu: 1, url: `http://127.0.0.1:${s.port}${p}`, seconds, script: script(p) });
        ((rps[p] ??= {})[s.id] ??= []).push(w.rps);
      }
    }
  }
  const results = { command: `node bench/alternate.mjs ${process.argv.slice(2).join(' ')}`.trim(), date: new Date().toISOString(), node: process.version, rounds, seconds, baseline: servers[0].id, paths: {} };
  for (const p of paths) {
    const base = rps[p][servers[0].id];
    results.paths[p] = {};
    for (const s of servers) {
      const v = rps[p][s.id];
      const ratios = v.map((x, i) => x / base[i]).sort((a, b) => a - b);
      const cell = { medianRps: median(v), pairedRatio: median(ratios), q1: ratios[ratios.length >> 2], q3: ratios[(3 * ratios.length) >> 2], rps: v };
      results.paths[p][s.id] = cell;
      console.log(`${p.padEnd(14)} ${s.id.padEnd(12)} median ${Math.round(cell.medianRps)} req/s, vs ${servers[0].id} per round ${cell.pairedRatio.toFixed(3)} (q1 ${cell.q1.toFixed(3)}, q3 ${cell.q3.toFixed(3)})`);
    }
  }
  if (args.out) writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await ctx.stopAll();
  rmSync(dir, { recursive: true, force: true });
}
