#!/usr/bin/env bash
# The benchmark's smoke pass for CI (issue 7): installs what the bench needs (Debian's wrk and
# python3-aiohttp, the peers from bench/package-lock.json), then runs `run.mjs --quick`.
# It asserts only that every contender ran and answered correctly, never a speed.
# Extra arguments go to run.mjs, e.g. `bash bench/ci.sh --require-all` once dist/ is built.
set -euo pipefail
cd "$(dirname "$0")"
need=()
[ -x /usr/bin/wrk ] || need+=(wrk)
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || need+=(python3-aiohttp)
command -v taskset >/dev/null || need+=(util-linux)
[ -x /usr/bin/openssl ] || need+=(openssl)   # the self-signed certificate of the HTTP/2 client modes
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec node run.mjs --quick "$@"
