// The `ws` package's client: WebSocket-only contender (the raw ws ceiling's client side). It does not
// offer permessage-deflate, so every server it meets speaks the same uncompressed frames as the raw
// ws server (which never accepts it by default); ws-deflate.mjs is the same client with ws's default offer.
export const meta = { id: 'ws', label: 'ws', packages: ['ws'], modes: ['ws'] };

export function create() {
  return createWsClient({ perMessageDeflate: false });
}

/** A ws-client contender with the given ws ClientOptions (shared with ws-deflate.mjs). */
export async function createWsClient(options) {
  const { WebSocket } = await import('ws');
  return {
    wsConnect(url) {
      return new Promise((resolve, reject) => {
        const sock = new WebSocket(url, options);
        const queue = [];
        let waiter = null;
        let closed = null;
        sock.on('message', (data) => {
          const s = data.toString();
          if (waiter) { const w = waiter; waiter = null; w.resolve(s); } else queue.push(s);
        });
        sock.on('close', (code) => {
          closed = new Error(`ws closed by the server (${code})`);
          if (waiter) { const w = waiter; waiter = null; w.reject(closed); }
        });
        sock.once('error', reject);
        sock.once('open', () => resolve({
          send: (s) => sock.send(s),
          receive: () => {
            if (queue.length) return Promise.resolve(queue.shift());
            if (closed) return Promise.reject(closed);
            return new Promise((res, rej) => { waiter = { resolve: res, reject: rej }; });
          },
          close: () => new Promise((r) => { sock.once('close', r); sock.close(); }),
        }));
      });
    },
    async close() {},
  };
}
