import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Loading our own package for the aiohttp-ts contenders. Until `npm run build` at the root produces
// the server/client, loading fails with NotBuiltError and the runner reports the contender SKIPPED.
export class NotBuiltError extends Error {
  name = 'NotBuiltError';
}

// AIOHTTP_TS_DIST=/path/to/dist/index.js benchmarks another build (e.g. an older commit's).
export const DIST = process.env.AIOHTTP_TS_DIST
  ? pathToFileURL(resolve(process.env.AIOHTTP_TS_DIST))
  : new URL('../../dist/index.js', import.meta.url);

/** Import ../dist/index.js and check that every dotted name in `need` exists on it. */
export async function loadPackage(need = []) {
  let pkg;
  try {
    pkg = await import(DIST.href);
  } catch (err) {
    throw new NotBuiltError(`cannot import dist/index.js (${err.code ?? err.name}: ${String(err.message).split('\n')[0]}); run \`npm run build\` at the root`);
  }
  for (const path of need) {
    let v = pkg;
    for (const part of path.split('.')) v = v?.[part];
    if (v === undefined) throw new NotBuiltError(`dist/index.js has no export ${path} yet`);
  }
  return pkg;
}

export function isNotBuilt(err) {
  return err instanceof NotBuiltError || err?.name === 'NotBuiltError';
}
