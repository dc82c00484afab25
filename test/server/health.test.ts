import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import * as web from '../../src/server/index.js';

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('healthRoutes', () => {
  it('is ready after startup, follows checks and setReady, and turns not ready at shutdown', async () => {
    const app = new web.Application();
    let dbUp = true;
    const health = web.healthRoutes(app, { checks: [() => dbUp] });
    assert.equal(health.ready, false);
    let readyDuringShutdown: boolean | undefined;
    app.onShutdown.push(async () => void (readyDuringShutdown = await health.check()));
    const runner = new web.AppRunner(app);
    await runner.setup();
    try {
      const site = new web.TCPSite(runner, '127.0.0.1', 0);
      await site.start();
      assert.equal(await status(site.port, '/healthz'), 200);
      assert.equal(await status(site.port, '/readyz'), 200);
      dbUp = false;
      assert.equal(await status(site.port, '/readyz'), 503);
      assert.equal(await status(site.port, '/healthz'), 200);
      dbUp = true;
      health.setReady(false);
      assert.equal(await status(site.port, '/readyz'), 503);
      health.setReady(true);
      assert.equal(await status(site.port, '/readyz'), 200);
    } finally {
      await runner.cleanup();
    }
    assert.equal(readyDuringShutdown, false);
    assert.equal(health.ready, false);
  });
});
