// Raw node:http: the ceiling. No router (a switch on the URL), no framework.
// (e) 1,000 routes: no routing at all, so it is the transport ceiling, not a router.
// (f) static: `fs.createReadStream(file).pipe(res)` after a stat, the raw baseline of issue 7.
// ws variant: `ws`'s WebSocketServer on a node:http server (the raw ws ceiling).
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const meta = {
  id: 'node-http',
  label: 'node:http',
  wsLabel: 'ws (raw, on node:http)',
  packages: [],
  variants: ['base', 'routes1000', 'mw3', 'ws', 'memory'],
};

const HELLO = 'Hello, World!';
const TEXT = { 'content-type': 'text/plain; charset=utf-8' };
const JSONCT = { 'content-type': 'application/json; charset=utf-8' };

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function upload(req, res) {
  const h = createHash('sha256');
  for await (const chunk of req) h.update(chunk);
  res.writeHead(200, TEXT).end(h.digest('hex'));
}

// GET /download?bytes=N: N bytes (a multiple of 64 KiB) of the fixture chunk, with backpressure.
let CHUNK;
async function download(res, bytes) {
  CHUNK ??= (await import('../../lib/fixtures.mjs')).makeChunk();
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      sent += CHUNK.length;
      if (!res.write(CHUNK)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

export async function start(variant, { host, port, fixtures }) {
  const staticDir = fixtures.staticDir;
  let handler;
  if (variant === 'base' || variant === 'memory' || variant === 'ws') {
    handler = (req, res) => {
      const url = req.url;
      if (req.method === 'GET') {
        if (url === '/') return res.writeHead(200, TEXT).end(HELLO);
        if (url === '/json') return res.writeHead(200, JSONCT).end(JSON.stringify({ hello: 'world' }));
        if (url.startsWith('/hello/')) return res.writeHead(200, TEXT).end(`Hello, ${decodeURIComponent(url.slice(7))}`);
        if (url.startsWith('/download?bytes=')) return download(res, Number(url.slice(16)));
        if (url.startsWith('/static/')) {
          const file = join(staticDir, url.slice(8));
          return stat(file).then(
            (st) => {
              res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size });
              createReadStream(file).pipe(res);
            },
            () => res.writeHead(404).end(),
          );
        }
      } else if (req.method === 'POST') {
        if (url === '/echo') {
          return readBody(req).then((b) => res.writeHead(200, JSONCT).end(JSON.stringify(JSON.parse(b.toString()))));
        }
        if (url === '/upload') return upload(req, res);
      }
      res.writeHead(404).end();
    };
  } else if (variant === 'routes1000') {
    handler = (req, res) => res.writeHead(200, TEXT).end('ok');
  } else if (variant === 'mw3') {
    const mws = [
      (req, res, next) => next(),
      (req, res, next) => next(),
      (req, res, next) => next(),
    ];
    const final = (req, res) => res.writeHead(200, TEXT).end(HELLO);
    handler = (req, res) => {
      let i = 0;
      const next = () => (i < mws.length ? mws[i++](req, res, next) : final(req, res));
      next();
    };
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
  const server = http.createServer(handler);
  if (variant === 'memory') server.keepAliveTimeout = 120_000;
  let wss;
  if (variant === 'ws') {
    const { WebSocketServer } = await import('ws');
    wss = new WebSocketServer({ server, path: '/ws' });
    wss.on('connection', (sock) => sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary })));
  }
  await new Promise((resolve) => server.listen(port, host, resolve));
  return {
    close: () => new Promise((resolve) => { wss?.close(); server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
