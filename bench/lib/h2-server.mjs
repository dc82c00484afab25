// The TLS server of the client HTTP/2 scenarios: node:http2 with allowHTTP1, so ALPN picks h2 or
// http/1.1 per connection. GET / answers `Hello, World!`, POST /echo parses and returns the JSON.
// usage: node lib/h2-server.mjs <port> <key.pem> <cert.pem>
// Prints `READY {...}` once listening. Each line `COUNTS` on stdin prints
// `COUNTS {"requests":{"1.1":n,"2.0":m},"connections":k}` (what it saw since the last COUNTS) and
// resets, so the runner can check that an "HTTP/2" run really spoke HTTP/2.
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [portArg, keyFile, certFile] = process.argv.slice(2);
const HELLO = 'Hello, World!';
const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(HELLO)) };

let requests = {};
let connections = 0;

async function echo(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const out = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(out)) }).end(out);
}

const server = http2.createSecureServer({ key: readFileSync(keyFile), cert: readFileSync(certFile), allowHTTP1: true }, (req, res) => {
  requests[req.httpVersion] = (requests[req.httpVersion] ?? 0) + 1;
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, TEXT).end(HELLO);
  } else if (req.method === 'POST' && req.url === '/echo') {
    echo(req, res).catch(() => res.destroy());
  } else {
    res.writeHead(404, { 'content-length': '0' }).end();
  }
});
server.on('secureConnection', () => { connections++; });
server.listen(Number(portArg), '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ pid: process.pid })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
// the runner holds our stdin open: EOF means it is gone, so do not outlive it
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() !== 'COUNTS') return;
  process.stdout.write(`COUNTS ${JSON.stringify({ requests, connections })}\n`);
  requests = {};
  connections = 0;
});
rl.on('close', stop);
