"""Python aiohttp benchmark server (Debian's /usr/bin/python3 with python3-aiohttp).

usage: /usr/bin/python3 peers/aiohttp_server.py <variant> <port> <fixtures.json>
Prints `READY {json}` once listening. Default asyncio loop, access log off.
"""
import time

T0 = time.perf_counter()

import asyncio  # noqa: E402
import gc  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from aiohttp import web  # noqa: E402

HELLO = "Hello, World!"


async def hello(request):
    return web.Response(text=HELLO)


async def hello_name(request):
    return web.Response(text="Hello, " + request.match_info["name"])


async def json_handler(request):
    return web.json_response({"hello": "world"})


async def echo(request):
    return web.json_response(await request.json())


async def upload(request):
    h = hashlib.sha256()
    async for chunk in request.content.iter_chunked(65536):
        h.update(chunk)
    return web.Response(text=h.hexdigest())


async def ok(request):
    return web.Response(text="ok")


async def ws_echo(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        await ws.send_str(msg.data)
    return ws


@web.middleware
async def pass_through(request, handler):
    return await handler(request)


def process_age_ms():
    """Milliseconds since this process started (from /proc, 1/CLK_TCK resolution)."""
    with open("/proc/self/stat") as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return (uptime - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000


async def main(variant, port, fixtures):
    kwargs = {}
    if variant == "mw3":
        app = web.Application(middlewares=[pass_through, pass_through, pass_through])
        app.router.add_get("/", hello)
    else:
        app = web.Application()
    if variant in ("base", "memory", "ws"):
        app.router.add_get("/", hello)
        app.router.add_get("/hello/{name}", hello_name)
        app.router.add_get("/json", json_handler)
        app.router.add_post("/echo", echo)
        app.router.add_post("/upload", upload)
        app.router.add_static("/static/", fixtures["staticDir"])
        if variant == "ws":
            app.router.add_get("/ws", ws_echo)
        if variant == "memory":
            kwargs["keepalive_timeout"] = 120
    elif variant == "routes1000":
        for route in fixtures["routes"]:
            app.router.add_get(route, ok)
    elif variant != "mw3":
        raise SystemExit("unknown variant " + variant)
    runner = web.AppRunner(app, access_log=None, **kwargs)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    took = (time.perf_counter() - T0) * 1000
    ready = {"pid": os.getpid(), "importToListeningMs": took, "processStartToListeningMs": process_age_ms()}
    sys.stdout.write("READY " + json.dumps(ready) + "\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    # the runner holds our stdin open: EOF means it is gone, so do not outlive it
    # a `gc` line: collect now and answer GCDONE (the memory section's baseline)
    def on_stdin():
        data = os.read(sys.stdin.fileno(), 4096)
        if not data:
            loop.remove_reader(sys.stdin.fileno())
            stop.set()
        elif b"gc" in data:
            gc.collect()
            sys.stdout.write("GCDONE {}\n")
            sys.stdout.flush()

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    variant, port, fixtures_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(fixtures_file) as f:
        fixtures = json.load(f)
    asyncio.run(main(variant, port, fixtures))
