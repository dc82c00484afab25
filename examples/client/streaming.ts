/** Notes §"响应流" (streaming a response): read(n) in a loop into a file, then iterChunked. */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

const dir = await mkdtemp(join(tmpdir(), 'aiohttp-ts-'));
try {
  await using session = new ClientSession();

  // content.read(n) returns at most n bytes, and an empty Buffer at the end of the body.
  await using response = await session.get(`${BASE}/stream/100000`);
  console.log(`status: ${response.status}`);
  const path = join(dir, 'download.bin');
  const file = createWriteStream(path);
  let chunks = 0;
  for (;;) {
    const chunk = await response.content.read(1024);
    if (chunk.length === 0) break;
    chunks += 1;
    if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
  console.log(`wrote ${(await stat(path)).size} bytes in ${chunks} chunks of at most 1024`);

  // iterChunked(n) is the same loop as an async iterator.
  await using second = await session.get(`${BASE}/bytes/50000`);
  let total = 0;
  for await (const chunk of second.content.iterChunked(4096)) total += chunk.length;
  console.log(`iterChunked read ${total} bytes`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
