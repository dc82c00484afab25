/**
 * `node --import <this file>`: logs the modules the process resolves (see import-log-hooks.ts).
 * `loadedPackages()` reads the log back as the set of npm packages and of our own files.
 */
import { register } from 'node:module';
import { readFileSync } from 'node:fs';

if (process.env['IMPORT_LOG'] !== undefined) register('./import-log-hooks.js', import.meta.url);

/** The npm packages (by name) and the `build/src/...` files listed in an import log. */
export function readImportLog(file: string): { packages: Set<string>; own: Set<string> } {
  const packages = new Set<string>();
  const own = new Set<string>();
  for (const url of readFileSync(file, 'utf8').split('\n')) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) packages.add(pkg[1]!);
    const src = /\/build\/src\/(.+)$/.exec(url);
    if (src) own.add(src[1]!);
  }
  return { packages, own };
}

/** The `--import` argument that turns the log on in a child process. */
export const IMPORT_LOG_FLAG = `--import=${import.meta.url}`;
