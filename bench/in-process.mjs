// In-process vs loopback TestClient on the demo app: requests per second and the cost of one
// whole test (new client, one request, close). Run `npm run build && node bench/in-process.mjs`.
// Optional argument: requests per scenario (default 2000).
import { performance } from 'node:perf_hooks';
import { TestClient } from '../dist/test-utils/index.js';
import { createDemoApp } from '../dist/demo/app.js';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = 3;

const scenarios = {
  'GET /': (c) => c.get('/').then((r) => r.text()),
  'POST / json': (c) => c.post('/', { json: { test: 'object' } }).then((r) => r.text()),
  'GET /bytes/65536': (c) => c.get('/bytes/65536').then((r) => r.read()),
  'GET /cookies/set (redirect)': (c) => c.get('/cookies/set?a=1').then((r) => r.text()),
};

async function throughput(inProcess, run, n) {
  const client = new TestClient(createDemoApp(), { inProcess });
  try {
    await client.startServer();
    for (let i = 0; i < 200; i++) await run(client);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await run(client);
    return (n / (performance.now() - t0)) * 1000;
  } finally {
    await client.close();
  }
}

async function wholeTest(inProcess, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const client = new TestClient(createDemoApp(), { inProcess });
    await (await client.get('/')).text();
    await client.close();
  }
  return (performance.now() - t0) / n;
}

const best = async (f) => {
  let top = 0;
  for (let i = 0; i < ROUNDS; i++) top = Math.max(top, await f());
  return top;
};

console.log(`node ${process.version}, ${N} requests per scenario, best of ${ROUNDS}`);
console.log('scenario'.padEnd(30), 'loopback req/s'.padStart(15), 'in-process req/s'.padStart(17), 'ratio'.padStart(7));
for (const [name, run] of Object.entries(scenarios)) {
  const tcp = await best(() => throughput(false, run, N));
  const mem = await best(() => throughput(true, run, N));
  console.log(name.padEnd(30), tcp.toFixed(0).padStart(15), mem.toFixed(0).padStart(17), `${(mem / tcp).toFixed(2)}x`.padStart(7));
}
const m = Math.max(20, Math.round(N / 20));
const tcpTest = Math.min(await wholeTest(false, m), await wholeTest(false, m));
const memTest = Math.min(await wholeTest(true, m), await wholeTest(true, m));
console.log(`one test (new client + 1 request + close): loopback ${tcpTest.toFixed(2)} ms, in-process ${memTest.toFixed(2)} ms, ratio ${(tcpTest / memTest).toFixed(2)}x`);
