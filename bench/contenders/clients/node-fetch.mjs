// node-fetch 3 (node:http underneath, global keep-alive agent).
import { fetchClient } from './_fetch-like.mjs';

export const meta = { id: 'node-fetch', label: 'node-fetch', packages: ['node-fetch'], modes: ['get', 'post', 'download'] };

export async function create({ origin }) {
  const { default: fetch } = await import('node-fetch');
  return fetchClient(fetch, origin);
}
