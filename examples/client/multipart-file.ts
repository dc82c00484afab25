/**
 * Notes §"多编码文件" (multipart-encoded file): a file stream in `data` makes a multipart body, and
 * FormData.addField sets the part's filename and Content-Type. Files are streamed, never read whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSession, FormData } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

interface Echo {
  headers: Record<string, string>;
  files: Array<{ field: string; filename: string; contentType: string; size: number }>;
}

const dir = await mkdtemp(join(tmpdir(), 'aiohttp-ts-'));
try {
  const path = join(dir, 'report.xls');
  const content = Buffer.alloc(10_000, 'x');
  await writeFile(path, content);
  console.log(`file sha256: ${createHash('sha256').update(content).digest('hex')}`);

  await using session = new ClientSession();

  // { file: stream }: the part is named "file" and its filename is the file's base name.
  {
    await using response = await session.post(`${BASE}/anything`, { data: { file: createReadStream(path) } });
    const echo = (await response.json()) as Echo;
    console.log(echo.headers['Content-Type']?.split(';')[0]);
    for (const f of echo.files) console.log(`${f.field} ${f.filename} ${f.contentType} ${f.size}`);
  }

  // FormData: choose the filename and the part's Content-Type.
  {
    const data = new FormData();
    data.addField('file', createReadStream(path), { filename: 'xxx.xls', contentType: 'application/vnd.ms-excel' });
    await using response = await session.post(`${BASE}/anything`, { data });
    const echo = (await response.json()) as Echo;
    console.log(echo.headers['Content-Type']?.split(';')[0]);
    for (const f of echo.files) console.log(`${f.field} ${f.filename} ${f.contentType} ${f.size}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
