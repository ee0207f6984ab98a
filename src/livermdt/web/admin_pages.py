"""The administrator's pages: user management and case deletion (role admin only).

Routes (``router``; ``create_app`` includes it through ``PAGE_MODULES``):

- ``GET /users``: every account (username, role, active, created) with a form per row to change
  the role, to deactivate or reactivate, and a link to set a new password; a form to create a
  user (password typed twice);
- ``POST /users``, ``POST /users/{id}/role``, ``POST /users/{id}/active``: those changes;
- ``GET/POST /users/{id}/password``: set a new password (every session of that user ends);
- ``GET/POST /cases/{id}/delete``: confirm, with a required reason, and hide a case. Its versions,
  assessments and decisions stay in the database; the audit log records who did it.

The ``Admin`` dependency refuses every other role (403) before a route runs and the services check
again; every form posts its CSRF token; success answers with a redirect (POST-redirect-GET). An
admin cannot deactivate or change the role of their own account, and the last active admin is
kept (the users service refuses, 409; the page says why next to the row). A password is never put
back into a form, a message, a URL or the audit log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from livermdt.errors import ConflictError, InvalidInputError, NotFoundError
from livermdt.services import Services, UserAccount
from livermdt.services.records import UserInfo
from livermdt.services.roles import Role
from livermdt.services.users import validate_new_user
from livermdt.web.deps import Admin, CsrfProtected, PostedForm, ServicesDep
from livermdt.web.pages import render
from livermdt.web.pages_form import split_problem

router = APIRouter(include_in_schema=False)

_PASSWORD_MISMATCH = "password_again: the two passwords differ; type the same password twice"


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _by_field(problems: list[str]) -> dict[str, list[str]]:
    """Problem lines (``path: what``) grouped by the form field they belong to."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        path, message = split_problem(problem)
        errors.setdefault(path, []).append(message)
    return errors


# --- users ----------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    user: UserInfo,
    services: Services,
    *,
    values: dict[str, str] | None = None,
    problems: list[str] | None = None,
    row_errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    problems = problems or []
    return render(
        request,
        "users.html",
        {
            "accounts": services.users.list_accounts(user),
            "roles": [r.value for r in Role],
            "values": values or {"username": "", "role": Role.SURGEON.value},
            "problems": problems,
            "errors": _by_field(problems),
            "row_errors": row_errors or {},
        },
        status_code=status_code,
        user=user,
        nav="users",
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin, services: ServicesDep) -> Response:
    return _users_page(request, user, services)


@router.post("/users", response_class=HTMLResponse, dependencies=[CsrfProtected])
def users_create(
    request: Request, form: PostedForm, user: Admin, services: ServicesDep
) -> Response:
    username = str(form.get("username") or "").strip()
    role = str(form.get("role") or "")
    password = str(form.get("password") or "")
    again = str(form.get("password_again") or "")
    problems: list[str] = []
    status = 422
    if password != again:
        # Report everything at once: the mismatch and whatever else is wrong.
        try:
            validate_new_user(username, password, role)
        except InvalidInputError as err:
            problems = list(err.problems)
        problems.append(_PASSWORD_MISMATCH)
    else:
        try:
            created = services.users.create_user(username, password, role, by=user)
        except InvalidInputError as err:
            problems = list(err.problems)
        except ConflictError as err:
            problems, status = [f"username: {err}"], 409
        else:
            return _redirect(f"/users?done=user_created#user-{created.id}")
    # What was typed goes back into the form, except the passwords.
    return _users_page(
        request,
        user,
        services,
        values={"username": username, "role": role},
        problems=problems,
        status_code=status,
    )


@router.post("/users/{user_id}/role", response_class=HTMLResponse, dependencies=[CsrfProtected])
def users_set_role(
    request: Request, form: PostedForm, user_id: int, user: Admin, services: ServicesDep
) -> Response:
    try:
        services.users.set_role(user_id, str(form.get("role") or ""), by=user)
    except (ConflictError, InvalidInputError) as err:
        return _row_refused(request, user, services, user_id, err)
    return _redirect(f"/users?done=user_role#user-{user_id}")


@router.post("/users/{user_id}/active", response_class=HTMLResponse, dependencies=[CsrfProtected])
def users_set_active(
    request: Request, form: PostedForm, user_id: int, user: Admin, services: ServicesDep
) -> Response:
    wanted = str(form.get("active") or "")
    if wanted not in ("yes", "no"):
        raise InvalidInputError("say yes or no", [f"active: yes or no (got {wanted!r})"])
    try:
        services.users.set_active(user_id, wanted == "yes", by=user)
    except ConflictError as err:
        return _row_refused(request, user, services, user_id, err)
    done = "user_reactivated" if wanted == "yes" else "user_deactivated"
    return _redirect(f"/users?done={done}#user-{user_id}")


def _row_refused(
    request: Request,
    user: UserInfo,
    services: Services,
    user_id: int,
    err: ConflictError | InvalidInputError,
) -> HTMLResponse:
    """The users page again, with why the change of one row was refused next to that row."""
    problems = getattr(err, "problems", None) or [str(err)]
    message = "; ".join(split_problem(p)[1] for p in problems)
    return _users_page(
        request,
        user,
        services,
        row_errors={user_id: message},
        status_code=err.http_status,
    )


def _account(services: Services, admin: UserInfo, user_id: int) -> UserAccount:
    for account in services.users.list_accounts(admin):
        if account.id == user_id:
            return account
    raise NotFoundError(f"no user {user_id}")


@router.get("/users/{user_id}/password", response_class=HTMLResponse)
def password_page(request: Request, user_id: int, user: Admin, services: ServicesDep) -> Response:
    account = _account(services, user, user_id)
    return render(
        request,
        "user_password.html",
        {"account": account, "problems": [], "errors": {}},
        user=user,
        nav="users",
    )


@router.post("/users/{user_id}/password", response_class=HTMLResponse, dependencies=[CsrfProtected])
def password_submit(
    request: Request, form: PostedForm, user_id: int, user: Admin, services: ServicesDep
) -> Response:
    account = _account(services, user, user_id)
    password = str(form.get("password") or "")
    again = str(form.get("password_again") or "")
    if password != again:
        problems = [_PASSWORD_MISMATCH]
    else:
        try:
            services.users.reset_password(user_id, password, by=user)
        except InvalidInputError as err:
            problems = list(err.problems)
        else:
            return _redirect(f"/users?done=user_password#user-{user_id}")
    return render(
        request,
        "user_password.html",
        {"account": account, "problems": problems, "errors": _by_field(problems)},
        status_code=422,
        user=user,
        nav="users",
    )


# --- case deletion --------------------------------------------------------------------------------


def _delete_page(
    request: Request,
    user: UserInfo,
    services: Services,
    case_id: str,
    *,
    reason: str = "",
    problems: list[str] | None = None,
) -> HTMLResponse:
    problems = problems or []
    record = services.cases.get_case(case_id, viewer=user)
    context: dict[str, Any] = {
        "case": record,
        "reason": reason,
        "problems": problems,
        "errors": _by_field(problems),
    }
    return render(
        request, "case_delete.html", context, status_code=422 if problems else 200, user=user
    )


@router.get("/cases/{case_id}/delete", response_class=HTMLResponse)
def delete_case_page(
    request: Request, case_id: str, user: Admin, services: ServicesDep
) -> Response:
    return _delete_page(request, user, services, case_id)


@router.post("/cases/{case_id}/delete", response_class=HTMLResponse, dependencies=[CsrfProtected])
def delete_case_submit(
    request: Request, form: PostedForm, case_id: str, user: Admin, services: ServicesDep
) -> Response:
    reason = str(form.get("reason") or "")
    try:
        services.cases.delete_case(case_id, user, reason)
    except InvalidInputError as err:
        return _delete_page(request, user, services, case_id, reason=reason, problems=err.problems)
    return _redirect("/?done=case_deleted")


__all__ = ["router"]
