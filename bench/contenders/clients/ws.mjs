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
        sock.on('message', (data) => {
          const s = data.toString();
          if (waiter) { const w = waiter; waiter = null; w(s); } else queue.push(s);
        });
        sock.once('error', reject);
        sock.once('open', () => resolve({
          send: (s) => sock.send(s),
          receive: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => { waiter = r; })),
          close: () => new Promise((r) => { sock.once('close', r); sock.close(); }),
        }));
      });
    },
    async close() {},
  };
}
