"""Python aiohttp ClientSession as a client contender (same protocol as lib/client-child.mjs).

usage: /usr/bin/python3 peers/aiohttp_client.py '<json options>'
Default asyncio loop; one ClientSession with a TCPConnector(limit=concurrency).
"""
import asyncio
import hashlib
import json
import sys
import time

import aiohttp


async def drive(total, concurrency, once):
    started = 0

    async def worker():
        nonlocal started
        while started < total:
            started += 1
            await once()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, total))))


async def main(opts):
    fixtures = {}
    if opts.get("fixtures"):
        with open(opts["fixtures"]) as f:
            fixtures = json.load(f)
    origin = opts["origin"]
    connector = aiohttp.TCPConnector(limit=opts.get("concurrency", 100))
    async with aiohttp.ClientSession(connector=connector) as session:
        mode = opts["mode"]
        if mode in ("get", "post"):
            payload = fixtures.get("payload")

            async def once_get():
                async with session.get(origin + "/") as r:
                    return await r.text()

            async def once_post():
                async with session.post(origin + "/echo", json=payload) as r:
                    return await r.json()

            once = once_get if mode == "get" else once_post
            first = await once()
            want = "Hello, World!" if mode == "get" else payload
            if first != want:
                raise SystemExit("wrong response: %r" % (first,))
            await drive(opts["warmup"], opts["concurrency"], once)
            t0 = time.perf_counter()
            await drive(opts["total"], opts["concurrency"], once)
            seconds = time.perf_counter() - t0
            return {"requests": opts["total"], "seconds": seconds, "rps": opts["total"] / seconds}
        if mode == "download":

            async def download(nbytes):
                h = hashlib.sha256()
                got = 0
                async with session.get("%s/download?bytes=%d" % (origin, nbytes)) as r:
                    async for chunk in r.content.iter_chunked(65536):
                        h.update(chunk)
                        got += len(chunk)
                return got, h.hexdigest()

            warm, _ = await download(1048576)
            if warm != 1048576:
                raise SystemExit("warm-up download got %d bytes" % warm)
            sys.stdout.write("WARM {}\n")
            sys.stdout.flush()
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            t0 = time.perf_counter()
            got, sha = await download(opts["bytes"])
            seconds = time.perf_counter() - t0
            if got != opts["bytes"] or sha != opts["expectSha256"]:
                raise SystemExit("download mismatch: %d bytes, sha256 %s" % (got, sha))
            return {"bytes": got, "seconds": seconds, "mibPerSecond": got / 1048576 / seconds}
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    result = asyncio.run(main(json.loads(sys.argv[1])))
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
