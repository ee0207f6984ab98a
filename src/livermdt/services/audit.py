"""The audit log: who viewed, created, changed, exported or deleted what, and when."""

from __future__ import annotations

from sqlalchemy import select

from livermdt.services._base import ServiceBase, add_audit, require
from livermdt.services.records import AuditRecord, UserInfo
from livermdt.services.roles import Permission
from livermdt.storage.models import AuditEntry, as_utc


class AuditService(ServiceBase):
    def record_view(self, user: UserInfo, object_type: str, object_id: str) -> None:
        """Note that ``user`` looked at an object (a case page, an assessment, a decision)."""
        self.execute_one(lambda conn: add_audit(conn, user, "view", object_type, object_id))

    def record_export(self, user: UserInfo, object_type: str, object_id: str, what: str) -> None:
        """Note an export (``what``: e.g. ``letter.pdf``); the caller checked EXPORT."""
        require(user, Permission.EXPORT)
        self.execute_one(lambda conn: add_audit(conn, user, "export", object_type, object_id, what))

    def audit_log(
        self,
        user: UserInfo,
        *,
        limit: int = 100,
        offset: int = 0,
        object_id: str | None = None,
        username: str | None = None,
        action: str | None = None,
    ) -> list[AuditRecord]:
        """Newest first. Admins only."""
        require(user, Permission.ADMIN)
        query = select(AuditEntry).order_by(AuditEntry.id.desc())
        if object_id is not None:
            query = query.where(AuditEntry.object_id == object_id)
        if username is not None:
            query = query.where(AuditEntry.username == username)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        query = query.limit(max(1, min(limit, 1000))).offset(max(0, offset))
        with self.reading() as s:
            return [
                AuditRecord(
                    id=e.id,
                    at=as_utc(e.at),
                    username=e.username,
                    action=e.action,
                    object_type=e.object_type,
                    object_id=e.object_id,
                    detail=e.detail,
                )
                for e in s.scalars(query)
            ]
