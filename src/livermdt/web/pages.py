"""The server-rendered pages of the MDT application (Jinja2).

Each route parses its input, calls one service, and renders a template; permissions are checked
by the dependency aliases of ``livermdt.web.deps`` before the route runs, and again by the
services. Every form posts its CSRF token (``CsrfProtected``). No patient data appears in URLs:
pages are addressed by the store's opaque case, meeting and decision ids.

Pages: ``/login``, ``/`` (worklist), ``/cases/new``, ``/cases/{id}`` (assessment view),
``/cases/{id}/edit``, ``/cases/{id}/history``, ``/cases/{id}/decision-summary`` (+ ``.pdf``),
``/meetings``, ``/meetings/{id}``, ``/meetings/{id}/cases/{case_id}/decision``, ``/audit``,
``/logout``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from livermdt.errors import (
    CaseValidationError,
    ConflictError,
    InvalidInputError,
    LivermdtError,
    NotFoundError,
)
from livermdt.services import SPECIALTIES, CaseVersionConflict, Services
from livermdt.services.records import (
    AssessmentRecord,
    AttendeeRecord,
    DecisionRecord,
    MeetingCaseEntry,
    UserInfo,
)
from livermdt.services.roles import Permission, Role
from livermdt.web import auth
from livermdt.web.deps import (
    Admin,
    CsrfProtected,
    Decider,
    Editor,
    Exporter,
    MeetingOrganiser,
    OptionalUser,
    PostedForm,
    ServicesDep,
    Viewer,
)
from livermdt.web.diagram import couinaud_svg_for_case
from livermdt.web.letter import DecisionSummary, render_summary_html, render_summary_pdf
from livermdt.web.pages_diff import diff_documents
from livermdt.web.pages_form import (
    FormState,
    case_form,
    compact_rows,
    document_from_state,
    join,
    problem_targets,
    problems_by_path,
    split_problem,
    state_from_document,
    state_from_form,
)
from livermdt.web.pages_templates import environment
from livermdt.web.plots import flr_bar_svg, recist_points, recist_svg
from livermdt.web.security import csrf_token

router = APIRouter(include_in_schema=False)

SCORE_LABELS: dict[str, str] = {
    "fong_crs": "Fong clinical risk score",
    "tumour_burden_score": "Tumour burden score",
    "game": "GAME score",
    "m_cs": "Modified clinical score (m-CS)",
    "oslo_score": "Oslo score",
    "nordlinger": "Nordlinger score",
    "konopke": "Konopke score",
    "nagashima": "Nagashima score",
}

# The letter is a standalone printable page with its own inline styles; it carries no script.
LETTER_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


# --- rendering helpers ----------------------------------------------------------------------------


def _field_id(path: str) -> str:
    out = "f-" + "".join(ch if ch.isalnum() or ch in "_-" else "-" for ch in path)
    return out.rstrip("-") or "f"


def _environment() -> Any:
    env = environment()
    if "field_id" not in env.filters:
        env.filters["field_id"] = _field_id
        env.globals["join"] = join
        env.globals["static_url"] = lambda name: "/static/" + quote(str(name))
    return env


def compile_templates() -> int:
    """Compile every page template now (Jinja2 keeps them compiled): about 0.05 s each, once
    per process, which would otherwise fall on the first request of each page. Returns how
    many."""
    env = _environment()
    names = env.list_templates(extensions=["html"])
    for name in names:
        env.get_template(name)
    return len(names)


def _knowledge_version() -> str | None:
    try:
        from livermdt.knowledge import KNOWLEDGE_VERSION
    except ImportError:  # pragma: no cover - the knowledge package ships with livermdt
        return None
    return str(KNOWLEDGE_VERSION)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    user: UserInfo | None = None,
    nav: str = "",
) -> HTMLResponse:
    """Render a page with the common context: user, CSRF token, demo flag, notice."""
    if user is None:
        cached = getattr(request.state, "user", None)
        user = cached if isinstance(cached, UserInfo) else None
    settings = getattr(request.app.state, "settings", None)
    base: dict[str, Any] = {
        "request": request,
        "user": user,
        "csrf": csrf_token(request),
        "demo_mode": bool(getattr(settings, "demo", False)),
        "knowledge_version": _knowledge_version(),
        "nav": nav,
        "flashes": _flashes(request),
        "can_edit": bool(user and user.can(Permission.EDIT)),
        "can_decide": bool(user and user.can(Permission.DECIDE)),
        "can_meetings": bool(user and user.can(Permission.MEETINGS)),
        "can_export": bool(user and user.can(Permission.EXPORT)),
        "can_admin": bool(user and user.can(Permission.ADMIN)),
        # Data minimisation: the read-only research role sees cases, not who the patients are.
        "show_identity": bool(user and user.role != Role.RESEARCHER),
        # The cohort page (analytics) is linked when the application includes it.
        "has_cohort": any(getattr(r, "path", "") == "/cohort" for r in request.app.routes),
    }
    base.update(context or {})
    html = _environment().get_template(template).render(base)
    return HTMLResponse(html, status_code=status_code)


_FLASH_MESSAGES: dict[str, tuple[str, str]] = {
    "created": ("ok", "Case created (version 1)."),
    "saved": ("ok", "Saved as a new version."),
    "decided": ("ok", "Decision recorded."),
    "meeting": ("ok", "Meeting created."),
    "added": ("ok", "Case added to the meeting."),
    "loggedout": ("info", "You are logged out."),
    "session_ended": (
        "info",
        "Your login has ended: it was not used for a while, or it was ended elsewhere. "
        "Please log in again.",
    ),
    # the admin pages (livermdt.web.admin_pages)
    "user_created": ("ok", "User created. They can log in with the password you set."),
    "user_role": ("ok", "Role changed; it counts from the user's next request."),
    "user_deactivated": ("ok", "User deactivated: they cannot log in and their sessions ended."),
    "user_reactivated": ("ok", "User reactivated: they can log in again."),
    "user_password": ("ok", "Password set; every session of that user ended."),
    "case_deleted": (
        "ok",
        "Case deleted: it is hidden from every list; its versions stay in the database.",
    ),
}


def _flashes(request: Request) -> list[dict[str, str]]:
    # A fixed vocabulary of messages chosen by a query flag: nothing user-typed is reflected.
    key = request.query_params.get("done", "")
    if key in _FLASH_MESSAGES:
        kind, text = _FLASH_MESSAGES[key]
        return [{"kind": kind, "text": text}]
    return []


def render_error(request: Request, err: LivermdtError) -> Response:
    """The page for an error raised by a page route (403, 404, 409, 422, ...)."""
    status = getattr(err, "http_status", 500)
    titles = {
        403: "Not allowed",
        404: "Not found",
        409: "Changed meanwhile",
        422: "Please correct the input",
        429: "Too many attempts",
    }
    problems = list(getattr(err, "problems", []) or [])
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": titles.get(status, "Something went wrong"),
            "message": str(err),
            "problems": problems if problems != [str(err)] else [],
        },
        status_code=status,
    )


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    """Only local paths: ``/cases/x`` yes, ``//evil.example`` or ``https://...`` no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _today() -> date:
    # The worklist's "next meeting" is about the calendar, not a clinical computation.
    return datetime.now(UTC).date()


# --- login / logout -------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return _redirect(_safe_next(next))
    return render(request, "login.html", {"next": _safe_next(next), "error": None, "username": ""})


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfProtected])
def login_submit(request: Request, form: PostedForm) -> Response:
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or "/"))
    response = _redirect(target)
    try:
        auth.login_user(request, response, username, password)
    except LivermdtError as err:
        status = getattr(err, "http_status", 401)
        return render(
            request,
            "login.html",
            {"next": target, "error": str(err), "username": username},
            status_code=status,
        )
    return response


@router.post("/logout", dependencies=[CsrfProtected])
def logout(request: Request, user: OptionalUser) -> Response:
    response = _redirect("/login?done=loggedout")
    auth.logout_user(request, response, user)
    return response


# --- worklist -------------------------------------------------------------------------------------


def _readings(services: Services, entries: list[MeetingCaseEntry]) -> dict[str, tuple[Any, Any]]:
    """Category and open missing-data count of each listed case. A case whose current version
    has no stored assessment yet is assessed now (and stored), so the meeting's list is complete;
    the store keeps the engine and knowledge versions with it."""
    out: dict[str, tuple[Any, Any]] = {}
    for entry in entries:
        case = entry.case
        if case.category is not None:
            out[case.id] = (case.category, case.missing_count)
            continue
        try:
            result = services.assessments.get_assessment(case.id).result
        except LivermdtError:
            out[case.id] = (None, None)
            continue
        category = (result.get("resectability") or {}).get("category")
        missing = result.get("missing_data")
        out[case.id] = (category, len(missing) if isinstance(missing, list) else None)
    return out


@router.get("/", response_class=HTMLResponse)
def worklist(request: Request, user: Viewer, services: ServicesDep) -> Response:
    meeting = services.meetings.next_meeting(_today())
    entries = services.meetings.meeting_cases(meeting.id) if meeting else []
    readings = _readings(services, entries)
    cases = services.cases.list_cases()
    return render(
        request,
        "worklist.html",
        {"meeting": meeting, "entries": entries, "cases": cases, "readings": readings},
        user=user,
        nav="worklist",
    )


# --- case editor ----------------------------------------------------------------------------------


def _editor_context(
    *,
    case_id: str | None,
    base_version: int | None,
    state: FormState,
    problems: list[str],
    document: Mapping[str, Any] | None,
    json_text: str | None = None,
    patient_name: str = "",
    mrn: str = "",
    comment: str = "",
    json_open: bool = False,
) -> dict[str, Any]:
    form = case_form()
    return {
        "form": form,
        "state": state,
        "errors": problems_by_path(problems, state, form),
        "problems": problems,
        "problem_targets": problem_targets(problems, state, form),
        "case_id": case_id,
        "base_version": base_version,
        "action": f"/cases/{case_id}/edit" if case_id else "/cases/new",
        "json_text": json_text
        if json_text is not None
        else json.dumps(document or {}, indent=2, ensure_ascii=False),
        "patient_name": patient_name,
        "mrn": mrn,
        "comment": comment,
        "json_open": json_open,
        "nav": "" if case_id else "new",
    }


def _new_case_state() -> FormState:
    state = FormState()
    state.values["schema"] = "livermdt/case/v1"
    for path in ("liver_metastases.lesions", "treatments", "restaging"):
        state.rows.setdefault(path, 0)
    state.rows["liver_metastases.lesions"] = 1
    return state


@router.get("/cases/new", response_class=HTMLResponse)
def new_case_page(request: Request, user: Editor) -> Response:
    state = _new_case_state()
    context = _editor_context(
        case_id=None,
        base_version=None,
        state=state,
        problems=[],
        document={"schema": "livermdt/case/v1"},
    )
    return render(request, "case_edit.html", context, user=user, nav="new")


def _apply_action(state: FormState, action: str) -> bool:
    """Add or remove a table row (the no-script way of editing tables). True if it did."""
    if action.startswith("add:"):
        state.add_row(action[len("add:") :])
        return True
    if action.startswith("remove:"):
        target = action[len("remove:") :]
        if target.endswith("]") and "[" in target:
            path, _, index = target[:-1].rpartition("[")
            if index.isdigit():
                state.remove_row(path, int(index))
                return True
    return False


def _read_editor(form: FormData) -> tuple[FormState, dict[str, Any], str | None, list[str]]:
    """The state, the document, the JSON text (JSON mode) and parse problems of a submission."""
    if form.get("_mode") == "json":
        text = str(form.get("document") or "")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            return (
                FormState(),
                {},
                text,
                [f"document: not valid JSON ({exc.msg} at line {exc.lineno})"],
            )
        if not isinstance(document, dict):
            return FormState(), {}, text, ["document: must be a JSON object"]
        return state_from_document(document), document, text, []
    state = state_from_form(form)
    return state, document_from_state(state), None, []


@router.post("/cases/new", response_class=HTMLResponse, dependencies=[CsrfProtected])
def new_case_submit(
    request: Request, form: PostedForm, user: Editor, services: ServicesDep
) -> Response:
    state, document, json_text, problems = _read_editor(form)
    patient_name = str(form.get("_patient_name") or "").strip()
    mrn = str(form.get("_mrn") or "").strip()
    comment = str(form.get("_comment") or "").strip()
    action = str(form.get("_action") or "save")
    if not problems and not _apply_action(state, action):
        if json_text is None:
            compact_rows(state)
            document = document_from_state(state)
        try:
            record = services.cases.create_case(
                document,
                user,
                patient_name=patient_name or None,
                mrn=mrn or None,
                comment=comment or None,
            )
        except CaseValidationError as err:
            problems = list(err.problems)
        except InvalidInputError as err:
            problems = list(err.problems)
        else:
            return _redirect(f"/cases/{record.id}?done=created")
    context = _editor_context(
        case_id=None,
        base_version=None,
        state=state,
        problems=problems,
        document=document,
        json_text=json_text,
        patient_name=patient_name,
        mrn=mrn,
        comment=comment,
        json_open=json_text is not None,
    )
    return render(
        request, "case_edit.html", context, status_code=422 if problems else 200, user=user
    )


@router.get("/cases/{case_id}/edit", response_class=HTMLResponse)
def edit_case_page(request: Request, case_id: str, user: Editor, services: ServicesDep) -> Response:
    record = services.cases.get_case(case_id, viewer=user)
    context = _editor_context(
        case_id=record.id,
        base_version=record.version,
        state=state_from_document(record.document),
        problems=[],
        document=record.document,
        patient_name=record.patient.display_name or "",
        mrn=record.patient.mrn or "",
    )
    return render(request, "case_edit.html", context, user=user)


@router.post("/cases/{case_id}/edit", response_class=HTMLResponse, dependencies=[CsrfProtected])
def edit_case_submit(
    request: Request, form: PostedForm, case_id: str, user: Editor, services: ServicesDep
) -> Response:
    state, document, json_text, problems = _read_editor(form)
    comment = str(form.get("_comment") or "").strip()
    action = str(form.get("_action") or "save")
    # The JSON editor carries no identification fields: it leaves them as they are.
    identification = None
    if "_patient_name" in form or "_mrn" in form:
        identification = (
            str(form.get("_patient_name") or "").strip(),
            str(form.get("_mrn") or "").strip(),
        )
    try:
        base_version = int(str(form.get("base_version") or ""))
    except ValueError:
        base_version = 0
        problems = [*problems, "base_version: missing; reload the case and edit again"]
    if not problems and not _apply_action(state, action):
        if json_text is None:
            compact_rows(state)
            document = document_from_state(state)
        try:
            services.cases.update_case(
                case_id,
                document,
                base_version,
                user,
                comment=comment or None,
                identification=identification,
            )
        except CaseVersionConflict as conflict:
            return _conflict_page(request, user, conflict, document)
        except InvalidInputError as err:
            problems = list(err.problems)
        else:
            return _redirect(f"/cases/{case_id}?done=saved")
    context = _editor_context(
        case_id=case_id,
        base_version=base_version,
        state=state,
        problems=problems,
        document=document,
        json_text=json_text,
        comment=comment,
        json_open=json_text is not None,
        patient_name=identification[0] if identification else "",
        mrn=identification[1] if identification else "",
    )
    return render(
        request, "case_edit.html", context, status_code=422 if problems else 200, user=user
    )


def _conflict_page(
    request: Request, user: UserInfo, conflict: CaseVersionConflict, submitted: dict[str, Any]
) -> Response:
    current = conflict.current
    theirs = diff_documents(submitted, current.document)
    return render(
        request,
        "conflict.html",
        {
            "case_id": conflict.case_id,
            "base_version": conflict.base_version,
            "current": current,
            "current_json": json.dumps(current.document, indent=2, ensure_ascii=False),
            "submitted_json": json.dumps(submitted, indent=2, ensure_ascii=False),
            "changes": theirs,
        },
        status_code=409,
        user=user,
    )


# --- assessment view ------------------------------------------------------------------------------


def _figures(document: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    flr = result.get("flr") or {}
    sflr = flr.get("sflr")
    required = flr.get("required_sflr")
    flr_svg = None
    if isinstance(sflr, int | float) and 0 <= sflr <= 1:
        flr_svg = flr_bar_svg(
            float(sflr), float(required) if isinstance(required, int | float) else None
        )
    response = result.get("response") or {}
    targets = response.get("target_lesion_ids") or None
    points = recist_points(document, targets)
    return {
        "recist_targets": targets or [],
        "couinaud": couinaud_svg_for_case(document),
        "flr_svg": flr_svg,
        "recist_svg": recist_svg(points) if points else None,
    }


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: str,
    user: Viewer,
    services: ServicesDep,
    version: int | None = None,
) -> Response:
    record = services.cases.get_case(case_id, viewer=user)
    document = record.document
    shown_version = record.version
    if version is not None and version != record.version:
        # An older version with the assessment stored for it (the proposal as it was).
        old = services.cases.get_version(case_id, version)
        document, shown_version = old.document, old.version
    stored = []
    if shown_version != record.version:
        stored = [
            a
            for a in services.assessments.assessment_history(case_id)
            if a.case_version == shown_version
        ]
    if stored:
        assessment = stored[-1]  # as stored then, even if the engine has changed since
    else:
        assessment = services.assessments.get_assessment(case_id, shown_version)
    decisions = services.meetings.decisions_for_case(case_id)
    meetings = services.meetings.meetings_for_case(case_id)
    context: dict[str, Any] = {
        "case": record,
        "shown_version": shown_version,
        "doc": document,
        "assessment": assessment,
        "a": assessment.result,
        "decisions": decisions,
        "meetings": meetings,
        "score_labels": SCORE_LABELS,
    }
    context.update(_figures(document, assessment.result))
    return render(request, "case_view.html", context, user=user)


# --- history --------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/history", response_class=HTMLResponse)
def history_page(request: Request, case_id: str, user: Viewer, services: ServicesDep) -> Response:
    record = services.cases.get_case(case_id, viewer=user)
    versions = services.cases.case_history(case_id)
    assessments = services.assessments.assessment_history(case_id)
    decisions = services.meetings.decisions_for_case(case_id)
    categories: dict[int, AssessmentRecord] = {}
    for item in assessments:
        categories[item.case_version] = item  # the newest engine's reading of each version
    rows = []
    previous: dict[str, Any] | None = None
    for version in versions:
        rows.append(
            {
                "version": version,
                "changes": diff_documents(previous, version.document) if previous else [],
                "assessment": categories.get(version.version),
                "decisions": [d for d in decisions if d.case_version == version.version],
            }
        )
        previous = version.document
    return render(
        request,
        "history.html",
        {"case": record, "rows": list(reversed(rows))},
        user=user,
    )


# --- meetings -------------------------------------------------------------------------------------


@router.get("/meetings", response_class=HTMLResponse)
def meetings_page(request: Request, user: Viewer, services: ServicesDep) -> Response:
    return render(
        request,
        "meetings.html",
        {
            "meetings": services.meetings.list_meetings(),
            "specialties": SPECIALTIES,
            "problems": [],
            "values": {},
        },
        user=user,
        nav="meetings",
    )


@router.post("/meetings", response_class=HTMLResponse, dependencies=[CsrfProtected])
def meetings_create(
    request: Request, form: PostedForm, user: MeetingOrganiser, services: ServicesDep
) -> Response:
    title = str(form.get("title") or "").strip()
    raw_date = str(form.get("meeting_date") or "").strip()
    names = [str(v) for v in form.getlist("attendee_name")]
    specialties = [str(v) for v in form.getlist("attendee_specialty")]
    attendees = [
        AttendeeRecord(name=name.strip(), specialty=specialty)
        for name, specialty in zip(names, specialties, strict=False)
        if name.strip()
    ]
    problems: list[str] = []
    meeting_date: date | None = None
    try:
        meeting_date = date.fromisoformat(raw_date)
    except ValueError:
        problems.append(f"meeting_date: a date is required (got {raw_date!r})")
    if meeting_date is not None:
        try:
            meeting = services.meetings.create_meeting(meeting_date, title, user, attendees)
        except InvalidInputError as err:
            problems = list(err.problems)
        else:
            return _redirect(f"/meetings/{meeting.id}?done=meeting")
    return render(
        request,
        "meetings.html",
        {
            "meetings": services.meetings.list_meetings(),
            "specialties": SPECIALTIES,
            "problems": problems,
            "values": {"title": title, "meeting_date": raw_date},
        },
        status_code=422,
        user=user,
        nav="meetings",
    )


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting_page(
    request: Request, meeting_id: str, user: Viewer, services: ServicesDep
) -> Response:
    meeting = services.meetings.get_meeting(meeting_id)
    entries = services.meetings.meeting_cases(meeting_id)
    listed = set(meeting.case_ids)
    candidates = [c for c in services.cases.list_cases() if c.id not in listed]
    return render(
        request,
        "meeting.html",
        {
            "meeting": meeting,
            "entries": entries,
            "candidates": candidates,
            "readings": _readings(services, entries),
        },
        user=user,
        nav="meetings",
    )


@router.post("/meetings/{meeting_id}/cases", dependencies=[CsrfProtected])
def meeting_add_case(
    request: Request,
    form: PostedForm,
    meeting_id: str,
    user: MeetingOrganiser,
    services: ServicesDep,
) -> Response:
    case_id = str(form.get("case_id") or "")
    if not case_id:
        raise InvalidInputError("choose a case", ["case_id: choose a case to add"])
    services.meetings.add_case_to_meeting(meeting_id, case_id, user)
    return _redirect(f"/meetings/{meeting_id}?done=added")


# --- decision capture -----------------------------------------------------------------------------


def _decision_context(
    services: Services, meeting_id: str, case_id: str, user: UserInfo
) -> dict[str, Any]:
    from livermdt.engine.model import ALL_CODES

    meeting = services.meetings.get_meeting(meeting_id)
    if case_id not in meeting.case_ids:
        raise NotFoundError("this case is not on the meeting's list")
    record = services.cases.get_case(case_id, viewer=user)
    assessment = services.assessments.get_assessment(case_id, record.version)
    recs = assessment.result.get("recommendations") or []
    proposed = [r.get("code") for r in recs if r.get("strength") == "recommended"]
    strengths = {r.get("code"): r.get("strength") for r in recs}
    other = [c for c in ALL_CODES if c not in strengths]
    return {
        "meeting": meeting,
        "case": record,
        "assessment": assessment,
        "a": assessment.result,
        "proposed": proposed,
        "strengths": strengths,
        "listed_codes": [r.get("code") for r in recs],
        "other_codes": other,
        "previous": [
            d for d in services.meetings.decisions_for_case(case_id) if d.meeting_id == meeting_id
        ],
    }


@router.get("/meetings/{meeting_id}/cases/{case_id}/decision", response_class=HTMLResponse)
def decision_page(
    request: Request, meeting_id: str, case_id: str, user: Decider, services: ServicesDep
) -> Response:
    context = _decision_context(services, meeting_id, case_id, user)
    context.update(
        {
            "chosen": list(context["proposed"]),
            "text": "",
            "follows": "yes",
            "reason": "",
            "problems": [],
            "errors": {},
        }
    )
    return render(request, "decision.html", context, user=user)


@router.post(
    "/meetings/{meeting_id}/cases/{case_id}/decision",
    response_class=HTMLResponse,
    dependencies=[CsrfProtected],
)
def decision_submit(
    request: Request,
    form: PostedForm,
    meeting_id: str,
    case_id: str,
    user: Decider,
    services: ServicesDep,
) -> Response:
    codes = [str(c) for c in form.getlist("codes")]
    text = str(form.get("text") or "")
    follows = str(form.get("follows_proposal") or "")
    reason = str(form.get("deviation_reason") or "")
    problems: list[str] = []
    if follows not in ("yes", "no"):
        problems.append("follows_proposal: say whether the decision follows the proposal")
    else:
        try:
            services.meetings.record_decision(
                meeting_id, case_id, codes, text, follows == "yes", reason or None, user
            )
        except (InvalidInputError, ConflictError) as err:
            problems = list(getattr(err, "problems", [str(err)]))
        else:
            return _redirect(f"/cases/{case_id}?done=decided")
    context = _decision_context(services, meeting_id, case_id, user)
    errors: dict[str, list[str]] = {}
    for problem in problems:
        path, message = split_problem(problem)
        errors.setdefault(path, []).append(message)
    context.update(
        {
            "chosen": codes,
            "text": text,
            "follows": follows,
            "reason": reason,
            "problems": problems,
            "errors": errors,
        }
    )
    return render(request, "decision.html", context, status_code=422, user=user)


# --- decision summary -----------------------------------------------------------------------------


def _summary(services: Services, case_id: str, decision_id: int | None) -> DecisionSummary:
    decisions: list[DecisionRecord] = services.meetings.decisions_for_case(case_id)
    if decision_id is not None:
        decisions = [d for d in decisions if d.id == decision_id]
    if not decisions:
        raise NotFoundError("no decision has been recorded for this case yet")
    decision = decisions[-1]
    version = services.cases.get_version(case_id, decision.case_version)
    if decision.assessment_id is not None:
        assessment = services.assessments.get_assessment_by_id(decision.assessment_id)
    else:
        assessment = services.assessments.get_assessment(case_id, decision.case_version)
    meeting = services.meetings.get_meeting(decision.meeting_id)
    patient = services.cases.get_case(case_id).patient
    return DecisionSummary(
        case_id=str(version.document.get("id") or case_id),
        case_version=decision.case_version,
        meeting_date=meeting.meeting_date.isoformat(),
        decision_codes=list(decision.codes),
        decision_text=decision.text,
        follows_proposal=decision.follows_proposal,
        deviation_reason=decision.deviation_reason,
        recorded_by=decision.recorded_by,
        recorded_at=decision.recorded_at.strftime("%Y-%m-%d %H:%M UTC"),
        assessment=assessment.result,
        case_document=version.document,
        attendees=[(a.name, a.specialty) for a in meeting.attendees],
        patient_name=patient.display_name,
        mrn=patient.mrn,
    )


@router.get("/cases/{case_id}/decision-summary", response_class=HTMLResponse)
def decision_summary_html(
    case_id: str, user: Exporter, services: ServicesDep, decision: int | None = None
) -> Response:
    summary = _summary(services, case_id, decision)
    services.audit.record_export(user, "case", case_id, "decision-summary.html")
    return HTMLResponse(
        render_summary_html(summary), headers={"Content-Security-Policy": LETTER_CSP}
    )


@router.get("/cases/{case_id}/decision-summary.pdf")
def decision_summary_pdf(
    case_id: str, user: Exporter, services: ServicesDep, decision: int | None = None
) -> Response:
    summary = _summary(services, case_id, decision)
    pdf = render_summary_pdf(summary)
    services.audit.record_export(user, "case", case_id, "decision-summary.pdf")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="decision-summary.pdf"'},
    )


# --- audit ----------------------------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: Admin,
    services: ServicesDep,
    action: str | None = None,
    username: str | None = None,
    object_id: str | None = None,
    page: int = 1,
) -> Response:
    page = max(1, page)
    size = 100
    entries = services.audit.audit_log(
        user,
        limit=size,
        offset=(page - 1) * size,
        action=action or None,
        username=username or None,
        object_id=object_id or None,
    )
    return render(
        request,
        "audit.html",
        {
            "entries": entries,
            "page": page,
            "size": size,
            "filters": {
                "action": action or "",
                "username": username or "",
                "object_id": object_id or "",
            },
        },
        user=user,
        nav="audit",
    )


__all__ = ["render_error", "router"]
