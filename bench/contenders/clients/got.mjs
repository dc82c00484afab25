// got 14 with its defaults.
import { createHash } from 'node:crypto';

export const meta = { id: 'got', label: 'got', packages: ['got'], modes: ['get', 'post', 'download'] };

export async function create({ origin }) {
  const { default: got } = await import('got');
  const client = got.extend({ prefixUrl: origin });
  const rel = (path) => path.replace(/^\//, '');
  return {
    get: (path) => client.get(rel(path)).text(),
    postJson: (path, obj) => client.post(rel(path), { json: obj }).json(),
    async download(path) {
      const h = createHash('sha256');
      let bytes = 0;
      for await (const chunk of client.stream(rel(path))) { h.update(chunk); bytes += chunk.length; }
      return { bytes, sha256: h.digest('hex') };
    },
    async close() {},
  };
}
