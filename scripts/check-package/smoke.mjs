// Runtime smoke of the installed package through `import`: every export path loads, a tiny server
// answers the client, and everything closes.
import * as root from 'aiohttp-ts';
import * as web from 'aiohttp-ts/web';
import * as client from 'aiohttp-ts/client';
import * as testUtils from 'aiohttp-ts/test-utils';
import { roundTrip } from './round-trip.mjs';

await roundTrip('import', { root, web, client, testUtils });
