/**
 * FileField: an uploaded file from `request.post()`, as aiohttp's `FileField` (name, filename,
 * file, content_type, headers). Small files stay in memory; larger ones are spooled to a temp file
 * that `unlink()` (or the form's `cleanup()`) removes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseContentType } from '../content-type.js';
import type { CIMultiDict } from '../multidict.js';

/** What a FileField is built from. */
export interface FileFieldInit {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string;
  readonly headers: CIMultiDict<string>;
  readonly size: number;
  readonly sha256?: string | undefined;
  /** A temp file path when spooled, else the bytes. */
  readonly file: string | Buffer;
}

/** An uploaded file part; `file` is a temp file path past the spool threshold, a Buffer below it. */
export class FileField {
  readonly name: string;
  /** The client-supplied file name, decoded; untrusted, never use it as a path as is. */
  readonly filename: string | undefined;
  readonly contentType: string;
  readonly headers: CIMultiDict<string>;
  /** Bytes received. */
  readonly size: number;
  /** Hex SHA-256 of the content when `hashFiles` was asked for. */
  readonly sha256: string | undefined;
  readonly file: string | Buffer;
  #unlinked = false;

  constructor(init: FileFieldInit) {
    this.name = init.name;
    this.filename = init.filename;
    this.contentType = init.contentType;
    this.headers = init.headers;
    this.size = init.size;
    this.sha256 = init.sha256;
    this.file = init.file;
  }

  /** The temp file path when spooled to disk. */
  get path(): string | undefined {
    return typeof this.file === 'string' ? this.file : undefined;
  }

  /** True when the content is held in memory. */
  get inMemory(): boolean {
    return typeof this.file !== 'string';
  }

  /** The content as a stream (read from disk when spooled). */
  stream(): Readable {
    if (typeof this.file === 'string') {
      this.#checkLinked();
      return createReadStream(this.file);
    }
    return Readable.from([this.file], { objectMode: false });
  }

  /** The whole content. */
  async read(): Promise<Buffer> {
    if (typeof this.file === 'string') {
      this.#checkLinked();
      return readFile(this.file);
    }
    return this.file;
  }

  /** The content decoded with `encoding`, else the charset of the part's Content-Type, else UTF-8. */
  async text(encoding?: string): Promise<string> {
    const charset = encoding ?? parseContentType(this.contentType).params['charset'] ?? 'utf-8';
    return new TextDecoder(charset).decode(await this.read());
  }

  /** Removes the temp file; a no-op for in-memory files and on later calls. */
  async unlink(): Promise<void> {
    if (this.#unlinked || typeof this.file !== 'string') return;
    this.#unlinked = true;
    await rm(this.file, { force: true });
  }

  #checkLinked(): void {
    if (this.#unlinked) throw new TypeError(`FileField ${JSON.stringify(this.name)}: its temp file was removed by unlink()`);
  }
}

/** Options of spoolFileField. */
export interface SpoolOptions {
  /** Past this many bytes the content goes to a temp file. */
  readonly spoolThreshold: number;
  readonly tmpDir?: string | undefined;
  readonly hashFiles?: boolean | undefined;
  /** Told of each temp file as soon as it exists, so a failure later can still remove it. */
  readonly onTempFile?: ((path: string) => void) | undefined;
}

/** Reads `source` into a FileField: in memory up to the threshold, then into a fresh 0600 temp file. */
export async function spoolFileField(
  meta: Omit<FileFieldInit, 'size' | 'file' | 'sha256'>,
  source: AsyncIterable<Buffer>,
  options: SpoolOptions,
): Promise<FileField> {
  const hash = options.hashFiles ? createHash('sha256') : undefined;
  let chunks: Buffer[] = [];
  let size = 0;
  // Bytes not yet written to the temp file; small network chunks are batched into one write.
  let unwritten = 0;
  let fh: FileHandle | undefined;
  let path: string | undefined;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      unwritten += chunk.length;
      hash?.update(chunk);
      chunks.push(chunk);
      if (!fh && size > options.spoolThreshold) {
        path = join(options.tmpDir ?? tmpdir(), `aiohttp-ts-upload-${randomBytes(12).toString('hex')}`);
        fh = await open(path, 'wx', 0o600);
        options.onTempFile?.(path);
      }
      if (fh && unwritten >= WRITE_BATCH) {
        await writeAll(fh, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        chunks = [];
        unwritten = 0;
      }
    }
    if (fh) {
      if (unwritten > 0) await writeAll(fh, Buffer.concat(chunks));
      chunks = [];
      await fh.close();
    }
  } catch (err) {
    if (fh) await fh.close().catch(() => undefined);
    if (path) await rm(path, { force: true });
    throw err;
  }
  return new FileField({
    ...meta,
    size,
    sha256: hash?.digest('hex'),
    file: path ?? (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
  });
}

const WRITE_BATCH = 64 * 1024;

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}
