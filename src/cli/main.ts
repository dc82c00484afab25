#!/usr/bin/env node
/**
 * The `aiohttp-ts` command, like `python -m aiohttp.web`: `aiohttp-ts serve [module:factory]`
 * imports the module, calls the factory with the remaining arguments and serves the app it
 * returns; with no module it serves the built-in demo app.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
// The server entry only: `serve` needs no client (undici, tough-cookie); the demo loads on demand.
import * as web from '../server/index.js';

const USAGE = `Usage: aiohttp-ts serve [module:factory] [--host HOST] [--port PORT] [--path SOCKET] [--workers N|auto] [-- factory args]

Serves an aiohttp-ts application. module is a file path or package name; factory is an exported
function returning a web.Application (or a promise of one); it is called with the arguments after --.
With no module, serves the built-in demo app.

Options:
  -H, --host HOST   address to listen on (default: $HOST or 0.0.0.0)
  -P, --port PORT   TCP port (default: $PORT or 8080)
  -U, --path PATH   Unix socket path to listen on instead of TCP
  -w, --workers N   serve from N worker processes sharing the port ('auto': one per core);
                    SIGHUP to the primary reloads them one at a time
      --no-access-log  do not print one line per request
  -h, --help        show this help
  -v, --version     print the version`;

/** A CLI misuse: printed with the usage, exit code 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

/** The package's version, from the nearest package.json above this file (dist/ or a test build). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'aiohttp-ts' && pkg.version) return pkg.version;
    }
  }
  return 'unknown';
}

/** Resolves `module:factory` to the application it makes. */
async function loadApp(spec: string, factoryArgs: string[]): Promise<web.Application> {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`expected module:factory, got ${JSON.stringify(spec)}`);
  const modulePart = spec.slice(0, colon);
  const factoryName = spec.slice(colon + 1);
  const looksLikePath = modulePart.startsWith('.') || isAbsolute(modulePart) || /\.[cm]?js$/.test(modulePart);
  const specifier = looksLikePath ? pathToFileURL(resolve(modulePart)).href : modulePart;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot import module ${JSON.stringify(modulePart)}: ${(err as Error).message}`, { cause: err });
  }
  const factory = mod[factoryName];
  if (typeof factory !== 'function') throw new Error(`module ${JSON.stringify(modulePart)} has no function ${JSON.stringify(factoryName)}`);
  const app: unknown = await (factory as (argv: string[]) => unknown)(factoryArgs);
  if (!(app instanceof web.Application)) throw new Error(`${factoryName}() must return a web.Application, got ${typeof app}`);
  return app;
}

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`port must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
  return Number(value);
}

function parseWorkers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1) throw new UsageError(`workers must be a positive integer or auto, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** True when npm started this process (npx, npm exec, npm start, npm run): npm sets this for every script. */
function launchedByNpm(): boolean {
  return process.env['npm_lifecycle_event'] !== undefined;
}

/**
 * Calls `onGone` once this process's parent has exited (its ppid changed), checking every 0.5 s.
 * npm runs the CLI through `sh -c` and forwards SIGTERM only to that shell, which dies without
 * passing it on (seen with npm 11: `npx aiohttp-ts serve` sent SIGTERM left the server orphaned
 * and listening), so under npm a dead parent means "stop". Returns a function that stops watching.
 */
function watchParent(onGone: () => void): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

/** Runs the CLI with `argv` (without node and the script); resolves when the server stops. */
export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string', short: 'H' },
      port: { type: 'string', short: 'P' },
      path: { type: 'string', short: 'U' },
      workers: { type: 'string', short: 'w' },
      'no-access-log': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.version) {
    console.log(version());
    return;
  }
  const dashdash = argv.indexOf('--');
  const factoryArgs = dashdash === -1 ? [] : argv.slice(dashdash + 1);
  const commandArgs = dashdash === -1 ? positionals : positionals.slice(0, positionals.length - factoryArgs.length);
  const [command, spec, ...extra] = commandArgs;
  if (command !== 'serve') throw new UsageError(command === undefined ? 'a command is required' : `unknown command ${JSON.stringify(command)}`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);

  const options: web.RunAppOptions = {};
  if (values.workers !== undefined) options.workers = parseWorkers(values.workers);
  const host = values.host ?? process.env['HOST'];
  const port = values.port ?? process.env['PORT'];
  if (values.path !== undefined) options.path = values.path;
  if (host !== undefined && host !== '') options.host = host;
  if (port !== undefined && port !== '') options.port = parsePort(port);
  if (values.path === undefined && options.host === undefined) options.host = '0.0.0.0';
  if (values['no-access-log']) options.accessLog = null;
  let orphaned = false;
  let unwatch: (() => void) | undefined;
  if (launchedByNpm() && !web.isWorkerProcess()) {
    const controller = new AbortController();
    options.signal = controller.signal;
    unwatch = watchParent(() => {
      orphaned = true;
      console.error('aiohttp-ts: parent process exited (npm does not pass SIGTERM on); shutting down');
      controller.abort();
    });
  }
  try {
    // A factory: with --workers only the worker processes build the app (the primary never imports the module).
    await web.runApp(async () => (spec === undefined ? (await import('../demo/app.js')).createDemoApp() : loadApp(spec, factoryArgs)), options);
  } finally {
    unwatch?.();
  }
  // As after a signal: exit once the event loop is empty, or at the latest a second later.
  if (orphaned) setTimeout(() => process.exit(), 1000).unref();
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    // npm's bin link is a symlink; import.meta.url is the real path.
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMainModule()) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`aiohttp-ts: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(`aiohttp-ts: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  });
}
