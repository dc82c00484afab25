// Node's global fetch (the undici bundled with Node).
import { fetchClient } from './_fetch-like.mjs';

export const meta = { id: 'global-fetch', label: 'global fetch', packages: [], modes: ['get', 'post', 'download'] };

export async function create({ origin }) {
  return fetchClient(globalThis.fetch, origin);
}
