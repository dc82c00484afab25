/** A real browser (Debian's headless Chromium, driven by playwright-core) talking to our server's /ws. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { createDemoApp } from '../../src/demo/app.js';
import { Response } from '../../src/server/index.js';
import { serve } from '../helpers/server.js';
import { needs, peerPath } from '../helpers/peers.js';

const CHROMIUM = peerPath('chromium');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

// The page under test: it talks to /ws with the browser's own WebSocket and reports in the DOM.
const PAGE = `<!doctype html>
<meta charset="utf-8"><title>ws test</title>
<ul id="log"></ul>
<script>
  const log = (line) => { const li = document.createElement('li'); li.textContent = line; document.getElementById('log').append(li); };
  const ws = new WebSocket(new URL('/ws', location.href).href.replace(/^http/, 'ws'));
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => { log('open'); ws.send('hello 世界'); };
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') {
      log('text:' + e.data);
      if (e.data === 'hello 世界/answer') ws.send(new Uint8Array([0, 1, 255]));
    } else {
      log('binary:' + Array.from(new Uint8Array(e.data)).join(','));
      ws.send('close cmd');
    }
  };
  ws.onclose = (e) => log('close:' + e.code);
</script>`;

describe('WebSocket in headless Chromium', needs('chromium'), () => {
  // One browser for the file: starting Chromium is the slow part.
  let profile: string;
  let context: BrowserContext;
  before(async () => {
    profile = await mkdtemp(join(tmpdir(), 'aiohttp-ts-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  after(async () => {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('exchanges text and binary with the demo /ws and sees its close code', async (t) => {
    const app = createDemoApp();
    app.router.addGet('/test/ws-page', () => new Response({ text: PAGE, contentType: 'text/html' }));
    const { url } = await serve(app, t);
    const page = await context.newPage();
    t.after(() => page.close());
    await page.goto(`${url}/test/ws-page`);
    // Strings, not functions: they run in the page, and our tsconfig has no DOM types.
    await page.waitForFunction("document.getElementById('log').textContent.includes('close:')", undefined, { timeout: 15_000 });
    const lines = await page.evaluate<string[]>("Array.from(document.querySelectorAll('#log li'), (li) => li.textContent)");
    assert.deepEqual(lines, ['open', 'text:hello 世界/answer', 'binary:0,1,255', 'close:1000']);
  });

  it("drives the demo's chat page (/static/index.html): types, sends, sees the echo and the close", async (t) => {
    const { url } = await serve(createDemoApp(), t);
    const page = await context.newPage();
    t.after(() => page.close());
    await page.goto(`${url}/static/index.html`);
    await page.waitForFunction("document.getElementById('status').textContent.startsWith('connected')", undefined, { timeout: 15_000 });
    await page.fill('#text', 'hello from chromium');
    await page.click('#send');
    await page.waitForFunction(
      "Array.from(document.querySelectorAll('#messages li'), (li) => li.textContent).includes('hello from chromium/answer')",
      undefined,
      { timeout: 15_000 },
    );
    await page.fill('#text', 'close cmd');
    await page.click('#send');
    await page.waitForFunction("document.getElementById('status').textContent === 'closed (1000)'", undefined, { timeout: 15_000 });
    const lines = await page.evaluate<string[]>("Array.from(document.querySelectorAll('#messages li'), (li) => li.textContent)");
    assert.deepEqual(lines, ['hello from chromium', 'hello from chromium/answer', 'close cmd']);
  });

  it("reads the demo's /sse with the browser's EventSource: five ticks, then the stream ends", async (t) => {
    const app = createDemoApp();
    app.router.addGet('/test/sse-page', () => new Response({ contentType: 'text/html', text: `<!doctype html>
<meta charset="utf-8"><title>sse test</title><ul id="log"></ul>
<script>
  const log = (line) => { const li = document.createElement('li'); li.textContent = line; document.getElementById('log').append(li); };
  const es = new EventSource('/sse');
  es.onmessage = (e) => log(e.data);
  // The demo ends the stream after five events; EventSource reports that as an error (and would reconnect).
  es.onerror = () => { es.close(); log('ended'); };
</script>` }));
    const { url } = await serve(app, t);
    const page = await context.newPage();
    t.after(() => page.close());
    await page.goto(`${url}/test/sse-page`);
    await page.waitForFunction("document.getElementById('log').textContent.includes('ended')", undefined, { timeout: 15_000 });
    const lines = await page.evaluate<string[]>("Array.from(document.querySelectorAll('#log li'), (li) => li.textContent)");
    assert.deepEqual(lines, ['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5', 'ended']);
  });
});
