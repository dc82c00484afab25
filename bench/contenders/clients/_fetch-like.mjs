// Shared body of the fetch-shaped contenders (undici fetch, global fetch, node-fetch).
// Not a contender itself: the runner skips files starting with "_".
import { createHash } from 'node:crypto';

export function fetchClient(fetch, origin) {
  return {
    async get(path) {
      const res = await fetch(origin + path);
      return res.text();
    },
    async postJson(path, obj) {
      const res = await fetch(origin + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(obj),
      });
      return res.json();
    },
    async download(path) {
      const res = await fetch(origin + path);
      const h = createHash('sha256');
      let bytes = 0;
      for await (const chunk of res.body) { h.update(chunk); bytes += chunk.length; }
      return { bytes, sha256: h.digest('hex') };
    },
    async close() {},
  };
}
