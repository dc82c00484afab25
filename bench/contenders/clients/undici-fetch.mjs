// fetch from the undici 7 package.
import { fetchClient } from './_fetch-like.mjs';

export const meta = { id: 'undici-fetch', label: 'undici fetch', packages: ['undici'], modes: ['get', 'post', 'download'] };

export async function create({ origin }) {
  const { fetch } = await import('undici');
  return fetchClient(fetch, origin);
}
