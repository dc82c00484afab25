/** Notes §"流式上传" (streaming upload): a file stream as `data` is sent without reading it into memory. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSession } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

const dir = await mkdtemp(join(tmpdir(), 'aiohttp-ts-'));
try {
  const path = join(dir, 'big.bin');
  const content = Buffer.alloc(5 * 1024 * 1024, 'abc');
  await writeFile(path, content);
  console.log(`local:  ${content.length} ${createHash('sha256').update(content).digest('hex')}`);

  await using session = new ClientSession();
  // /upload hashes the body as it streams in and answers {"size", "sha256"}.
  await using response = await session.post(`${BASE}/upload`, { data: createReadStream(path) });
  const { size, sha256 } = (await response.json()) as { size: number; sha256: string };
  console.log(`server: ${size} ${sha256}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
