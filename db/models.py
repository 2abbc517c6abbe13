"""SQLAlchemy 2 typed models. Keep every type and query portable (SQLite and PostgreSQL)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, TimestampMixin, UTCDateTime


class MembershipMode(enum.StrEnum):
    AUTO = "auto"
    APPROVAL = "approval"


class MemberStatus(enum.StrEnum):
    ONBOARDING = "onboarding"
    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"
    UNREACHABLE = "unreachable"


class Region(TimestampMixin, Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    membership_mode: Mapped[str] = mapped_column(String(16), default=MembershipMode.AUTO.value)
    coordinator_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="region", order_by="Municipality.name"
    )


class Municipality(Base):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    # Accent- and case-folded name for matching what a member types.
    match_key: Mapped[str] = mapped_column(String(128), unique=True)

    region: Mapped[Region] = relationship(back_populates="municipalities")


class Member(TimestampMixin, Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("telegram_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ONBOARDING.value)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    region: Mapped[Region | None] = relationship()
