// The `ws` package's client: WebSocket-only contender (the raw ws ceiling's client side).
export const meta = { id: 'ws', label: 'ws', packages: ['ws'], modes: ['ws'] };

export async function create() {
  const { WebSocket } = await import('ws');
  return {
    wsConnect(url) {
      return new Promise((resolve, reject) => {
        const sock = new WebSocket(url);
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
