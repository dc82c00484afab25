/**
 * Static files (aiohttp `web_urldispatcher.py` `StaticResource`). The request path is decoded,
 * normalised, then checked to stay under the root (and, unless `followSymlinks`, resolved through
 * symlinks and checked again); anything outside the root answers exactly as a missing file does, so
 * the response says nothing about the filesystem beyond the root.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { HTTPNotFound } from '../exceptions.js';
import { FileResponse, type FileAccessPolicy, type FileResponseOptions } from '../file-response.js';
import type { Request } from '../request.js';
import { Response, type StreamResponse } from '../response.js';
import { PrefixResource, queryString, type MaybePromise, type UrlQuery } from './resources.js';

/** Options of `router.addStatic`. */
export interface StaticOptions {
  name?: string;
  /** Answer a directory with an HTML listing (default false: 403). */
  showIndex?: boolean;
  /** Serve symlinks that point outside the root (default false: they are 404s). */
  followSymlinks?: boolean;
  /** `urlFor({ filename })` adds `?v=<hash of the file>` for cache busting (default false). */
  appendVersion?: boolean;
  /** Bytes read from disk per chunk. */
  chunkSize?: number;
}

/** Whether `/proc/self/fd` names opened files (Linux); cleared on the first failure. */
let procFd = process.platform === 'linux';

/** The path an open descriptor resolves to, symlinks followed, or undefined where the OS cannot say. */
function openedPath(fd: number): string | undefined {
  if (!procFd) return undefined;
  try {
    // One in-kernel lookup, no disk access: cheaper than realpath's lstat per component, and it
    // checks the file actually opened rather than the path a moment before.
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    procFd = false;
    return undefined;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Every file under a directory, served at a prefix. */
export class StaticResource extends PrefixResource {
  readonly directory: string;
  readonly #showIndex: boolean;
  readonly #followSymlinks: boolean;
  readonly #appendVersion: boolean;
  readonly #fileOptions: FileResponseOptions;
  readonly #policy: FileAccessPolicy;
  #realRoot: string | undefined;

  constructor(prefix: string, directory: string, options: StaticOptions = {}) {
    super(prefix, options.name);
    let dir: string;
    try {
      dir = realpathSync(path.resolve(directory));
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new TypeError(`addStatic: ${JSON.stringify(directory)} is not an existing directory`, { cause: err });
    }
    this.directory = dir;
    this.#showIndex = options.showIndex ?? false;
    this.#followSymlinks = options.followSymlinks ?? false;
    this.#appendVersion = options.appendVersion ?? false;
    this.#fileOptions = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
    this.#policy = { allows: (fd, p) => this.#allowedFile(fd, p), directoryForbidden: true };
    this.#realRoot = dir;
    const handler = (request: Request): MaybePromise<StreamResponse> => this.#handle(request);
    this.addRoute('GET', handler);
    this.addRoute('HEAD', handler);
  }

  _match(pathSafe: string): Readonly<Record<string, string>> | null {
    const p = this.prefix;
    if (!pathSafe.startsWith(p) || (pathSafe.length > p.length && pathSafe.charCodeAt(p.length) !== 47)) return null;
    const rest = pathSafe.slice(p.length + 1);
    // `%2F` and `%25` are still encoded in a routing path; the file name is fully decoded.
    return { filename: rest.indexOf('%') === -1 ? rest : rest.replace(/%2F/gi, '/').replace(/%25/g, '%') };
  }

  /** The URL of `filename` under the prefix; with `appendVersion`, `?v=` a hash of its content. */
  urlFor(parts: Record<string, string | number> = {}, query?: UrlQuery): string {
    const filename = String(parts['filename'] ?? '');
    let url = `${this._urlPrefix}${this.prefix}/${filename.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/')}`;
    const q = queryString(query);
    if (this.#appendVersion) {
      const file = this.#resolveSync(filename);
      if (file !== undefined) {
        const v = createHash('sha256').update(readFileSync(file)).digest('base64url');
        return `${url}?v=${v}${q ? `&${q.slice(1)}` : ''}`;
      }
    }
    url += q;
    return url;
  }

  /** The normalised absolute path of `filename` under the root, or undefined if it would leave it. */
  #lexical(filename: string): string | undefined {
    if (filename.includes('\0') || filename.includes('\\')) return undefined;
    const rel = path.posix.normalize(`/${filename}`).slice(1);
    if (rel.split('/').includes('..')) return undefined;
    const full = path.join(this.directory, rel);
    return this.#inside(full, this.directory) ? full : undefined;
  }

  #inside(p: string, root: string): boolean {
    return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
  }

  /** Whether a path (maybe a symlink) may be served under the symlink policy. */
  async #allowed(p: string): Promise<boolean> {
    if (this.#followSymlinks) return true;
    try {
      return this.#inside(await realpath(p), this.#realRoot ?? this.directory);
    } catch {
      return false;
    }
  }

  /** The symlink policy for a file a FileResponse opened (`fd`) or could not open. */
  #allowedFile(fd: number | undefined, p: string): boolean | Promise<boolean> {
    if (this.#followSymlinks) return true;
    const real = fd === undefined ? undefined : openedPath(fd);
    return real === undefined ? this.#allowed(p) : this.#inside(real, this.#realRoot ?? this.directory);
  }

  #resolveSync(filename: string): string | undefined {
    const full = this.#lexical(filename);
    if (full === undefined) return undefined;
    try {
      if (!this.#followSymlinks && !this.#inside(realpathSync(full), this.directory)) return undefined;
      return statSync(full).isFile() ? full : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The file response for a request; its prepare() opens the file once and applies the symlink
   * policy to what it opened (a directory there is a 403). Only with showIndex is the path looked
   * at first, to answer a directory with its listing.
   */
  #handle(request: Request): MaybePromise<StreamResponse> {
    const full = this.#lexical(request.matchInfo['filename'] ?? '');
    if (full === undefined) throw new HTTPNotFound();
    if (this.#showIndex) return this.#handleIndexed(full);
    return this.#fileResponse(full);
  }

  async #handleIndexed(full: string): Promise<StreamResponse> {
    if (!(await this.#allowed(full))) throw new HTTPNotFound();
    const st = await stat(full).catch(() => undefined);
    if (st === undefined) throw new HTTPNotFound();
    if (st.isDirectory()) return this.#listing(full);
    return this.#fileResponse(full);
  }

  #fileResponse(full: string): FileResponse {
    const resp = new FileResponse(full, this.#fileOptions);
    resp._policy = this.#policy;
    return resp;
  }

  /** An HTML index of a directory; names are escaped, links percent-encoded. */
  async #listing(dir: string): Promise<Response> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const rel = path.relative(this.directory, dir).split(path.sep).filter(Boolean);
    const base = `${this.prefix}/${rel.map((s) => `${encodeURIComponent(s)}/`).join('')}`;
    const title = escapeHtml(`Index of /${rel.join('/')}`);
    const items = entries.map((e) => {
      const name = e.isDirectory() ? `${e.name}/` : e.name;
      return `<li><a href="${escapeHtml(base + encodeURIComponent(e.name) + (e.isDirectory() ? '/' : ''))}">${escapeHtml(name)}</a></li>`;
    });
    const html = `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n<h1>${title}</h1>\n<ul>\n${items.join('\n')}\n</ul>\n</body>\n</html>\n`;
    return new Response({ text: html, contentType: 'text/html' });
  }
}
