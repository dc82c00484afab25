/**
 * Module resolve hook (node:module `register`) that appends every resolved URL to the file named
 * by $IMPORT_LOG, one per line, so a test can read which modules a child process loaded.
 */
import { appendFileSync } from 'node:fs';

type NextResolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<{ url: string }> {
  const result = await next(specifier, context);
  const log = process.env['IMPORT_LOG'];
  if (log !== undefined && !result.url.startsWith('node:')) appendFileSync(log, `${result.url}\n`);
  return result;
}
