"""A round-robin load balancer in front of webhook workers, for process tests."""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web

from tests.servers import closed_port


async def balancer_for(ports: list[int], path: str) -> tuple[web.AppRunner, int]:
    """Round robin over the workers; a dead worker is skipped, like a load balancer would."""
    turn = itertools.cycle(range(len(ports)))
    client = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        start = next(turn)
        for i in range(len(ports)):
            port = ports[(start + i) % len(ports)]
            try:
                async with client.post(f"http://127.0.0.1:{port}{path}", data=body, headers={
                    "X-Telegram-Bot-Api-Secret-Token": request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""),
                    "Content-Type": "application/json",
                }) as answer:  # fmt: skip
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientError:
                continue
        return web.Response(status=502)

    async def close(_app: web.Application) -> None:
        await client.close()

    app = web.Application()
    app.router.add_post(path, forward)
    app.on_cleanup.append(close)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = closed_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, port
