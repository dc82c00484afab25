// Load side of the memory scenarios (pinned to the load CPU by the runner).
// usage: node lib/memory-load.mjs '<json options>'
//   mode idle: open `connections` keep-alive connections, one GET / on each, print READY, hold them
//     until a line arrives on stdin.
//   mode upload: 1 MiB warm-up upload, print WARM, wait for a line on stdin, stream `bytes` to
//     POST /upload and check the sha256 the server answers -> RESULT.
import net from 'node:net';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { makeChunk, streamHash } from './fixtures.mjs';
import { performance } from 'node:perf_hooks';

const opts = JSON.parse(process.argv[2]);
const rl = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => rl.once('line', resolve));
rl.on('close', () => process.exit(0)); // the runner is gone: do not outlive it

function openOne() {
  return new Promise((resolve, reject) => {
    const sock = net.connect(opts.port, '127.0.0.1');
    let buf = '';
    sock.setEncoding('latin1');
    sock.once('error', reject);
    sock.on('data', function onData(d) {
      buf += d;
      if (buf.includes('Hello, World!')) { sock.off('data', onData); resolve(sock); }
    });
    sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  });
}

function upload(bytes, chunk) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: opts.port, path: '/upload', method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': bytes },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`upload: HTTP ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

if (opts.mode === 'idle') {
  // at most 100 handshakes in flight: under the smallest listen backlog (aiohttp: 128), so no SYN
  // is dropped and retried a second later
  const socks = [];
  let next = 0;
  const opener = async () => {
    while (next < opts.connections) {
      next++;
      socks.push(await openOne());
    }
  };
  await Promise.all(Array.from({ length: Math.min(100, opts.connections) }, opener));
  let closedEarly = 0;
  for (const s of socks) s.on('close', () => { closedEarly++; });
  process.stdout.write(`READY ${JSON.stringify({ opened: socks.length })}\n`);
  await nextLine();
  process.stdout.write(`RESULT ${JSON.stringify({ opened: socks.length, closedByServerWhileHeld: closedEarly })}\n`);
  for (const s of socks) s.destroy();
  process.exit(0);
} else if (opts.mode === 'upload') {
  const chunk = makeChunk();
  const warm = await upload(1048576, chunk);
  if (warm !== streamHash(chunk, 1048576)) throw new Error(`warm-up upload: wrong hash ${warm}`);
  process.stdout.write('WARM {}\n');
  await nextLine();
  const t0 = performance.now();
  const got = await upload(opts.bytes, chunk);
  const seconds = (performance.now() - t0) / 1000;
  if (got !== opts.expectSha256) throw new Error(`upload: wrong hash ${got}`);
  process.stdout.write(`RESULT ${JSON.stringify({ bytes: opts.bytes, seconds, mibPerSecond: opts.bytes / 1048576 / seconds })}\n`);
  process.exit(0);
} else {
  throw new Error(`unknown mode ${opts.mode}`);
}
