"""Plain HTTP calls to the emulator, for tests that check status codes and bodies."""

from __future__ import annotations

from typing import Any

import aiohttp

from botapi_emulator import Emulator


class RawApi:
    """Plain HTTP calls to the emulator, returning (status, body)."""

    def __init__(self, session: aiohttp.ClientSession, emulator: Emulator) -> None:
        self.session = session
        self.base = f"{emulator.api_url}/bot{emulator.token}"

    async def post(self, method: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        async with self.session.post(f"{self.base}/{method}", **kwargs) as response:
            return response.status, await response.json()

    async def json(self, method: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return await self.post(method, json=payload)

    async def form(self, method: str, fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
        return await self.post(method, data=fields)
