"""What a run keeps in memory: the deliveries in hand and the running counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Item:
    delivery_id: int
    member_id: int
    chat_id: int
    language: str
    failures: int = 0


@dataclass
class Tally:
    total: int
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.sent - self.unreachable - self.failed - self.skipped)
