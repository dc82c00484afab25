/** Notes §"自定义cookies" and the response's cookies: session cookies, and cookies a response sets. */
import { ClientSession, CookieJar } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

{
  // Cookies given to the session are sent with every request to any host.
  await using session = new ClientSession({ cookies: { cookies_are: 'working' } });
  await using response = await session.get(`${BASE}/cookies`);
  console.log(JSON.stringify(await response.json()));
}

{
  // As in aiohttp, the jar ignores cookies from IP-address hosts (127.0.0.1) unless it is `unsafe`.
  await using session = new ClientSession({ cookieJar: new CookieJar({ unsafe: true }) });
  // /cookies/set sets a cookie and redirects to /cookies; the cookie is on the first hop.
  await using response = await session.get(`${BASE}/cookies/set`, { params: { example_cookie_name: 'abc' } });
  const first = response.history[0];
  console.log(`set by ${first?.status}: example_cookie_name=${first?.cookies['example_cookie_name']?.value}`);
  // The session's jar stored it and sent it on the redirect.
  console.log(JSON.stringify(await response.json()));
}
