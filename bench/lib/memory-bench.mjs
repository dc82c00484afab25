// Memory and start-up: RSS with idle keep-alive connections, RSS growth while a large upload
// streams through each server and a large download through each client, cold start.
import { join } from 'node:path';
import net from 'node:net';
import { BENCH_DIR, LOAD_CPU } from './context.mjs';
import { rssOf, sampleRss, sleep, stopChild, waitLine } from './proc.mjs';
import { makeChunk, streamHash } from './fixtures.mjs';
import { median, pairedRatio, ratio, rotate } from './stats.mjs';
import { performance } from 'node:perf_hooks';

const MiB = 1048576;
const loadArgv = (opts) => [process.execPath, join(BENCH_DIR, 'lib/memory-load.mjs'), JSON.stringify(opts)];
const mib = (b) => (b == null ? null : b / MiB);

function fail(ctx, cell, item, id, status, reason) {
  Object.assign(cell, { status, reason });
  ctx.record('memory', item, id, status, reason);
}

async function idle(ctx, servers) {
  const n = ctx.cfg.idleConnections;
  ctx.log(`\n== memory: RSS with ${n} idle keep-alive connections`);
  const out = { connections: n, contenders: {} };
  for (const c of servers.filter((k) => k.variants.includes('memory'))) {
    const cell = { label: c.label, status: 'ok' };
    out.contenders[c.id] = cell;
    const t0 = performance.now();
    const srv = await ctx.startServer(c, 'memory');
    if (!srv.child) { fail(ctx, cell, 'idle', c.id, srv.skipped ? 'skipped' : 'failed', srv.skipped ?? srv.failed); continue; }
    cell.serverCommand = srv.command;
    try {
      for (let i = 0; i < 20; i++) await (await globalThis.fetch(`${srv.origin}/`)).text();
      await sleep(300);
      const before = rssOf(srv.child.pid);
      const load = ctx.spawn(LOAD_CPU, loadArgv({ mode: 'idle', port: srv.port, connections: n }));
      cell.loadCommand = load.command;
      const ready = await waitLine(load, 'READY', 120_000);
      await sleep(1000);
      const during = rssOf(srv.child.pid);
      load.stdin.write('done\n');
      const res = await waitLine(load, 'RESULT');
      if (res.closedByServerWhileHeld > 0) throw new Error(`server closed ${res.closedByServerWhileHeld} idle connections early`);
      Object.assign(cell, {
        opened: ready.opened, rssBeforeMiB: mib(before), rssWithConnectionsMiB: mib(during),
        perConnectionKiB: (during - before) / ready.opened / 1024,
      });
      ctx.log(`  ${c.label.padEnd(18)} RSS ${mib(before).toFixed(1)} -> ${mib(during).toFixed(1)} MiB, ${cell.perConnectionKiB.toFixed(1)} KiB/connection ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      fail(ctx, cell, 'idle', c.id, 'failed', err.message);
    }
    await stopChild(srv.child);
  }
  const base = out.contenders['node-http'];
  for (const cell of Object.values(out.contenders)) {
    cell.rssVsNodeHttp = ratio(cell.rssWithConnectionsMiB, base?.rssWithConnectionsMiB);
    cell.perConnectionVsNodeHttp = ratio(cell.perConnectionKiB, base?.perConnectionKiB);
  }
  return out;
}

/**
 * Hold `child` at its WARM line, let `settle` collect garbage in the measured process, take the RSS
 * of `pid`, release the child and sample until RESULT. Without the collection the baseline held
 * whatever garbage start-up and the warm-up left, so the same program measured +2 or +30 MiB
 * from one run to the next depending on when V8 had last collected.
 */
async function growth(child, pid, settle = async () => {}) {
  await waitLine(child, 'WARM', 120_000);
  await settle();
  await sleep(200);
  const before = rssOf(pid);
  const sampler = sampleRss(pid);
  child.stdin.write('go\n');
  const result = await waitLine(child, 'RESULT', 600_000);
  const { max, samples } = sampler.stop();
  return { ...result, rssBeforeMiB: mib(before), rssMaxMiB: mib(max), growthMiB: mib(max - before), samples };
}

async function upload(ctx, servers, expectSha256) {
  const bytes = ctx.cfg.streamBytes;
  ctx.log(`\n== memory: RSS growth of the server while ${bytes / MiB} MiB stream into POST /upload`);
  const out = { bytes, contenders: {} };
  for (const c of servers.filter((k) => k.variants.includes('memory'))) {
    const cell = { label: c.label, status: 'ok' };
    out.contenders[c.id] = cell;
    const srv = await ctx.startServer(c, 'memory');
    if (!srv.child) { fail(ctx, cell, 'upload', c.id, srv.skipped ? 'skipped' : 'failed', srv.skipped ?? srv.failed); continue; }
    cell.serverCommand = srv.command;
    const load = ctx.spawn(LOAD_CPU, loadArgv({ mode: 'upload', port: srv.port, bytes, expectSha256 }));
    cell.loadCommand = load.command;
    try {
      const settle = async () => {
        srv.child.stdin.write('gc\n');
        const r = await waitLine(srv.child, 'GCDONE', 30_000);
        if (r.exposed === false) throw new Error('server child has no gc() (start it with --expose-gc)');
      };
      Object.assign(cell, await growth(load, srv.child.pid, settle));
      ctx.log(`  ${c.label.padEnd(18)} +${cell.growthMiB.toFixed(1)} MiB RSS (${cell.mibPerSecond.toFixed(0)} MiB/s)`);
    } catch (err) {
      await stopChild(load);
      fail(ctx, cell, 'upload', c.id, 'failed', err.message);
    }
    await stopChild(srv.child);
  }
  return out;
}

async function download(ctx, servers, clients, expectSha256) {
  const bytes = ctx.cfg.streamBytes;
  ctx.log(`\n== memory: RSS growth of the client while ${bytes / MiB} MiB stream from GET /download`);
  const out = { bytes, contenders: {} };
  const srv = await ctx.startServer(servers.find((s) => s.id === 'node-http'), 'base');
  if (!srv.child) throw new Error(`download: node:http server did not start: ${srv.failed}`);
  out.serverCommand = srv.command;
  for (const c of clients.filter((k) => k.modes.includes('download'))) {
    const cell = { label: c.label, status: 'ok' };
    out.contenders[c.id] = cell;
    const argv = ctx.clientArgv(c, { mode: 'download', origin: srv.origin, bytes, expectSha256 });
    if (argv[0] === process.execPath) argv.splice(1, 0, '--expose-gc'); // client-child collects before WARM
    const child = ctx.spawn(LOAD_CPU, argv);
    cell.command = child.command;
    try {
      Object.assign(cell, await growth(child, child.pid));
      ctx.log(`  ${c.label.padEnd(18)} +${cell.growthMiB.toFixed(1)} MiB RSS (${cell.mibPerSecond.toFixed(0)} MiB/s)`);
    } catch (err) {
      await stopChild(child);
      fail(ctx, cell, 'download', c.id, err.notBuilt ? 'skipped' : 'failed', err.message);
    }
  }
  await stopChild(srv.child);
  return out;
}

function accepts(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

async function coldStart(ctx, servers) {
  const times = ctx.cfg.coldStarts;
  ctx.log(`\n== cold start: process start to listening, median of ${times} interleaved rounds`);
  const out = { times, contenders: {} };
  for (const c of servers) out.contenders[c.id] = { label: c.label, status: 'ok', runs: [] };
  // Rounds, not one contender's starts in a row: this VM's speed drifts over minutes, and a ratio
  // between contenders measured minutes apart would carry that drift (rotate as the other sections).
  for (let round = 0; round < times; round++) {
    for (const c of rotate(servers, round)) {
      const cell = out.contenders[c.id];
      if (cell.status !== 'ok') continue;
      const srv = await ctx.startServer(c, 'base');
      if (!srv.child) { fail(ctx, cell, 'coldstart', c.id, srv.skipped ? 'skipped' : 'failed', srv.skipped ?? srv.failed); continue; }
      cell.command = srv.command;
      const ok = await accepts(srv.port);
      await stopChild(srv.child);
      if (!ok) { fail(ctx, cell, 'coldstart', c.id, 'failed', 'READY printed but the port does not accept'); continue; }
      cell.runs.push({
        round,
        startToListeningMs: srv.ready.processStartToListeningMs,
        importToListeningMs: srv.ready.importToListeningMs,
        spawnToListeningMs: srv.spawnToReadyMs,
      });
    }
  }
  for (const cell of Object.values(out.contenders)) {
    for (const k of ['startToListeningMs', 'importToListeningMs', 'spawnToListeningMs']) cell[k] = median(cell.runs.map((r) => r[k]));
    if (cell.status === 'ok') {
      ctx.log(`  ${cell.label.padEnd(18)} process start to listening ${cell.startToListeningMs.toFixed(0)} ms ` +
        `(framework import + setup ${cell.importToListeningMs.toFixed(0)} ms, spawn to READY ${cell.spawnToListeningMs.toFixed(0)} ms)`);
    }
  }
  const base = out.contenders['node-http'];
  for (const cell of Object.values(out.contenders)) {
    cell.startVsNodeHttp = ratio(cell.startToListeningMs, base?.startToListeningMs);
    cell.importVsNodeHttp = ratio(cell.importToListeningMs, base?.importToListeningMs);
    cell.spawnVsNodeHttp = ratio(cell.spawnToListeningMs, base?.spawnToListeningMs);
    cell.startVsNodeHttpPaired = pairedRatio(cell.runs, base?.runs, 'startToListeningMs');
  }
  return out;
}

export async function runMemorySection(ctx, servers, clients) {
  const sha = streamHash(makeChunk(), ctx.cfg.streamBytes);
  const timed = async (fn) => {
    const t0 = performance.now();
    const r = await fn();
    r.elapsedSeconds = +((performance.now() - t0) / 1000).toFixed(1);
    ctx.log(`  (${r.elapsedSeconds} s)`);
    return r;
  };
  return {
    idle: await timed(() => idle(ctx, servers)),
    upload: await timed(() => upload(ctx, servers, sha)),
    download: await timed(() => download(ctx, servers, clients, sha)),
    coldStart: await timed(() => coldStart(ctx, servers)),
  };
}
