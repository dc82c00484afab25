// node:http.request with a keep-alive http.Agent, body collected by hand.
import http from 'node:http';
import { createHash } from 'node:crypto';

export const meta = { id: 'node-http-agent', label: 'node:http Agent', packages: [], modes: ['get', 'post', 'download'] };

export async function create({ origin }) {
  const agent = new http.Agent({ keepAlive: true });
  const call = (path, method, body, headers, onRes) => new Promise((resolve, reject) => {
    const req = http.request(origin + path, { method, agent, headers }, (res) => onRes(res).then(resolve, reject));
    req.on('error', reject);
    req.end(body);
  });
  const collect = (res) => new Promise((resolve, reject) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    res.on('error', reject);
  });
  return {
    get: (path) => call(path, 'GET', undefined, undefined, collect),
    postJson: (path, obj) => {
      const body = JSON.stringify(obj);
      return call(path, 'POST', body, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        async (res) => JSON.parse(await collect(res)));
    },
    download: (path) => call(path, 'GET', undefined, undefined, async (res) => {
      const h = createHash('sha256');
      let bytes = 0;
      for await (const chunk of res) { h.update(chunk); bytes += chunk.length; }
      return { bytes, sha256: h.digest('hex') };
    }),
    async close() { agent.destroy(); },
  };
}
