"""The JSON API under ``/api``. Thin routes: parse, call one service, shape the answer.

Every route needs a login session (cookie ``livermdt_session``, from ``POST /api/session``)
except that login itself; every unsafe request needs the ``X-CSRF-Token`` header (the token
comes with the login answer and from ``GET /api/session``)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from livermdt.about import DISCLAIMER, __version__
from livermdt.errors import InvalidInputError
from livermdt.services.records import AssessmentJson, AssessmentRecord, AttendeeRecord, UserInfo
from livermdt.services.roles import Permission
from livermdt.web.api_models import (
    AboutOut,
    AddCaseIn,
    AssessmentOut,
    AuditOut,
    CaseCreateIn,
    CaseOut,
    CaseSummaryOut,
    CaseUpdateIn,
    CaseVersionOut,
    DecisionIn,
    DecisionOut,
    DeleteIn,
    LoginIn,
    MeetingCaseOut,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    PasswordIn,
    PatientOut,
    PatientUpdateIn,
    SessionOut,
    UserActiveIn,
    UserIn,
    UserOut,
    UserRoleIn,
)
from livermdt.web.auth import login_user, logout_user
from livermdt.web.deps import (
    Admin,
    CurrentUser,
    Decider,
    Editor,
    MeetingOrganiser,
    ServicesDep,
    Viewer,
    get_services,
    run_authorised,
)
from livermdt.web.security import csrf_token, verify_csrf

#: Log in; no CSRF token exists before a session, so this one route is outside ``router``.
session_router = APIRouter(prefix="/api", tags=["session"])
#: Everything else: CSRF-checked on unsafe methods.
router = APIRouter(prefix="/api", dependencies=[Depends(verify_csrf)])
#: The assessment routes, the busiest of the API: included before ``router``, so that a request
#: for them is matched after a handful of routes instead of after all of them.
assessments_router = APIRouter(prefix="/api", dependencies=[Depends(verify_csrf)])
#: The OpenAPI schema and its viewers, for logged-in users.
docs_router = APIRouter(prefix="/api", include_in_schema=False)


def _session_out(request: Request, user: UserInfo) -> SessionOut:
    return SessionOut(
        username=user.username,
        role=user.role.value,
        permissions=sorted(p.value for p in user.permissions),
        csrf_token=csrf_token(request),
    )


@session_router.post("/session", response_model=SessionOut)
def log_in(body: LoginIn, request: Request, response: Response) -> SessionOut:
    """Log in with username and password; sets the session cookie. The body must be JSON
    (``Content-Type: application/json``), which a cross-site form cannot send."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise InvalidInputError("send the login as JSON", ["content-type: application/json"])
    user = login_user(request, response, body.username, body.password)
    return _session_out(request, user)


@router.get("/session", response_model=SessionOut, tags=["session"])
def who_am_i(request: Request, user: CurrentUser) -> SessionOut:
    return _session_out(request, user)


@router.delete("/session", status_code=204, tags=["session"])
def log_out(request: Request, user: CurrentUser) -> Response:
    response = Response(status_code=204)
    logout_user(request, response, user)
    return response


@router.get("/about", response_model=AboutOut, tags=["about"])
def about(user: CurrentUser) -> AboutOut:
    from livermdt.services import _domain

    return AboutOut(
        version=__version__, knowledge_version=_domain.knowledge_version(), disclaimer=DISCLAIMER
    )


# ---- cases ------------------------------------------------------------------------------------
@router.get("/cases", response_model=list[CaseSummaryOut], tags=["cases"])
def list_cases(
    user: Viewer,
    services: ServicesDep,
    limit: int = Query(500, ge=1, le=5000),
    offset: int = Query(0, ge=0),
) -> list[CaseSummaryOut]:
    return [
        CaseSummaryOut.model_validate(c)
        for c in services.cases.list_cases(limit=limit, offset=offset)
    ]


@router.post("/cases", response_model=CaseOut, status_code=201, tags=["cases"])
def create_case(body: CaseCreateIn, user: Editor, services: ServicesDep) -> CaseOut:
    """Store a new case (version 1). An invalid document answers 422 with one line per problem."""
    record = services.cases.create_case(
        body.document, user, patient_name=body.patient_name, mrn=body.mrn, comment=body.comment
    )
    return CaseOut.model_validate(record)


@router.get("/cases/{case_id}", response_model=CaseOut, tags=["cases"])
def get_case(case_id: str, user: Viewer, services: ServicesDep) -> CaseOut:
    return CaseOut.model_validate(services.cases.get_case(case_id, viewer=user))


@router.put(
    "/cases/{case_id}",
    response_model=CaseOut,
    tags=["cases"],
    responses={409: {"description": "based on an outdated version; both versions in the body"}},
)
def update_case(case_id: str, body: CaseUpdateIn, user: Editor, services: ServicesDep) -> CaseOut:
    """Save a new version. ``base_version`` is the version the edit started from; if someone
    saved a newer one meanwhile the answer is 409 with both versions and nothing is written."""
    record = services.cases.update_case(
        case_id, body.document, body.base_version, user, comment=body.comment
    )
    return CaseOut.model_validate(record)


@router.put("/cases/{case_id}/patient", response_model=PatientOut, tags=["cases"])
def update_patient(
    case_id: str, body: PatientUpdateIn, user: Editor, services: ServicesDep
) -> PatientOut:
    info = services.cases.update_patient(
        case_id, user, patient_name=body.patient_name, mrn=body.mrn
    )
    return PatientOut.model_validate(info)


@router.delete("/cases/{case_id}", status_code=204, tags=["cases"])
def delete_case(case_id: str, body: DeleteIn, user: Admin, services: ServicesDep) -> Response:
    """Hide a case (admins; reason required). Its versions stay in the database; audited."""
    services.cases.delete_case(case_id, user, body.reason)
    return Response(status_code=204)


@router.get("/cases/{case_id}/history", response_model=list[CaseVersionOut], tags=["cases"])
def case_history(case_id: str, user: Viewer, services: ServicesDep) -> list[CaseVersionOut]:
    services.audit.record_view(user, "case_history", case_id)
    return [CaseVersionOut.model_validate(v) for v in services.cases.case_history(case_id)]


@router.get("/cases/{case_id}/versions/{version}", response_model=CaseVersionOut, tags=["cases"])
def case_version(case_id: str, version: int, user: Viewer, services: ServicesDep) -> CaseVersionOut:
    services.audit.record_view(user, "case", case_id)
    return CaseVersionOut.model_validate(services.cases.get_version(case_id, version))


def _json(model: BaseModel) -> Response:
    """``model`` serialised here. A sync route that returns a model has FastAPI validate it again
    against ``response_model`` (in one more worker-thread hop) before serialising it; the hot
    routes return their answer already serialised instead (``response_model`` still documents
    it)."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


def _assessment_out(record: AssessmentRecord) -> AssessmentOut:
    return AssessmentOut(**record.facts(), assessment=record.result)


@assessments_router.get(
    "/cases/{case_id}/assessment", response_model=AssessmentOut, tags=["assessments"]
)
async def get_assessment(
    case_id: str,
    request: Request,
    version: int | None = Query(None, ge=1, description="case version; default the newest"),
) -> Response:
    """The assessment of a case version by the current engine (stored, or computed and stored).
    Needs a login session and a role that may view cases (one thread hop, like the POST)."""
    services = get_services(request)

    def work(user: UserInfo) -> Response:
        record = services.assessments.get_assessment(case_id, version, viewer=user)
        return _json(_assessment_out(record))

    return await run_authorised(request, Permission.VIEW, work)


@assessments_router.post(
    "/cases/{case_id}/assessment", response_model=AssessmentOut, tags=["assessments"]
)
async def compute_assessment(
    case_id: str, request: Request, version: int | None = Query(None, ge=1)
) -> Response:
    """Run the engine again on a case version (default the newest). Needs a login session
    (like every route here) and a role that may view cases."""
    services = get_services(request)

    def work(user: UserInfo) -> Response:
        computed = services.assessments.compute_assessment(case_id, version, viewer=user)
        return _computed_json(computed)

    return await run_authorised(request, Permission.VIEW, work)


def _computed_json(computed: AssessmentJson) -> Response:
    """``AssessmentOut`` written around the engine's JSON text, which is spliced in as it is
    (serialising it again through a dict costs more than the assessment's other steps)."""
    head = AssessmentOut(**computed.facts(), assessment={}).model_dump_json(by_alias=True)
    assert head.endswith('"assessment":{}}'), head
    body = head[: -len("{}}")] + computed.result_json + "}"
    return Response(body, media_type="application/json")


@router.get(
    "/cases/{case_id}/assessments", response_model=list[AssessmentOut], tags=["assessments"]
)
def assessment_history(case_id: str, user: Viewer, services: ServicesDep) -> list[AssessmentOut]:
    """Every stored assessment, old engine and knowledge versions included."""
    records = services.assessments.assessment_history(case_id, viewer=user)
    return [_assessment_out(a) for a in records]


@router.get("/cases/{case_id}/decisions", response_model=list[DecisionOut], tags=["decisions"])
def case_decisions(case_id: str, user: Viewer, services: ServicesDep) -> list[DecisionOut]:
    services.cases.get_case(case_id)
    return [DecisionOut.model_validate(d) for d in services.meetings.decisions_for_case(case_id)]


# ---- meetings and decisions -------------------------------------------------------------------
@router.get("/meetings", response_model=list[MeetingOut], tags=["meetings"])
def list_meetings(user: Viewer, services: ServicesDep) -> list[MeetingOut]:
    return [MeetingOut.model_validate(m) for m in services.meetings.list_meetings()]


@router.post("/meetings", response_model=MeetingOut, status_code=201, tags=["meetings"])
def create_meeting(body: MeetingIn, user: MeetingOrganiser, services: ServicesDep) -> MeetingOut:
    attendees = [AttendeeRecord(a.name, a.specialty, a.user_id) for a in body.attendees]
    return MeetingOut.model_validate(
        services.meetings.create_meeting(body.meeting_date, body.title, user, attendees)
    )


@router.get("/meetings/next", response_model=MeetingOut | None, tags=["meetings"])
def next_meeting(
    user: Viewer,
    services: ServicesDep,
    today: date | None = Query(None, description="default: the server's calendar date"),
) -> MeetingOut | None:
    meeting = services.meetings.next_meeting(today or date.today())
    return MeetingOut.model_validate(meeting) if meeting else None


@router.get("/meetings/{meeting_id}", response_model=MeetingDetailOut, tags=["meetings"])
def get_meeting(meeting_id: str, user: Viewer, services: ServicesDep) -> MeetingDetailOut:
    meeting = services.meetings.get_meeting(meeting_id)
    cases = services.meetings.meeting_cases(meeting_id)
    return MeetingDetailOut(
        **MeetingOut.model_validate(meeting).model_dump(),
        cases=[MeetingCaseOut.model_validate(c) for c in cases],
    )


@router.post("/meetings/{meeting_id}/cases", response_model=MeetingOut, tags=["meetings"])
def add_case(
    meeting_id: str, body: AddCaseIn, user: MeetingOrganiser, services: ServicesDep
) -> MeetingOut:
    return MeetingOut.model_validate(
        services.meetings.add_case_to_meeting(meeting_id, body.case_id, user)
    )


@router.post(
    "/meetings/{meeting_id}/decisions",
    response_model=DecisionOut,
    status_code=201,
    tags=["decisions"],
)
def record_decision(
    meeting_id: str, body: DecisionIn, user: Decider, services: ServicesDep
) -> DecisionOut:
    """Record the MDT's decision; ``deviation_reason`` is required when it does not follow the
    proposal."""
    decision = services.meetings.record_decision(
        meeting_id,
        body.case_id,
        body.codes,
        body.text,
        body.follows_proposal,
        body.deviation_reason,
        user,
    )
    return DecisionOut.model_validate(decision)


# ---- administration ---------------------------------------------------------------------------
@router.get("/audit", response_model=list[AuditOut], tags=["admin"])
def audit_log(
    user: Admin,
    services: ServicesDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    object_id: str | None = None,
    username: str | None = None,
    action: str | None = None,
) -> list[AuditOut]:
    entries = services.audit.audit_log(
        user, limit=limit, offset=offset, object_id=object_id, username=username, action=action
    )
    return [AuditOut.model_validate(e) for e in entries]


@router.get("/users", response_model=list[UserOut], tags=["admin"])
def list_users(user: Admin, services: ServicesDep) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in services.users.list_users(user)]


@router.post("/users", response_model=UserOut, status_code=201, tags=["admin"])
def create_user(body: UserIn, user: Admin, services: ServicesDep) -> UserOut:
    return UserOut.model_validate(
        services.users.create_user(body.username, body.password, body.role, by=user)
    )


@router.put("/users/{user_id}/role", response_model=UserOut, tags=["admin"])
def set_user_role(user_id: int, body: UserRoleIn, user: Admin, services: ServicesDep) -> UserOut:
    """Give a user another role. 409 for your own account or the last active admin."""
    return UserOut.model_validate(services.users.set_role(user_id, body.role, by=user))


@router.put("/users/{user_id}/active", response_model=UserOut, tags=["admin"])
def set_user_active(
    user_id: int, body: UserActiveIn, user: Admin, services: ServicesDep
) -> UserOut:
    """Deactivate (their sessions end) or reactivate a user. 409 for your own account or the
    last active admin."""
    return UserOut.model_validate(services.users.set_active(user_id, body.active, by=user))


@router.put("/users/{user_id}/password", status_code=204, tags=["admin"])
def reset_user_password(
    user_id: int, body: PasswordIn, user: Admin, services: ServicesDep
) -> Response:
    """Set a new password for a user; every session of that user ends."""
    services.users.reset_password(user_id, body.password, by=user)
    return Response(status_code=204)


# ---- docs -------------------------------------------------------------------------------------
@docs_router.get("/openapi.json")
def openapi_schema(request: Request, user: CurrentUser) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@docs_router.get("/docs")
def swagger_ui(user: CurrentUser) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/api/openapi.json", title="livermdt API")


@docs_router.get("/redoc")
def redoc(user: CurrentUser) -> HTMLResponse:
    return get_redoc_html(openapi_url="/api/openapi.json", title="livermdt API")
