/**
 * The outside programs some tests drive as real peers (curl, openssl, nginx, Chromium, Python's
 * aiohttp and httpbin), found once per test process, before any test runs.
 *
 * A test that needs one declares it in its options: `it('…', needs('curl'), …)` or
 * `describe('…', needs('nginx'), …)`.
 * - Peer present: the test runs.
 * - Peer missing, `CI` unset: the test is skipped with a reason naming the program and the command
 *   that installs it; the summary reporter (scripts/peer-summary-reporter.mjs) counts these skips
 *   and prints one line at the end of `npm test`.
 * - Peer missing, `CI=true` (as `.ci/run` runs): nothing is skipped. A failing test
 *   "outside peer present: NAME" is added beside the ones that need it, so CI proves every peer ran.
 *
 * Each peer's path can be pointed elsewhere with `AIOHTTP_TS_PEER_<NAME>` (NAME upper-cased, `-`
 * as `_`, e.g. `AIOHTTP_TS_PEER_NGINX=/nowhere`): the tests use the path this lookup returns, so
 * pointing it at nothing hides the peer exactly as a machine without it would.
 */
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { TestOptions } from 'node:test';

/** Marks a skip reason as a missing peer, for the summary reporter. Keep in sync with the reporter. */
export const SKIP_PREFIX = 'outside peer missing:';

export type PeerName = 'curl' | 'openssl' | 'nginx' | 'chromium' | 'python3-aiohttp' | 'python3-httpbin';

interface PeerSpec {
  /** The program the tests run. */
  readonly path: string;
  /** What a human calls it in a skip reason. */
  readonly program: string;
  /** Debian's package. */
  readonly apt: string;
  /** A Python module the program must be able to import, for the Python peers. */
  readonly pythonModule?: string;
}

const SPECS: Readonly<Record<PeerName, PeerSpec>> = {
  curl: { path: '/usr/bin/curl', program: 'curl', apt: 'curl' },
  openssl: { path: '/usr/bin/openssl', program: 'openssl', apt: 'openssl' },
  nginx: { path: '/usr/sbin/nginx', program: 'nginx', apt: 'nginx' },
  chromium: { path: '/usr/bin/chromium', program: 'chromium', apt: 'chromium' },
  'python3-aiohttp': { path: '/usr/bin/python3', program: "Python's aiohttp", apt: 'python3-aiohttp', pythonModule: 'aiohttp' },
  'python3-httpbin': { path: '/usr/bin/python3', program: 'httpbin', apt: 'python3-httpbin', pythonModule: 'httpbin' },
};

export const PEER_NAMES = Object.keys(SPECS) as PeerName[];

export interface PeerStatus {
  readonly name: PeerName;
  /** The program to run (after any `AIOHTTP_TS_PEER_*` override). */
  readonly path: string;
  readonly available: boolean;
  /** Why it is missing, with the command that installs it; '' when available. */
  readonly reason: string;
  /** The command that installs it on Debian/Ubuntu. */
  readonly install: string;
}

function envKey(name: PeerName): string {
  return `AIOHTTP_TS_PEER_${name.toUpperCase().replace(/-/g, '_')}`;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether CI=true (or any non-empty value other than 'false'/'0') asks for every peer. */
export function ciRequiresPeers(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== 'false' && ci !== '0';
}

/** Looks one peer up, without the cache: used by the cache and by the tests of this module. */
export function probePeer(name: PeerName, env: NodeJS.ProcessEnv = process.env): PeerStatus {
  const spec = SPECS[name];
  const path = env[envKey(name)] || spec.path;
  const install = `sudo apt-get install ${spec.apt}`;
  const missing = (why: string): PeerStatus => ({
    name,
    path,
    available: false,
    reason: `${SKIP_PREFIX} ${spec.program} (${why}); install it with: ${install}`,
    install,
  });
  if (!isExecutable(path)) return missing(`no ${path}`);
  if (spec.pythonModule !== undefined) {
    const r = spawnSync(path, ['-c', `import ${spec.pythonModule}`], { stdio: 'ignore', timeout: 30_000 });
    if (r.status !== 0) return missing(`${path} cannot import ${spec.pythonModule}`);
  }
  return { name, path, available: true, reason: '', install };
}

const cache = new Map<PeerName, PeerStatus>();

/** One peer's status, looked up once per process. */
export function peer(name: PeerName): PeerStatus {
  let status = cache.get(name);
  if (status === undefined) {
    status = probePeer(name);
    cache.set(name, status);
  }
  return status;
}

/** The program path the tests run for a peer (after any override). */
export function peerPath(name: PeerName): string {
  return peer(name).path;
}

const reported = new Set<PeerName>();

/**
 * Test options for a test or suite that needs these peers: `{}` when all are present; a skip naming
 * the missing ones locally; under CI=true no skip, and one failing test per missing peer.
 */
export function needs(...names: PeerName[]): TestOptions {
  const missing = names.map(peer).filter((s) => !s.available);
  if (missing.length === 0) return {};
  if (!ciRequiresPeers()) return { skip: missing.map((s) => s.reason).join('; ') };
  for (const s of missing) {
    if (reported.has(s.name)) continue;
    reported.add(s.name);
    test(`outside peer present: ${s.name}`, () => {
      throw new Error(`CI=true requires every outside peer, and ${s.reason.slice(SKIP_PREFIX.length + 1)}`);
    });
  }
  return {};
}

// `node build/test/helpers/peers.js` prints the table (pretest runs it, so `npm test` says up front
// which peers it found).
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const rows = PEER_NAMES.map((n) => probePeer(n));
  const line = rows.map((s) => `${s.name} ${s.available ? 'yes' : 'no'}`).join(', ');
  console.log(`outside peers: ${line}`);
  const absent = rows.filter((s) => !s.available);
  if (absent.length > 0) {
    const apt = [...new Set(absent.map((s) => SPECS[s.name].apt))].join(' ');
    console.log(
      ciRequiresPeers()
        ? `CI=true: the tests that need ${absent.map((s) => s.name).join(', ')} will fail`
        : `the tests that need them are skipped; install all with: sudo apt-get install ${apt} (see CONTRIBUTING.md)`,
    );
  }
}
