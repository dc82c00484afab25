/**
 * File upload: an HTML form posts multipart/form-data; `request.multipart()` reads the parts one
 * at a time and each file part is streamed to disk, so a large upload never sits in memory.
 * Run: `PORT=8080 UPLOAD_DIR=/tmp/uploads node build/examples/server/file-upload.js`, open
 * http://localhost:8080/ or `curl -F file=@photo.jpg localhost:8080/upload`.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { AppKey, web } from '../../src/index.js';

const UPLOAD_DIR = new AppKey<string>('uploadDir');

const FORM = `<!doctype html>
<form action="/upload" method="post" enctype="multipart/form-data">
  <input name="comment"> <input type="file" name="file" multiple> <button>Upload</button>
</form>`;

async function upload(request: web.Request): Promise<web.Response> {
  if (!request.contentType.startsWith('multipart/')) throw new web.HTTPBadRequest({ text: 'expected a multipart/form-data body' });
  const dir = request.app.get(UPLOAD_DIR);
  const saved: Array<{ field: string; filename: string; size: number; sha256: string }> = [];
  const fields: Record<string, string> = {};
  for await (const part of request.multipart()) {
    if (part.filename === undefined) {
      fields[part.name ?? ''] = await part.text();
      continue;
    }
    // basename(): a client-chosen name must not pick the directory.
    const filename = basename(part.filename) || 'upload.bin';
    const hash = createHash('sha256');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(part.stream(), count, createWriteStream(join(dir, filename)));
    saved.push({ field: part.name ?? '', filename, size, sha256: hash.digest('hex') });
  }
  return web.jsonResponse({ fields, files: saved });
}

/** Builds the app; uploads go to `dir`. */
export function createApp(dir: string): web.Application {
  // Uploads are streamed to disk, so the in-memory body limit does not apply to them.
  const app = new web.Application();
  app.set(UPLOAD_DIR, dir);
  app.router.addGet('/', () => new web.Response({ text: FORM, contentType: 'text/html' }));
  app.router.addPost('/upload', upload);
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.env['UPLOAD_DIR'] ?? (await mkdtemp(join(tmpdir(), 'uploads-')));
  await mkdir(dir, { recursive: true });
  console.log(`saving uploads in ${dir}`);
  await web.runApp(createApp(dir), { host: process.env['HOST'] ?? '0.0.0.0', port: Number(process.env['PORT'] ?? 8080) });
}
