import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as web from '../../src/server/index.js';
import { serve } from '../helpers/server.js';

describe('View', () => {
  it('dispatches by method and answers 405 with the verbs the class defines', async (t) => {
    class Item extends web.View {
      get(): web.Response {
        return new web.Response({ text: `get ${this.request.matchInfo['id']}` });
      }
      async post(): Promise<web.Response> {
        return new web.Response({ text: `post ${await this.request.text()}` });
      }
    }
    const app = new web.Application();
    app.router.addView('/items/{id}', Item);
    app.addRoutes([web.view('/other', Item)]);
    const { url } = await serve(app, t);
    assert.equal(await (await fetch(`${url}/items/3`)).text(), 'get 3');
    assert.equal(await (await fetch(`${url}/items/3`, { method: 'POST', body: 'b' })).text(), 'post b');
    const na = await fetch(`${url}/other`, { method: 'DELETE' });
    assert.equal(na.status, 405);
    assert.equal(na.headers.get('allow'), 'GET,POST');
  });
});
