// The clients of the HTTP/2 scenarios, loaded by lib/client-child.mjs like a contender module. Which
// client and how it is set up come from the child's own options (argv[2], written by h2-bench.mjs),
// since client-child passes create() only the origin:
//   { client: 'aiohttp-ts' | 'undici-request', http2: boolean, pipelining?: number, caFile }
import { readFileSync } from 'node:fs';
import { loadPackage } from './aiohttp-ts.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}');

export const meta = { id: `${opts.client}-h2`, requiresBuild: opts.client === 'aiohttp-ts' };

export async function create({ origin }) {
  const ca = readFileSync(opts.caFile);
  if (opts.client === 'aiohttp-ts') {
    const { ClientSession, TCPConnector } = await loadPackage(['ClientSession', 'TCPConnector']);
    const session = new ClientSession({ connector: new TCPConnector({ ca, http2: opts.http2 }) });
    return {
      get: (path) => session.get(origin + path).then((r) => r.text()),
      postJson: (path, obj) => session.post(origin + path, { json: obj }).then((r) => r.json()),
      close: () => session.close(),
    };
  }
  if (opts.client === 'undici-request') {
    const { Agent, request } = await import('undici');
    const agentOpts = { allowH2: opts.http2, connect: { ca } };
    // undici 7 gates h2 streams per connection by `pipelining` (nodejs/undici#4143): > 1 multiplexes
    if (opts.pipelining) Object.assign(agentOpts, { pipelining: opts.pipelining, connections: 1 });
    const dispatcher = new Agent(agentOpts);
    return {
      async get(path) {
        const { body } = await request(origin + path, { dispatcher });
        return body.text();
      },
      async postJson(path, obj) {
        const { body } = await request(origin + path, {
          dispatcher,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(obj),
        });
        return body.json();
      },
      close: () => dispatcher.close(),
    };
  }
  throw new Error(`h2-clients: unknown client ${opts.client}`);
}
