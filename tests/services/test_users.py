"""Users: argon2 hashes, authentication, sessions (server side, expiring), validation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from livermdt.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from livermdt.services import Services
from livermdt.services.roles import Permission, Role
from livermdt.services.users import (
    SESSION_IDLE_TIMEOUT,
    SESSION_LIFETIME,
    SESSION_REFRESH_STEP,
)
from livermdt.storage.models import AuditEntry, User, UserSession, as_utc, utcnow
from tests.storage.dbfixtures import make_user


def test_password_is_stored_as_an_argon2id_hash(services: Services, engine: Engine) -> None:
    services.users.create_user("carol", "a long enough secret", Role.SURGEON)
    with engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "a long enough secret" not in stored


def test_authenticate_right_wrong_unknown_inactive(services: Services) -> None:
    admin = make_user(services, Role.ADMIN)
    user = services.users.create_user("dave", "the right password", "oncologist")
    assert services.users.authenticate("dave", "the right password") == user
    assert services.users.authenticate("dave", "the wrong password") is None
    assert services.users.authenticate("nobody", "the right password") is None
    services.users.set_active(user.id, False, by=admin)
    assert services.users.authenticate("dave", "the right password") is None
    actions = [e.action for e in services.audit.audit_log(admin, limit=10)]
    assert actions.count("login_failed") == 3 and "login" in actions


def test_sessions_resolve_expire_and_end(services: Services, engine: Engine) -> None:
    user = make_user(services, Role.RADIOLOGIST)
    start = utcnow()
    token = services.users.start_session(user, now=start)
    assert services.users.user_for_session(token, now=start) == user
    assert services.users.user_for_session(token + "x", now=start) is None
    with engine.connect() as conn:
        assert token not in conn.execute(select(UserSession.token_sha256)).scalar_one()
    services.users.end_session(token, user)
    assert services.users.user_for_session(token, now=start) is None


def _deadline(engine: Engine) -> datetime:
    with engine.connect() as conn:
        return as_utc(conn.execute(select(UserSession.expires_at)).scalar_one())


def test_an_unused_session_ends_after_the_idle_timeout(services: Services) -> None:
    """Automatic logoff: 30 minutes without a request end the login."""
    assert services.users.idle_timeout == SESSION_IDLE_TIMEOUT == timedelta(minutes=30)
    user = make_user(services, Role.RADIOLOGIST)
    start = utcnow()
    token = services.users.start_session(user, now=start)
    idle = SESSION_IDLE_TIMEOUT
    assert services.users.user_for_session(token, now=start + idle - timedelta(seconds=1)) == user
    # that use moved the deadline: 30 minutes from it, not from the login
    later = start + idle - timedelta(seconds=1) + idle - timedelta(seconds=1)
    assert services.users.user_for_session(token, now=later) == user
    assert services.users.user_for_session(token, now=later + idle) is None


def test_a_session_in_use_lasts_at_most_the_lifetime(services: Services, engine: Engine) -> None:
    user = make_user(services, Role.SURGEON)
    start = utcnow()
    token = services.users.start_session(user, now=start)
    step = timedelta(minutes=10)
    at = start
    while at + step < start + SESSION_LIFETIME:  # a request every 10 minutes all day
        at += step
        assert services.users.user_for_session(token, now=at) == user, at - start
    assert _deadline(engine) == start + SESSION_LIFETIME  # never moved past the lifetime
    assert services.users.user_for_session(token, now=start + SESSION_LIFETIME) is None


def test_the_idle_deadline_is_written_at_most_once_a_step(
    services: Services, engine: Engine
) -> None:
    user = make_user(services, Role.SURGEON)
    start = utcnow()
    token = services.users.start_session(user, now=start)
    assert _deadline(engine) == start + SESSION_IDLE_TIMEOUT
    near = start + SESSION_REFRESH_STEP - timedelta(seconds=1)
    assert services.users.user_for_session(token, now=near) == user
    assert _deadline(engine) == start + SESSION_IDLE_TIMEOUT  # less than a step: not written
    at = start + SESSION_REFRESH_STEP
    assert services.users.user_for_session(token, now=at) == user
    assert _deadline(engine) == at + SESSION_IDLE_TIMEOUT
    # a request that reports an earlier time (another worker, a slower clock) never moves it back
    assert services.users.user_for_session(token, now=start) == user
    assert _deadline(engine) == at + SESSION_IDLE_TIMEOUT


@pytest.mark.parametrize("minutes", [1, 13 * 60])
def test_an_idle_timeout_outside_two_minutes_to_the_lifetime_is_refused(
    engine: Engine, minutes: int
) -> None:
    with pytest.raises(ValueError, match="idle timeout"):
        Services(engine, session_idle_timeout=timedelta(minutes=minutes))


def test_user_validation_lists_every_problem(services: Services) -> None:
    with pytest.raises(InvalidInputError) as info:
        services.users.create_user("Bad Name", "short", "janitor")
    assert [p.split(":")[0] for p in info.value.problems] == ["username", "password", "role"]
    services.users.create_user("erin", "long enough pw", Role.COORDINATOR)
    with pytest.raises(ConflictError):
        services.users.create_user("erin", "another password", Role.SURGEON)


def test_only_admins_manage_users(services: Services) -> None:
    surgeon = make_user(services, Role.SURGEON)
    with pytest.raises(PermissionDeniedError):
        services.users.create_user("frank", "long enough pw", Role.ADMIN, by=surgeon)
    with pytest.raises(PermissionDeniedError):
        services.users.list_users(surgeon)


@pytest.mark.parametrize("role", list(Role))
def test_role_permissions(role: Role) -> None:
    from livermdt.services.records import UserInfo

    user = UserInfo(1, "x", role)
    assert user.can(Permission.VIEW)
    assert user.can(Permission.ADMIN) == (role is Role.ADMIN)
    for p in (Permission.EDIT, Permission.DECIDE, Permission.EXPORT, Permission.MEETINGS):
        assert user.can(p) == (role is not Role.RESEARCHER)
    assert not UserInfo(1, "x", role, active=False).can(Permission.VIEW)


def test_accounts_list_the_creation_time_for_admins_only(services: Services) -> None:
    admin = make_user(services, Role.ADMIN)
    surgeon = make_user(services, Role.SURGEON)
    before = utcnow()
    services.users.create_user("hana", "long enough pw", Role.RADIOLOGIST, by=admin)
    accounts = {a.username: a for a in services.users.list_accounts(admin)}
    assert sorted(accounts) == ["hana", "u-admin", "u-surgeon"]
    hana = accounts["hana"]
    assert hana.role is Role.RADIOLOGIST and hana.active
    assert before - timedelta(seconds=5) <= hana.created_at <= utcnow()
    with pytest.raises(PermissionDeniedError):
        services.users.list_accounts(surgeon)


def test_an_admin_cannot_deactivate_or_demote_themselves(services: Services) -> None:
    admin = make_user(services, Role.ADMIN)
    make_user(services, Role.ADMIN, "second-admin")  # so "last admin" is not the reason
    with pytest.raises(ConflictError, match="your own account"):
        services.users.set_active(admin.id, False, by=admin)
    with pytest.raises(ConflictError, match="your own account"):
        services.users.set_role(admin.id, Role.SURGEON, by=admin)
    assert services.users.get_user("u-admin") == admin
    assert services.audit.audit_log(admin, action="user_change") == []


def test_the_last_active_admin_is_kept(services: Services) -> None:
    first = make_user(services, Role.ADMIN, "first-admin")
    second = make_user(services, Role.ADMIN, "second-admin")
    # One of two admins may be demoted; then the other is the last one, even for the CLI.
    assert services.users.set_role(second.id, Role.SURGEON, by=first).role is Role.SURGEON
    with pytest.raises(ConflictError, match="last active admin"):
        services.users.set_role(first.id, Role.ONCOLOGIST, by=None)
    with pytest.raises(ConflictError, match="last active admin"):
        services.users.set_active(first.id, False, by=None)
    # A deactivated admin does not count: promoting one back does not help until reactivated.
    third = make_user(services, Role.ADMIN, "third-admin")
    services.users.set_active(third.id, False, by=first)
    with pytest.raises(ConflictError, match="last active admin"):
        services.users.set_active(first.id, False, by=None)
    services.users.set_active(third.id, True, by=first)
    assert not services.users.set_active(first.id, False, by=third).active


def test_role_change_is_audited_and_counts_at_the_next_request(services: Services) -> None:
    admin = make_user(services, Role.ADMIN)
    user = make_user(services, Role.RESEARCHER)
    token = services.users.start_session(user)
    changed = services.users.set_role(user.id, "coordinator", by=admin)
    assert changed.role is Role.COORDINATOR
    seen = services.users.user_for_session(token)
    assert seen is not None and seen.can(Permission.EDIT)  # same session, new role
    [entry] = services.audit.audit_log(admin, action="user_change")
    assert (entry.object_id, entry.detail) == (str(user.id), "role=coordinator was=researcher")
    assert entry.username == "u-admin"
    # the same role again changes nothing and writes nothing
    services.users.set_role(user.id, Role.COORDINATOR, by=admin)
    assert len(services.audit.audit_log(admin, action="user_change")) == 1
    with pytest.raises(InvalidInputError) as info:
        services.users.set_role(user.id, "janitor", by=admin)
    assert info.value.problems[0].startswith("role: one of surgeon")
    with pytest.raises(PermissionDeniedError):
        services.users.set_role(user.id, Role.ADMIN, by=changed)


def test_password_reset_ends_sessions_and_never_reaches_the_audit(
    services: Services, engine: Engine
) -> None:
    admin = make_user(services, Role.ADMIN)
    user = services.users.create_user("ivan", "the old password", Role.SURGEON)
    token = services.users.start_session(user)
    with pytest.raises(InvalidInputError, match="invalid password"):
        services.users.reset_password(user.id, "short", by=admin)
    assert services.users.user_for_session(token) == user  # refused: nothing changed
    services.users.reset_password(user.id, "a brand new password", by=admin)
    assert services.users.user_for_session(token) is None
    assert services.users.authenticate("ivan", "the old password") is None
    assert services.users.authenticate("ivan", "a brand new password") == user
    [entry] = services.audit.audit_log(admin, action="user_change")
    assert entry.detail == "password reset"
    with engine.connect() as conn:
        details = " ".join(str(d) for d in conn.execute(select(AuditEntry.detail)).scalars())
    assert "brand new" not in details and "old password" not in details
    with pytest.raises(PermissionDeniedError):
        services.users.reset_password(admin.id, "a brand new password", by=user)


def test_deactivation_ends_sessions_and_unknown_users_are_not_found(services: Services) -> None:
    admin = make_user(services, Role.ADMIN)
    user = make_user(services, Role.ONCOLOGIST)
    token = services.users.start_session(user)
    services.users.set_active(user.id, False, by=admin)
    assert services.users.user_for_session(token) is None
    services.users.set_active(user.id, True, by=admin)
    assert services.users.user_for_session(token) is None  # reactivation revives no session
    details = [e.detail for e in services.audit.audit_log(admin, action="user_change")]
    assert details == ["active=True", "active=False"]
    for change in (
        lambda: services.users.set_active(9999, False, by=admin),
        lambda: services.users.set_role(9999, Role.SURGEON, by=admin),
        lambda: services.users.reset_password(9999, "long enough pw", by=admin),
    ):
        with pytest.raises(NotFoundError):
            change()
