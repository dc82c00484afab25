import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { Application, ConnectionResetError, EventSourceResponse, sse } from '../../src/server/index.js';
import { serve } from '../helpers/server.js';

function getText(url: string, headers: Record<string, string> = {}): Promise<{ headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => resolve({ headers: r.headers, body }));
    }).on('error', reject);
  });
}

describe('Server-Sent Events', () => {
  it('sends events with multi-line data, id, event and retry, then ends', async (t) => {
    const app = new Application();
    app.router.addGet('/', async (request) => {
      const stream = await sse(request, { ping: 0 });
      await stream.send({ data: 'a\nb\r\nc', event: 'update', id: '7', retry: 1500 });
      await stream.send('plain');
      await stream.comment('note');
      return stream;
    });
    const s = await serve(app, t);
    const r = await getText(s.url);
    assert.equal(r.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.body, 'id: 7\nevent: update\nretry: 1500\ndata: a\ndata: b\ndata: c\n\ndata: plain\n\n: note\n\n');
  });

  it('refuses CR or LF in event and id', async () => {
    const resp = new EventSourceResponse();
    await assert.rejects(resp.send({ data: 'x', event: 'a\nb' }), TypeError);
    await assert.rejects(resp.send({ data: 'x', id: 'a\rb' }), TypeError);
  });

  it('pings with comments and gives lastEventId from the request', async (t) => {
    const app = new Application();
    let last: string | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    app.router.addGet('/', async (request) => {
      const stream = await sse(request, { ping: 0.02 });
      last = stream.lastEventId;
      await gate;
      await stream.writeEof();
      return stream;
    });
    const s = await serve(app, t);
    const body = await new Promise<string>((resolve, reject) => {
      http.get(s.url, { headers: { 'last-event-id': '41' } }, (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => {
          text += c;
          if (text.split(': ping\n\n').length >= 3) release();
        });
        r.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.equal(last, '41');
    assert.match(body, /^(: ping\n\n){2,}$/);
  });

  it('sees the client leave: signal aborted, send throws ConnectionResetError, waitClosed resolves', async (t) => {
    const app = new Application();
    let resolveDone!: (v: { aborted: boolean; error: unknown }) => void;
    const done = new Promise<{ aborted: boolean; error: unknown }>((r) => (resolveDone = r));
    app.router.addGet('/', async (request) => {
      const stream = await sse(request);
      const closed = stream.waitClosed();
      let error: unknown;
      try {
        for (let i = 0; i < 1000; i++) {
          await stream.send({ data: `tick ${i}` });
          await new Promise((r) => setTimeout(r, 10));
        }
      } catch (err) {
        error = err;
      }
      await closed;
      resolveDone({ aborted: request.signal.aborted, error });
      return stream;
    });
    const s = await serve(app, t);
    const req = http.get(s.url);
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    await once(res, 'data');
    req.destroy();
    const result = await done;
    assert.equal(result.aborted, true);
    assert.ok(result.error instanceof ConnectionResetError);
  });
});
