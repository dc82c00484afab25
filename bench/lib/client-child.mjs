// Runs one Node client contender in its own process (the runner pins it with taskset).
// usage: node lib/client-child.mjs '<json options>'
//   mode get|post: `warmup` then `total` requests with `concurrency` in flight -> RESULT {rps,...}
//   mode download: 1 MiB warm-up, prints WARM, waits for a line on stdin, streams `bytes` -> RESULT
//   mode ws: `connections` sockets ping-pong 64-byte texts, `warmupSeconds` then `seconds` -> RESULT
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { createInterface } from 'node:readline';
import { isNotBuilt } from './aiohttp-ts.mjs';
import { performance } from 'node:perf_hooks';

const opts = JSON.parse(process.argv[2]);
const fixtures = opts.fixtures ? JSON.parse(readFileSync(opts.fixtures, 'utf8')) : {};

let meta;
let client;
try {
  const mod = await import(pathToFileURL(opts.file).href);
  meta = mod.meta;
  client = await mod.create({ origin: opts.origin });
  const result = await run(client);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  await client.close();
  process.exit(0);
} catch (err) {
  if (meta?.requiresBuild && isNotBuilt(err)) {
    process.stdout.write(`NOTBUILT ${String(err.message).split('\n')[0]}\n`);
    process.exit(3);
  }
  process.stderr.write(`client ${opts.file} ${opts.mode} failed: ${err?.stack ?? err}\n`);
  process.exit(1);
}

async function drive(total, concurrency, once) {
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started++;
      await once();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

async function run(c) {
  if (opts.mode === 'get' || opts.mode === 'post') {
    const payload = fixtures.payload;
    const once = opts.mode === 'get' ? () => c.get('/') : () => c.postJson('/echo', payload);
    const first = await once();
    const want = opts.mode === 'get' ? 'Hello, World!' : payload;
    if (!isDeepStrictEqual(first, want)) throw new Error(`wrong response: ${JSON.stringify(first).slice(0, 200)}`);
    await drive(opts.warmup, opts.concurrency, once);
    const t0 = performance.now();
    await drive(opts.total, opts.concurrency, once);
    const seconds = (performance.now() - t0) / 1000;
    return { requests: opts.total, seconds, rps: opts.total / seconds };
  }
  if (opts.mode === 'download') {
    const warm = await c.download('/download?bytes=1048576');
    if (warm.bytes !== 1048576) throw new Error(`warm-up download got ${warm.bytes} bytes`);
    // the runner starts this mode with --expose-gc: the RSS baseline is taken after a collection,
    // so garbage left from start-up and the warm-up does not count (or hide growth) either way
    globalThis.gc?.();
    process.stdout.write('WARM {}\n');
    const rl = createInterface({ input: process.stdin });
    await new Promise((resolve) => rl.once('line', resolve));
    rl.close();
    const t0 = performance.now();
    const r = await c.download(`/download?bytes=${opts.bytes}`);
    const seconds = (performance.now() - t0) / 1000;
    if (r.bytes !== opts.bytes || r.sha256 !== opts.expectSha256) throw new Error(`download mismatch: ${r.bytes} bytes, sha256 ${r.sha256}`);
    return { bytes: r.bytes, seconds, mibPerSecond: r.bytes / 1048576 / seconds };
  }
  if (opts.mode === 'ws') {
    const msg = 'x'.repeat(64);
    const socks = await Promise.all(Array.from({ length: opts.connections }, () => c.wsConnect(opts.url)));
    let counting = false;
    let count = 0;
    let stop = false;
    const loop = async (s) => {
      while (!stop) {
        await s.send(msg);
        const got = await s.receive();
        if (got !== msg) throw new Error(`ws echo mismatch: ${String(got).slice(0, 80)}`);
        if (counting) count++;
      }
    };
    const loops = socks.map(loop);
    await new Promise((r) => setTimeout(r, opts.warmupSeconds * 1000));
    counting = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    counting = false;
    const seconds = (performance.now() - t0) / 1000;
    const roundTrips = count;
    stop = true;
    await Promise.all(loops);
    await Promise.all(socks.map((s) => s.close()));
    return { connections: opts.connections, roundTrips, seconds, rps: roundTrips / seconds };
  }
  throw new Error(`unknown mode ${opts.mode}`);
}
