/**
 * `aiohttp-ts/test-utils`, as aiohttp's `test_utils.py`: test servers, a test client (over loopback
 * or in-process) and mocked requests. Independent of the test runner.
 *
 * @module aiohttp-ts/test-utils
 */
// Our declarations use Buffer and node:* types: load Node's types for consumers even under
// `"types": []` (tsc --init's default); `preserve` keeps this line in the emitted .d.ts.
/// <reference types="node" preserve="true" />

// Servers
export { TestServer, RawTestServer, BaseTestServer, TestServerClosedError } from './test-server.js';
export type { TestServerOptions } from './test-server.js';

// Client
export { TestClient, testClient } from './test-client.js';
export type { TestClientOptions, TestContextLike } from './test-client.js';

// Unit tests of handlers
export { makeMockedRequest, mockedRequestOutput } from './mocked-request.js';
export type { MockedRequestOptions } from './mocked-request.js';

// In-memory transport
export { MemorySocket, memorySocketPair } from './memory-socket.js';
