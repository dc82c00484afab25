// Server scenarios (a)-(g): each contender in its own process on the server CPU, wrk on the load CPU.
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { LOAD_CPU } from './context.mjs';
import { runWrk, writePostScript } from './wrk.mjs';
import { stopChild } from './proc.mjs';
import { median, pairedRatio, ratio, rotate } from './stats.mjs';

export function serverScenarios(fx) {
  const hello = (b) => b.toString() === 'Hello, World!';
  return [
    { id: 'a', name: 'GET / text', variant: 'base', path: '/', check: hello },
    { id: 'b', name: 'GET /hello/{name}', variant: 'base', path: '/hello/world', check: (b) => b.toString() === 'Hello, world' },
    { id: 'c', name: 'GET /json', variant: 'base', path: '/json', check: (b) => isDeepStrictEqual(JSON.parse(b), { hello: 'world' }) },
    { id: 'd', name: 'POST /echo 1 KiB JSON', variant: 'base', path: '/echo', post: true, check: (b) => isDeepStrictEqual(JSON.parse(b), fx.payload) },
    { id: 'e', name: '1,000 routes: last dynamic', variant: 'routes1000', path: fx.lastRoutePath, check: (b) => b.toString() === 'ok' },
    { id: 'f', name: 'static 64 KiB file', variant: 'base', path: fx.staticPath, check: (b) => b.equals(readFileSync(`${fx.staticDir}/file-64k.bin`)) },
    { id: 'g', name: '3 middlewares', variant: 'mw3', path: '/', check: hello },
  ];
}

async function verify(origin, sc, fx) {
  const res = await globalThis.fetch(origin + sc.path, sc.post
    ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fx.payload) }
    : {});
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${sc.path}: HTTP ${res.status} ${body.toString().slice(0, 100)}`);
  let ok;
  try { ok = sc.check(body); } catch { ok = false; }
  if (!ok) throw new Error(`${sc.path}: unexpected body ${body.toString().slice(0, 100)}`);
}

export async function runServerSection(ctx, contenders) {
  const { cfg, fixtures: fx } = ctx;
  const postScript = writePostScript(ctx.tmpDir, JSON.stringify(fx.payload));
  const scenarios = serverScenarios(fx).filter((s) => !cfg.scenarios || cfg.scenarios.includes(s.id));
  const section = { seconds: cfg.seconds, warmupSeconds: cfg.warmupSeconds, runs: cfg.runs, connections: 50, scenarios: {} };
  for (const sc of scenarios) {
    section.scenarios[sc.id] = { id: sc.id, name: sc.name, method: sc.post ? 'POST' : 'GET', path: sc.path, variant: sc.variant, contenders: {} };
  }
  const variants = [...new Set(scenarios.map((s) => s.variant))];
  for (const variant of variants) {
    const scs = scenarios.filter((s) => s.variant === variant);
    ctx.log(`\n== server: ${scs.map((s) => `(${s.id}) ${s.name}`).join(', ')}`);
    const live = [];
    for (const c of contenders.filter((k) => k.variants.includes(variant))) {
      const cells = Object.fromEntries(scs.map((s) => {
        const cell = { label: c.label, status: 'ok', runs: [] };
        section.scenarios[s.id].contenders[c.id] = cell;
        return [s.id, cell];
      }));
      const srv = await ctx.startServer(c, variant);
      if (srv.skipped || srv.failed) {
        for (const s of scs) {
          Object.assign(cells[s.id], { status: srv.skipped ? 'skipped' : 'failed', reason: srv.skipped ?? srv.failed });
          ctx.record('server', s.id, c.id, cells[s.id].status, cells[s.id].reason);
        }
        continue;
      }
      for (const s of scs) {
        cells[s.id].serverCommand = srv.command;
        try {
          await verify(srv.origin, s, fx);
        } catch (err) {
          Object.assign(cells[s.id], { status: 'failed', reason: `wrong response: ${err.message}` });
          ctx.record('server', s.id, c.id, 'failed', cells[s.id].reason);
        }
      }
      live.push({ c, srv, cells });
    }
    const wrkOnce = async ({ c, srv, cells }, s, seconds) => {
      const cell = cells[s.id];
      if (cell.status !== 'ok') return null;
      try {
        const r = await runWrk({ cpu: LOAD_CPU, url: srv.origin + s.path, seconds, script: s.post ? postScript : undefined, spawn: (cpu, argv) => ctx.spawn(cpu, argv) });
        ctx.commands.add(r.command);
        if (srv.child.exitCode !== null || srv.child.signalCode !== null) throw new Error(`server exited: ${srv.child.stderrText.slice(-500)}`);
        if (r.non2xx > 0.01 * (r.requests ?? 0)) throw new Error(`${r.non2xx} non-2xx responses`);
        return r;
      } catch (err) {
        Object.assign(cell, { status: 'failed', reason: err.message });
        ctx.record('server', s.id, c.id, 'failed', err.message);
        return null;
      }
    };
    if (cfg.warmupSeconds > 0) {
      for (const s of scs) for (const l of live) l.cells[s.id].warmup = await wrkOnce(l, s, cfg.warmupSeconds);
    }
    for (let run = 0; run < cfg.runs; run++) {
      for (const s of scs) {
        for (const l of rotate(live, run)) {
          const r = await wrkOnce(l, s, cfg.seconds);
          if (!r) continue;
          l.cells[s.id].runs.push({ ...r, round: run });
          ctx.log(`  (${s.id}) run ${run + 1}/${cfg.runs} ${l.c.label.padEnd(18)} ${fmt(r.rps)} req/s  p99 ${r.latencyP99Ms?.toFixed(2)} ms`);
        }
      }
    }
    await Promise.all(live.map((l) => stopChild(l.srv.child)));
  }
  for (const sc of Object.values(section.scenarios)) {
    for (const cell of Object.values(sc.contenders)) cell.medianRps = median(cell.runs.map((r) => r.rps));
    const base = sc.contenders['node-http']?.medianRps;
    const fastify = sc.contenders.fastify?.medianRps;
    for (const cell of Object.values(sc.contenders)) {
      cell.vsNodeHttp = ratio(cell.medianRps, base);
      cell.vsFastify = ratio(cell.medianRps, fastify);
      // The same ratio taken within each round (runs seconds apart), then the median: the machine's
      // speed drifts between rounds (this 2-core VM by up to 2x), which a ratio of medians mixes in.
      cell.vsNodeHttpPaired = pairedRatio(cell.runs, sc.contenders['node-http']?.runs);
      cell.vsFastifyPaired = pairedRatio(cell.runs, sc.contenders.fastify?.runs);
    }
  }
  return section;
}

export const fmt = (n) => (n == null ? '-' : Math.round(n).toLocaleString('en-US'));
