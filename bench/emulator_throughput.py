"""Throughput of the local Bot API emulator (packages/botapi-emulator).

Starts the emulator in this process and drives it from a separate client process
(N concurrent aiohttp clients, urlencoded bodies like aiogram sends) for a few
seconds per phase, with flood control off:

    baseline  a bare aiohttp handler that parses the form and answers {"ok":true}
    getMe     the emulator's cheapest method (routing, token check, spec lookup)
    sendMessage plain text to 200 private chats
    sendMessage with parse_mode=HTML and a two-button inline keyboard

Prints requests/s (best of --rounds), the ratio to the 2,000 req/s target and to
the baselines. Run: python bench/emulator_throughput.py [--seconds 3] [--clients 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botapi_emulator import DEFAULT_TOKEN, Emulator  # noqa: E402

TARGET_RPS = 2000
KEYBOARD = json.dumps(
    {
        "inline_keyboard": [
            [
                {"text": "Yes", "callback_data": "vote:1:yes"},
                {"text": "No", "callback_data": "vote:1:no"},
            ]
        ]
    }
)


def _client(url: str, bodies: list[dict[str, str]], seconds: float, clients: int, out: Any) -> None:
    async def run() -> tuple[int, int, float]:
        done = errors = 0
        connector = aiohttp.TCPConnector(limit=clients)
        async with aiohttp.ClientSession(connector=connector) as session:
            end = time.perf_counter() + seconds

            async def worker(offset: int) -> None:
                nonlocal done, errors
                i = offset
                while time.perf_counter() < end:
                    async with session.post(url, data=bodies[i % len(bodies)]) as response:
                        await response.read()
                        if response.status != 200:
                            errors += 1
                    done += 1
                    i += clients

            start = time.perf_counter()
            await asyncio.gather(*(worker(k) for k in range(clients)))
            return done, errors, time.perf_counter() - start

    out.put(asyncio.run(run()))


async def _measure(
    url: str, bodies: list[dict[str, str]], seconds: float, clients: int
) -> tuple[float, int]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_client, args=(url, bodies, seconds, clients, queue))
    process.start()
    loop = asyncio.get_running_loop()
    done, errors, elapsed = await loop.run_in_executor(None, queue.get)
    await loop.run_in_executor(None, process.join)
    return done / elapsed, errors


async def _baseline_server() -> tuple[web.AppRunner, str]:
    async def hello(request: web.Request) -> web.Response:
        await request.post()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/hello", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/hello"


async def main(seconds: float, clients: int, rounds: int) -> None:
    load = os.getloadavg()[0]
    runner, hello_url = await _baseline_server()
    async with Emulator(DEFAULT_TOKEN, bot_username="bench_bot") as emu:
        users = [emu.create_user(f"User {i}") for i in range(200)]
        api = f"{emu.api_url}/bot{emu.token}"
        plain = [
            {"chat_id": str(u.id), "text": f"Hello {u.first_name}, here is your weekly survey."}
            for u in users
        ]
        rich = [
            {
                **body,
                "text": f"<b>Hello</b> {u.first_name}, here is your <i>weekly</i> survey.",
                "parse_mode": "HTML",
                "reply_markup": KEYBOARD,
            }
            for body, u in zip(plain, users, strict=True)
        ]
        phases = [
            ("baseline: bare aiohttp handler", hello_url, [{"a": "1"}]),
            ("getMe", f"{api}/getMe", [{}]),
            ("sendMessage (plain text)", f"{api}/sendMessage", plain),
            ("sendMessage (HTML + inline keyboard)", f"{api}/sendMessage", rich),
        ]
        results: dict[str, float] = {}
        for round_number in range(rounds):
            for name, url, bodies in phases:
                rps, errors = await _measure(url, bodies, seconds, clients)
                results[name] = max(rps, results.get(name, 0.0))
                print(f"round {round_number + 1}  {name:40s} {rps:9.0f} req/s  errors={errors}")
        emu.assert_no_rejections()
        stored = sum(len(c.messages) for c in emu.world.chats.values())
    await runner.cleanup()

    hello = results["baseline: bare aiohttp handler"]
    get_me = results["getMe"]
    print(
        f"\nbest of {rounds} round(s); messages stored: {stored}; clients: {clients}; "
        f"{seconds:g}s per phase; load average before the run: {load:.2f}"
    )
    for name in ("sendMessage (plain text)", "sendMessage (HTML + inline keyboard)"):
        rps = results[name]
        print(
            f"{name}: {rps / TARGET_RPS:.2f}x the {TARGET_RPS} req/s target, "
            f"{rps / get_me:.2f}x getMe, {rps / hello:.2f}x the bare aiohttp handler"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="repeat the phases; keep the best")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.clients, args.rounds))
