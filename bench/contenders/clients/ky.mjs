// ky with its defaults (on Node's global fetch).
import { createHash } from 'node:crypto';

export const meta = { id: 'ky', label: 'ky', packages: ['ky'], modes: ['get', 'post', 'download'] };

export async function create({ origin }) {
  const { default: ky } = await import('ky');
  const client = ky.create({ prefixUrl: origin });
  const rel = (path) => path.replace(/^\//, '');
  return {
    get: (path) => client.get(rel(path)).text(),
    postJson: (path, obj) => client.post(rel(path), { json: obj }).json(),
    async download(path) {
      const res = await client.get(rel(path));
      const h = createHash('sha256');
      let bytes = 0;
      for await (const chunk of res.body) { h.update(chunk); bytes += chunk.length; }
      return { bytes, sha256: h.digest('hex') };
    },
    async close() {},
  };
}
