// Runs one Node server contender in its own process (the runner pins it with taskset).
// usage: node lib/server-child.mjs <contender.mjs> <variant> <port> <fixtures.json>
// Prints one line `READY {...}` once listening (with import-to-listening time), or
// `NOTBUILT <reason>` and exits 3 when an aiohttp-ts contender cannot load the built package.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isNotBuilt } from './aiohttp-ts.mjs';
import { performance } from 'node:perf_hooks';

const [file, variant, portArg, fixturesFile] = process.argv.slice(2);
const fixtures = JSON.parse(readFileSync(fixturesFile, 'utf8'));
const t0 = performance.now();
let server;
let meta;
try {
  const mod = await import(pathToFileURL(file).href);
  meta = mod.meta;
  server = await mod.start(variant, { host: '127.0.0.1', port: Number(portArg), fixtures });
} catch (err) {
  if (meta?.requiresBuild && isNotBuilt(err)) {
    process.stdout.write(`NOTBUILT ${String(err.message).split('\n')[0]}\n`);
    process.exit(3);
  }
  process.stderr.write(`server ${file} ${variant} failed to start: ${err?.stack ?? err}\n`);
  process.exit(1);
}
const t1 = performance.now();
process.stdout.write(`READY ${JSON.stringify({ pid: process.pid, importToListeningMs: t1 - t0, processStartToListeningMs: t1 })}\n`);

const stop = async () => {
  try { await server?.close?.(); } finally { process.exit(0); }
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// the runner holds our stdin open: EOF means it is gone (killed, crashed), so do not outlive it.
// A `gc` line (memory section, run with --expose-gc) collects garbage now and answers GCDONE.
process.stdin.on('end', stop).on('error', stop).on('data', (d) => {
  if (!String(d).includes('gc')) return;
  globalThis.gc?.();
  process.stdout.write(`GCDONE ${JSON.stringify({ exposed: typeof globalThis.gc === 'function' })}\n`);
});
