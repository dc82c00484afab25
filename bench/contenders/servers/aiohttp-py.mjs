// Python aiohttp 3.x from Debian (python3-aiohttp) on /usr/bin/python3, default asyncio loop.
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

export const meta = {
  id: 'aiohttp-py',
  label: 'aiohttp (Python)',
  python: 'aiohttp',
  variants: ['base', 'routes1000', 'mw3', 'ws', 'memory'],
};

/** An external contender: the runner spawns this argv instead of lib/server-child.mjs. */
export function command(variant, port, fixturesFile) {
  return [PYTHON, fileURLToPath(new URL('../../peers/aiohttp_server.py', import.meta.url)), variant, String(port), fixturesFile];
}
