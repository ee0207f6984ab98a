"""Request and response bodies of the JSON API (they make the OpenAPI schema at /api/docs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class SessionOut(BaseModel):
    username: str
    role: str
    permissions: list[str]
    csrf_token: str = Field(description="send it as the X-CSRF-Token header on unsafe requests")


class PatientOut(_Out):
    display_name: str | None
    mrn: str | None
    synthetic: bool


class CaseSummaryOut(_Out):
    id: str
    version: int
    document_id: str | None
    discussion_date: date | None
    patient: PatientOut
    updated_by: str | None
    updated_at: datetime
    category: str | None
    missing_count: int | None


class CaseOut(_Out):
    id: str
    version: int
    document: dict[str, Any]
    patient: PatientOut
    updated_by: str | None
    updated_at: datetime
    created_at: datetime


class CaseCreateIn(BaseModel):
    document: dict[str, Any] = Field(description="a case-v1 document")
    patient_name: str | None = Field(default=None, max_length=200)
    mrn: str | None = Field(default=None, max_length=64)
    comment: str | None = Field(default=None, max_length=2000)


class CaseUpdateIn(BaseModel):
    document: dict[str, Any] = Field(description="the edited case-v1 document")
    base_version: int = Field(ge=1, description="the version this edit started from")
    comment: str | None = Field(default=None, max_length=2000)


class PatientUpdateIn(BaseModel):
    patient_name: str | None = Field(default=None, max_length=200)
    mrn: str | None = Field(default=None, max_length=64)


class DeleteIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class CaseVersionOut(_Out):
    case_id: str
    version: int
    document: dict[str, Any]
    created_by: str | None
    created_at: datetime
    comment: str | None


class AssessmentOut(BaseModel):
    id: int
    case_id: str
    case_version: int
    engine_version: str
    knowledge_version: str
    category: str | None
    created_at: datetime
    assessment: dict[str, Any] = Field(description="assessment-v1 JSON")


class AttendeeIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    specialty: str
    user_id: int | None = None


class AttendeeOut(_Out):
    name: str
    specialty: str
    user_id: int | None


class MeetingIn(BaseModel):
    meeting_date: date
    title: str = Field(min_length=1, max_length=200)
    attendees: list[AttendeeIn] = []


class MeetingOut(_Out):
    id: str
    meeting_date: date
    title: str
    attendees: list[AttendeeOut]
    case_ids: list[str]


class DecisionIn(BaseModel):
    case_id: str
    codes: list[str] = []
    text: str = Field(default="", max_length=10000)
    follows_proposal: bool
    deviation_reason: str | None = Field(default=None, max_length=10000)


class DecisionOut(_Out):
    id: int
    meeting_id: str
    case_id: str
    case_version: int
    assessment_id: int | None
    codes: list[str]
    text: str
    follows_proposal: bool
    deviation_reason: str | None
    recorded_by: str
    recorded_at: datetime


class MeetingCaseOut(_Out):
    position: int
    case: CaseSummaryOut
    decision: DecisionOut | None


class MeetingDetailOut(MeetingOut):
    cases: list[MeetingCaseOut]


class AddCaseIn(BaseModel):
    case_id: str


class AuditOut(_Out):
    id: int
    at: datetime
    username: str | None
    action: str
    object_type: str
    object_id: str | None
    detail: str | None


class UserIn(BaseModel):
    username: str
    # Lengths are checked by the users service: a request-validation error would quote it.
    password: str = Field(description="10 to 1024 characters")
    role: str


class UserOut(_Out):
    id: int
    username: str
    role: str
    active: bool


class UserRoleIn(BaseModel):
    role: str


class UserActiveIn(BaseModel):
    active: bool


class PasswordIn(BaseModel):
    password: str = Field(description="10 to 1024 characters; never echoed or logged")


class AboutOut(BaseModel):
    version: str
    knowledge_version: str
    disclaimer: str
