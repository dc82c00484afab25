#!/usr/bin/env node
// aiohttp-ts benchmarks side by side with the peers (issue 7). See bench/README.md.
//   node bench/run.mjs [--quick] [--only server,client,h2,ws,memory] [--seconds N] [--runs N]
//                      [--scenarios a,b,...] [--out FILE.json] [--require-all]
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, Context, discover } from './lib/context.mjs';
import { writeFixtures } from './lib/fixtures.mjs';
import { runServerSection } from './lib/server-bench.mjs';
import { runClientSection } from './lib/client-bench.mjs';
import { runWsSection } from './lib/ws-bench.mjs';
import { runMemorySection } from './lib/memory-bench.mjs';
import { chartGroups, chartTitle, markdown, svgChart, tables, textTable } from './lib/report.mjs';
import { WRK } from './lib/wrk.mjs';
import { cpuBusy, cpuPressure } from './lib/proc.mjs';
import { PYTHON } from './contenders/servers/aiohttp-py.mjs';
import { performance } from 'node:perf_hooks';

const SECTIONS = ['server', 'client', 'h2', 'ws', 'memory'];
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    seconds: { type: 'string' },
    runs: { type: 'string' },
    scenarios: { type: 'string' },
    out: { type: 'string' },
    nice: { type: 'string' },
    'require-all': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(readFileSync(join(BENCH_DIR, 'README.md'), 'utf8'));
  process.exit(0);
}

const MiB = 1048576;
const cfg = args.quick
  ? { seconds: 1, warmupSeconds: 0, runs: 1, clientTotal: 1000, clientWarmup: 200, wsConnections: 50, wsWarmupSeconds: 1,
      idleConnections: 2000, streamBytes: 100 * MiB, coldStarts: 3 }
  : { seconds: 10, warmupSeconds: 3, runs: 3, clientTotal: 20000, clientWarmup: 2000, wsConnections: 50, wsWarmupSeconds: 2,
      idleConnections: 5000, streamBytes: 1024 * MiB, coldStarts: 5 };
if (args.seconds) cfg.seconds = positive('--seconds', args.seconds);
if (args.runs) cfg.runs = positive('--runs', args.runs);
if (args.nice) {
  if (!/^-?\d+$/.test(args.nice)) usage(`--nice needs an integer, got ${args.nice}`);
  process.env.BENCH_NICE = args.nice; // read by spawnPinned for every server, load and client process
}
cfg.nice = Number(process.env.BENCH_NICE ?? 0);
cfg.scenarios = args.scenarios ? args.scenarios.split(',').map((s) => s.trim()) : null;
const only = args.only ? args.only.split(',').map((s) => s.trim()) : SECTIONS;
for (const s of only) if (!SECTIONS.includes(s)) usage(`--only: unknown section ${s} (use ${SECTIONS.join('|')})`);

function positive(name, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) usage(`${name} needs a positive integer, got ${v}`);
  return n;
}
function usage(msg) {
  process.stderr.write(`${msg}\nusage: node bench/run.mjs [--quick] [--only ${SECTIONS.join('|')}[,...]] [--seconds N] [--runs N] [--scenarios a,...,g] [--out FILE.json] [--nice N] [--require-all]\n`);
  process.exit(2);
}

const sh = (cmd, argv) => {
  try { return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(); } catch (e) { return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || null; }
};

function versions(contenders) {
  const v = { node: process.version, 'undici (bundled with node, global fetch)': process.versions.undici };
  for (const c of contenders) {
    for (const p of c.packages ?? []) {
      if (p === 'aiohttp-ts') {
        const root = JSON.parse(readFileSync(join(BENCH_DIR, '..', 'package.json'), 'utf8'));
        const dist = process.env.AIOHTTP_TS_DIST ?? join(BENCH_DIR, '..', 'dist', 'index.js');
        v['aiohttp-ts'] = `${root.version} (${existsSync(dist) ? dist.replace(`${join(BENCH_DIR, '..')}/`, '') : 'no dist/index.js'})`;
      } else {
        try { v[p] = JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', p, 'package.json'), 'utf8')).version; } catch { v[p] = 'not installed (cd bench && npm install)'; }
      }
    }
    if (c.python) v[`${c.python} (Python)`] = sh(PYTHON, ['-c', `import ${c.python}; print(${c.python}.__version__)`]);
  }
  v.python = sh(PYTHON, ['-c', 'import sys; print(sys.version.split()[0])']);
  v.wrk = sh(WRK, ['-v'])?.split('\n')[0] ?? null;
  return v;
}

const ctx = new Context(cfg);
const onSignal = async () => { await ctx.stopAll(); process.exit(130); };
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

ctx.tmpDir = mkdtempSync(join(os.tmpdir(), 'aiohttp-ts-bench-'));
const fx = writeFixtures(ctx.tmpDir);
ctx.fixturesFile = fx.file;
ctx.fixtures = fx.fixtures;

const servers = await discover('servers');
const clients = await discover('clients');
const startedAt = new Date();
const mode = args.quick ? 'quick' : 'full';
const results = {
  schema: 1,
  mode,
  command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt: startedAt.toISOString(),
  config: { ...cfg, only, requireAll: args['require-all'], serverCpu: 0, loadCpu: 1 },
  env: { AIOHTTP_TS_DIST: process.env.AIOHTTP_TS_DIST ?? null },
  git: { commit: sh('git', ['-C', BENCH_DIR, 'rev-parse', '--short', 'HEAD']), dirty: Boolean(sh('git', ['-C', join(BENCH_DIR, '..'), 'status', '--porcelain', '--', '.', ':!bench/results'])) },
  machine: {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model?.trim(), node: process.version, os: `${os.type()} ${os.release()}`,
    arch: os.arch(), totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1), ulimitNofile: sh('bash', ['-c', 'ulimit -n']),
  },
  versions: versions([...servers, ...clients]),
};
ctx.log(`aiohttp-ts bench (${mode}): ${results.machine.cpus} CPUs, ${results.machine.cpuModel}, Node ${process.version}; sections ${only.join(', ')}`);
results.machine.busyBeforeStart = await cpuBusy(1000);
if (results.machine.busyBeforeStart > 0.1) {
  ctx.log(`warning: the machine was ${(results.machine.busyBeforeStart * 100).toFixed(0)}% busy before the bench started: other processes skew the numbers`);
}
if (results.machine.cpus < 2) ctx.log('warning: fewer than 2 CPUs, server and load share a core');

results.elapsedSeconds = {};
const timed = async (name, fn) => {
  const t0 = performance.now();
  results[name] = await fn();
  results.elapsedSeconds[name] = +((performance.now() - t0) / 1000).toFixed(1);
  (results.cpuPressureAfter ??= {})[name] = cpuPressure();
  ctx.log(`-- ${name} section took ${results.elapsedSeconds[name]} s`);
};
try {
  if (only.includes('server')) await timed('server', () => runServerSection(ctx, servers));
  if (only.includes('client') || only.includes('h2')) {
    await timed('client', () => runClientSection(ctx, clients, servers, { plain: only.includes('client'), h2: only.includes('h2') }));
  }
  if (only.includes('ws')) await timed('ws', () => runWsSection(ctx, servers, clients));
  if (only.includes('memory')) await timed('memory', () => runMemorySection(ctx, servers, clients));
} finally {
  await ctx.stopAll();
  rmSync(ctx.tmpDir, { recursive: true, force: true });
}

results.finishedAt = new Date().toISOString();
results.statuses = ctx.statuses;
results.commands = [...ctx.commands];

const resultsDir = join(BENCH_DIR, 'results');
mkdirSync(resultsDir, { recursive: true });
const suffix = [only.length < SECTIONS.length ? only.join('+') : null, cfg.scenarios ? cfg.scenarios.join('') : null].filter(Boolean).join('-');
const jsonFile = args.out ? resolve(args.out) : join(resultsDir, `${startedAt.toISOString().slice(0, 10)}-${mode}${suffix ? `-${suffix}` : ''}.json`);
results.jsonFile = relative(join(BENCH_DIR, '..'), jsonFile);
writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
if (!args.out) {
  // --out runs (comparisons, experiments) leave the committed latest.* alone
  writeFileSync(join(resultsDir, 'latest.svg'), svgChart(chartGroups(results), { title: chartTitle(results) }));
  writeFileSync(join(resultsDir, 'latest.md'), markdown(results));
}

ctx.log('');
for (const t of tables(results)) ctx.log(`${textTable(t)}\n`);
const failed = ctx.statuses.filter((s) => s.status === 'failed');
const skipped = ctx.statuses.filter((s) => s.status === 'skipped');
ctx.log(`results: ${results.jsonFile}${args.out ? '' : ', bench/results/latest.md, bench/results/latest.svg'}`);
for (const s of skipped) ctx.log(`SKIPPED (not built): ${s.contender} ${s.section}/${s.item}: ${s.reason}`);
for (const s of failed) ctx.log(`FAILED: ${s.contender} ${s.section}/${s.item}: ${s.reason.split('\n')[0]}`);
const exitCode = failed.length || (args['require-all'] && skipped.length) ? 1 : 0;
if (args['require-all'] && skipped.length) ctx.log('--require-all: a skipped contender counts as a failure');
// one cell = one contender in one scenario that started, answered correctly and was measured
const cells = countCells(results);
if (args['require-all']) [cells.failed, cells.skipped] = [cells.failed + cells.skipped, 0];
ctx.log(`bench: ${cells.ok} passed, ${cells.failed} failed, ${cells.skipped} skipped`);
process.exit(exitCode);

function countCells(r) {
  const n = { ok: 0, failed: 0, skipped: 0 };
  const walk = (o) => {
    if (!o || typeof o !== 'object') return;
    if (typeof o.label === 'string' && typeof o.status === 'string' && o.status in n) n[o.status]++;
    else for (const v of Object.values(o)) walk(v);
  };
  walk({ server: r.server, client: r.client, ws: r.ws, memory: r.memory });
  return n;
}
