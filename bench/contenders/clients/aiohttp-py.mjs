// Python aiohttp ClientSession (Debian python3-aiohttp on /usr/bin/python3), default asyncio loop.
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../servers/aiohttp-py.mjs';

export const meta = { id: 'aiohttp-py', label: 'aiohttp (Python)', python: 'aiohttp', modes: ['get', 'post', 'download'] };

/** An external contender: the runner spawns this argv instead of lib/client-child.mjs. */
export function command(opts) {
  return [PYTHON, fileURLToPath(new URL('../../peers/aiohttp_client.py', import.meta.url)), JSON.stringify(opts)];
}
