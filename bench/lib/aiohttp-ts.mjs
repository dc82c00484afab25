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

/**
 * Import one entry of the build (`index.js` = `aiohttp-ts`, `server/index.js` = `aiohttp-ts/web`,
 * relative to DIST's folder) and check that every dotted name in `need` exists on it.
 */
export async function loadPackage(need = [], entry = 'index.js') {
  const url = new URL(entry, DIST);
  let pkg;
  try {
    pkg = await import(url.href);
  } catch (err) {
    throw new NotBuiltError(`cannot import dist/${entry} (${err.code ?? err.name}: ${String(err.message).split('\n')[0]}); run \`npm run build\` at the root`);
  }
  for (const path of need) {
    let v = pkg;
    for (const part of path.split('.')) v = v?.[part];
    if (v === undefined) throw new NotBuiltError(`dist/${entry} has no export ${path} yet`);
  }
  return pkg;
}

export function isNotBuilt(err) {
  return err instanceof NotBuiltError || err?.name === 'NotBuiltError';
}
