"""Users: argon2 hashes, authentication, sessions (server side, expiring), validation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from livermdt.errors import ConflictError, InvalidInputError, PermissionDeniedError
from livermdt.services import Services
from livermdt.services.roles import Permission, Role
from livermdt.services.users import SESSION_LIFETIME
from livermdt.storage.models import User, UserSession, utcnow
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
    just_before = start + SESSION_LIFETIME - timedelta(seconds=1)
    assert services.users.user_for_session(token, now=just_before) == user
    assert services.users.user_for_session(token, now=start + SESSION_LIFETIME) is None
    assert services.users.user_for_session(token + "x", now=start) is None
    with engine.connect() as conn:
        assert token not in conn.execute(select(UserSession.token_sha256)).scalar_one()
    services.users.end_session(token, user)
    assert services.users.user_for_session(token, now=start) is None


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
