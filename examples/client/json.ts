/** Notes §"JSON请求和响应" (JSON requests and responses), including the text/json mimetype check. */
import { ClientSession, ContentTypeError } from '../../src/index.js';

const BASE = process.env['DEMO_URL'] ?? 'http://localhost:8080';

{
  await using session = new ClientSession();
  // POST / answers {"status": "ok"} with Content-Type text/json;charset=utf-8, as the notes' server.
  await using response = await session.post(`${BASE}/`, { json: { test: 'object' } });
  try {
    console.log(await response.json());
  } catch (err) {
    if (!(err instanceof ContentTypeError)) throw err;
    console.log(`exception: ${err.message}`);
    console.log('===================================');
    console.log(`status: ${response.status}`);
    // The body was read by json(); it is still there for text() and json().
    console.log(await response.text());
    // contentType: null skips the mimetype check.
    console.log(await response.json({ contentType: null }));
  }
}

{
  // jsonSerialize replaces JSON.stringify for every `json:` body of the session (ujson.dumps in the notes).
  await using session = new ClientSession({ jsonSerialize: (value) => JSON.stringify(value, null, 2) });
  await using response = await session.post(`${BASE}/anything`, { json: { test: 'object' } });
  const echo = await response.json<{ data: string; json: unknown }>();
  console.log(JSON.stringify(echo.data));
  console.log(echo.json);
}
