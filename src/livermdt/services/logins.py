"""Failed logins for the login rate limit, counted in the database so that every worker
process (``uvicorn --workers N``) sees the same failures."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from livermdt.services._base import ServiceBase
from livermdt.storage.models import LoginFailure, utcnow


def _key(username: str, client: str) -> str:
    # Hashed: the typed username may be a password typed into the wrong box.
    return hashlib.sha256(f"{username.lower()}\n{client}".encode()).hexdigest()


class LoginFailureService(ServiceBase):
    def recent_failures(
        self, username: str, client: str, window_s: float, now: datetime | None = None
    ) -> int:
        """Failed logins for (username, client address) within the last ``window_s`` seconds
        (usernames compare case-insensitively)."""
        since = (now or utcnow()) - timedelta(seconds=window_s)
        with self.reading() as s:
            count = s.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(LoginFailure.key_sha256 == _key(username, client), LoginFailure.at > since)
            )
        return int(count or 0)

    def record_failure(
        self, username: str, client: str, window_s: float, now: datetime | None = None
    ) -> None:
        """Note a failed login, and forget every failure older than the window (so the table
        stays as small as the failures of the last ``window_s`` seconds)."""
        at = now or utcnow()
        with self.writing() as s:
            s.execute(
                delete(LoginFailure).where(LoginFailure.at <= at - timedelta(seconds=window_s))
            )
            s.add(LoginFailure(key_sha256=_key(username, client), at=at))

    def clear(self, username: str, client: str) -> None:
        """Forget the failures of (username, client address): called after a good login."""
        with self.writing() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.key_sha256 == _key(username, client)))

    def tracked(self) -> int:
        """Rows kept (for tests and monitoring)."""
        with self.reading() as s:
            return int(s.scalar(select(func.count()).select_from(LoginFailure)) or 0)
