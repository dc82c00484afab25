// The `ws` client with its default permessage-deflate offer: paired only with servers that accept
// it by default (aiohttp, aiohttp-ts), for the extra "compress on" rows of the WebSocket section.
import { createWsClient } from './ws.mjs';

export const meta = { id: 'ws-deflate', label: 'ws (offering permessage-deflate)', packages: ['ws'], modes: ['ws'] };

export function create() {
  return createWsClient({});
}
