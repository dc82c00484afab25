/** Loopback servers and raw-frame tools for the WebSocket tests. */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import type { WebSocketConnection } from '../../src/websocket/connection.js';
import { createServerSocket } from '../../src/websocket/ws-adapter.js';
import type { ServerSocketOptions } from '../../src/websocket/ws-adapter.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface WSTestServer {
  server: Server;
  port: number;
  url: string;
  /** Resolves with each server-side connection, in order. */
  nextConnection(): Promise<WebSocketConnection>;
  /** Handshake rejections seen by the server. */
  rejections: Error[];
}

/**
 * An http server on 127.0.0.1:0 whose 'upgrade' goes through createServerSocket; `handler` (if
 * given) runs on each connection, and its errors fail the test via `t.after`.
 */
export async function wsServer(
  t: TestContext,
  options: ServerSocketOptions = {},
  handler?: (conn: WebSocketConnection, req: IncomingMessage) => Promise<void> | void,
): Promise<WSTestServer> {
  const server = createServer((_req, res) => {
    res.writeHead(426).end();
  });
  const sockets = new Set<Duplex>();
  const waiting: ((c: WebSocketConnection) => void)[] = [];
  const ready: WebSocketConnection[] = [];
  const rejections: Error[] = [];
  const handlerErrors: unknown[] = [];
  const handlers: Promise<void>[] = [];
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    createServerSocket(req, socket, head, options).then(
      (conn) => {
        if (handler) {
          handlers.push(
            (async () => {
              try {
                await handler(conn, req);
              } catch (err) {
                handlerErrors.push(err);
              }
            })(),
          );
        }
        const w = waiting.shift();
        if (w) w(conn);
        else ready.push(conn);
      },
      (err: Error) => rejections.push(err),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  t.after(async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await Promise.all(handlers);
    if (handlerErrors.length > 0) throw handlerErrors[0];
  });
  return {
    server,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    rejections,
    nextConnection() {
      const c = ready.shift();
      if (c) return Promise.resolve(c);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** Builds one WebSocket frame; client frames are masked unless `mask: false`. */
export function frame(
  opcode: number,
  payload: Buffer | string,
  opts: { fin?: boolean; rsv1?: boolean; mask?: boolean } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = opts.mask ?? true;
  const b0 = ((opts.fin ?? true) ? 0x80 : 0) | (opts.rsv1 ? 0x40 : 0) | opcode;
  let header: Buffer;
  if (data.length < 126) {
    header = Buffer.from([b0, (mask ? 0x80 : 0) | data.length]);
  } else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = b0;
    header[1] = (mask ? 0x80 : 0) | 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = (mask ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  if (!mask) return Buffer.concat([header, data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = (data[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([header, key, masked]);
}

export interface ParsedFrame {
  opcode: number;
  fin: boolean;
  /** RSV1: set on a permessage-deflate compressed message. */
  rsv1: boolean;
  payload: Buffer;
}

/** Reads frames from a socket after the handshake; `next()` resolves with the next whole frame or null at EOF. */
export class FrameReader {
  #buf: Buffer;
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(socket: Socket, leftover: Buffer) {
    this.#buf = leftover;
    socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake?.();
    });
  }

  async next(): Promise<ParsedFrame | null> {
    for (;;) {
      const f = this.#tryParse();
      if (f) return f;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  /** Skips frames until a CLOSE arrives; resolves with its code (null if the socket ended first). */
  async closeCode(): Promise<number | null> {
    for (;;) {
      const f = await this.next();
      if (f === null) return null;
      if (f.opcode === 8) return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
    }
  }

  #tryParse(): ParsedFrame | null {
    const b = this.#buf;
    if (b.length < 2) return null;
    let len = (b[1] as number) & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      len = Number(b.readBigUInt64BE(2));
      off = 10;
    }
    const masked = ((b[1] as number) & 0x80) !== 0;
    const keyOff = off;
    if (masked) off += 4;
    if (b.length < off + len) return null;
    let payload = Buffer.from(b.subarray(off, off + len));
    if (masked) {
      const key = b.subarray(keyOff, keyOff + 4);
      payload = Buffer.from(payload.map((x, i) => x ^ (key[i % 4] as number)));
    }
    this.#buf = b.subarray(off + len);
    return { opcode: (b[0] as number) & 0x0f, fin: ((b[0] as number) & 0x80) !== 0, rsv1: ((b[0] as number) & 0x40) !== 0, payload };
  }
}

/** Opens a raw TCP socket and performs the client handshake by hand. */
export async function rawClient(
  t: TestContext,
  port: number,
  extraHeaders: string[] = [],
): Promise<{ socket: Socket; reader: FrameReader; response: string }> {
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  await once(socket, 'connect');
  const key = randomBytes(16).toString('base64');
  socket.write(
    [
      'GET /ws HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
      ...extraHeaders,
      '',
      '',
    ].join('\r\n'),
  );
  let buf = Buffer.alloc(0);
  while (!buf.includes('\r\n\r\n')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    buf = Buffer.concat([buf, chunk]);
  }
  const end = buf.indexOf('\r\n\r\n') + 4;
  const response = buf.subarray(0, end).toString('latin1');
  socket.pause();
  const reader = new FrameReader(socket, buf.subarray(end));
  socket.resume();
  return { socket, reader, response };
}

/**
 * A raw TCP server that accepts any WebSocket handshake and then only records what it gets:
 * it never answers pings or close frames. For heartbeat and close-timeout tests.
 */
export async function silentPeer(
  t: TestContext,
  options: {
    /** Replaces the 101 response; gets the computed Sec-WebSocket-Accept value. */
    response?: (accept: string) => string;
    /** Runs once the response is written. */
    onOpen?: (socket: Socket) => void;
  } = {},
): Promise<{ port: number; url: string; sockets: Socket[]; server: NetServer }> {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    let buf = '';
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString('latin1');
      if (!buf.includes('\r\n\r\n')) return;
      socket.removeListener('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buf)?.[1] ?? '';
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      socket.write(
        options.response?.(accept) ??
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.on('data', () => {});
      options.onOpen?.(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  return { port, url: `ws://127.0.0.1:${port}/`, sockets, server };
}
