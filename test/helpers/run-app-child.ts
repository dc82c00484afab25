/**
 * A child process for runApp tests: serves a small app on 127.0.0.1:0, prints the banner and its
 * lifecycle hooks on stdout. argv[2] is the mode: `tcp` (default) or a unix socket path.
 */
import * as web from '../../src/server/index.js';

const app = new web.Application();
app.router.addGet('/', () => new web.Response({ text: 'child ok' }));
app.router.addGet('/slow', async () => {
  console.log('slow started');
  await new Promise((r) => setTimeout(r, 300));
  return new web.Response({ text: 'slow done' });
});
app.onShutdown.push(() => void console.log('hook onShutdown'));
app.onCleanup.push(() => void console.log('hook onCleanup'));
const target = process.argv[2];
await web.runApp(app, target && target !== 'tcp'
  ? { path: target, accessLog: null }
  : { host: '127.0.0.1', port: 0, accessLog: (line) => console.log(`access ${line}`) });
console.log('runApp returned');
