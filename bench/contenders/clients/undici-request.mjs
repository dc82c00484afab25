// undici.request with the default global Agent: the client ceiling.
import { createHash } from 'node:crypto';

export const meta = { id: 'undici-request', label: 'undici.request', packages: ['undici'], modes: ['get', 'post', 'download'] };

export async function create({ origin }) {
  const { request } = await import('undici');
  return {
    async get(path) {
      const { body } = await request(origin + path);
      return body.text();
    },
    async postJson(path, obj) {
      const { body } = await request(origin + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(obj),
      });
      return body.json();
    },
    async download(path) {
      const { body } = await request(origin + path);
      const h = createHash('sha256');
      let bytes = 0;
      for await (const chunk of body) { h.update(chunk); bytes += chunk.length; }
      return { bytes, sha256: h.digest('hex') };
    },
    async close() {},
  };
}
