"""Use cases of the MDT application; the only layer that combines the store, the case model and
the engine. Every write is one transaction; every write and every view of patient data is
audited. Routes and CLI commands call these and nothing below them.

    services = Services.from_engine(make_engine(settings))
    services.cases.create_case(document, user)
"""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine

from livermdt.services import _domain
from livermdt.services.assessments import AssessmentService
from livermdt.services.audit import AuditService
from livermdt.services.cases import CaseService, CaseVersionConflict
from livermdt.services.logins import LoginFailureService
from livermdt.services.meetings import SPECIALTIES, MeetingService
from livermdt.services.records import (
    AssessmentRecord,
    AttendeeRecord,
    AuditRecord,
    CaseRecord,
    CaseSummary,
    CaseVersionRecord,
    DecisionRecord,
    MeetingCaseEntry,
    MeetingRecord,
    PatientInfo,
    UserAccount,
    UserInfo,
)
from livermdt.services.roles import Permission, Role
from livermdt.services.users import SESSION_IDLE_TIMEOUT, UserService
from livermdt.storage.db import make_sessionmakers


class Services:
    """All services over one database engine."""

    def __init__(
        self,
        engine: Engine,
        *,
        password_hasher: PasswordHasher | None = None,
        session_idle_timeout: timedelta = SESSION_IDLE_TIMEOUT,
    ) -> None:
        self.engine = engine
        read, write = make_sessionmakers(engine)
        self.users = UserService(read, write, password_hasher, idle_timeout=session_idle_timeout)
        self.cases = CaseService(read, write)
        self.assessments = AssessmentService(read, write)
        self.meetings = MeetingService(self.cases, self.assessments)
        self.audit = AuditService(read, write)
        self.login_failures = LoginFailureService(read, write)

    def warm_up(self) -> None:
        """Load the engine, its rules and the knowledge base now rather than at the first
        request, by validating and assessing one shipped synthetic case (about 0.1 s once per
        process; the result is dropped)."""
        from livermdt.services.demo import demo_documents  # imports this module

        document = _domain.validate_document(demo_documents()["demo-4"])
        _domain.assess_document_json(document)

    def close(self) -> None:
        self.engine.dispose()


__all__ = [
    "SPECIALTIES",
    "AssessmentRecord",
    "AttendeeRecord",
    "AuditRecord",
    "CaseRecord",
    "CaseSummary",
    "CaseVersionConflict",
    "CaseVersionRecord",
    "DecisionRecord",
    "MeetingCaseEntry",
    "MeetingRecord",
    "PatientInfo",
    "Permission",
    "Role",
    "Services",
    "UserAccount",
    "UserInfo",
]
