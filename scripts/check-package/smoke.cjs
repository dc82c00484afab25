// Runtime smoke of the installed package through `require()` of ESM (Node 20.19+ / 22.12+): works only
// while the package has no top-level await.
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- the point of this file */
const root = require('aiohttp-ts');
const web = require('aiohttp-ts/web');
const client = require('aiohttp-ts/client');
const testUtils = require('aiohttp-ts/test-utils');

import('./round-trip.mjs')
  .then(({ roundTrip }) => roundTrip('require', { root, web, client, testUtils }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
