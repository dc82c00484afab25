// aiohttp-ts ClientSession (this repository, built to ../dist). Skipped until dist exports it.
import { createHash } from 'node:crypto';
import { loadPackage, NotBuiltError } from '../../lib/aiohttp-ts.mjs';

export const meta = {
  id: 'aiohttp-ts',
  label: 'aiohttp-ts',
  packages: ['aiohttp-ts'],
  requiresBuild: true,
  modes: ['get', 'post', 'download', 'ws'],
};

export async function create({ origin }) {
  const { ClientSession } = await loadPackage(['ClientSession']);
  const session = new ClientSession();
  return {
    async get(path) {
      const r = await session.get(origin + path);
      return (await r.read()).toString();
    },
    async postJson(path, obj) {
      const r = await session.post(origin + path, { json: obj });
      return r.json();
    },
    async download(path) {
      const r = await session.get(origin + path);
      const h = createHash('sha256');
      let bytes = 0;
      for await (const chunk of r.content.iterChunked(65536)) { h.update(chunk); bytes += chunk.length; }
      return { bytes, sha256: h.digest('hex') };
    },
    async wsConnect(url) {
      if (typeof session.wsConnect !== 'function') throw new NotBuiltError('ClientSession has no wsConnect yet');
      const ws = await session.wsConnect(url);
      return {
        send: (s) => ws.sendStr(s),
        receive: async () => (await ws.receive()).data,
        close: () => ws.close(),
      };
    },
    close: () => session.close(),
  };
}
