"""Console sessions: a browser's signed-in state, kept on the server (the cookie holds only a random token).

A session names the API key it was opened with, not a tenant or role: those are read from the key on
every request, so a revoked key (or a key whose role changed) ends or changes its sessions at once,
in every replica, with no cache to expire. Only the SHA-256 of the token is stored, as for API keys.
The table is not tenant-owned: looking a session up is how its tenant is learnt, like a key lookup.
"""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 (hex) of the cookie's token."""
    key_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[float] = mapped_column(Float, nullable=False)
    """Unix seconds; with ``last_seen_at``, the absolute and idle limits of the session."""
    last_seen_at: Mapped[float] = mapped_column(Float, nullable=False)
