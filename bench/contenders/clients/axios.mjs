// axios with its defaults (node:http adapter, Node's global keep-alive agent).
import { createHash } from 'node:crypto';

export const meta = { id: 'axios', label: 'axios', packages: ['axios'], modes: ['get', 'post', 'download'] };

export async function create({ origin }) {
  const { default: axios } = await import('axios');
  const client = axios.create({ baseURL: origin });
  return {
    async get(path) { return (await client.get(path, { responseType: 'text' })).data; },
    async postJson(path, obj) { return (await client.post(path, obj)).data; },
    async download(path) {
      const res = await client.get(path, { responseType: 'stream' });
      const h = createHash('sha256');
      let bytes = 0;
      for await (const chunk of res.data) { h.update(chunk); bytes += chunk.length; }
      return { bytes, sha256: h.digest('hex') };
    },
    async close() {},
  };
}
