"""Failed logins in the database (the login rate limit) and sessions without a per-process
cache: two ``Services`` over one database stand for two uvicorn worker processes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from livermdt.services import Services
from livermdt.services.roles import Role
from livermdt.storage.models import LoginFailure, utcnow
from livermdt.web.security import DatabaseLoginLimiter, TooManyLoginAttemptsError
from tests.storage.dbfixtures import make_user


def test_failures_count_within_the_window_below_at_and_above(services: Services) -> None:
    store = services.login_failures
    start = utcnow()
    for i in range(3):
        store.record_failure("Ann", "1.2.3.4", 60, now=start + timedelta(seconds=i))
    assert store.recent_failures("ann", "1.2.3.4", 60, now=start + timedelta(seconds=59.9)) == 3
    assert store.recent_failures("ann", "5.6.7.8", 60, now=start) == 0  # another address
    assert store.recent_failures("bob", "1.2.3.4", 60, now=start) == 0  # another username
    # The first failure leaves the window exactly 60 s after it happened.
    just_before = start + timedelta(seconds=60) - timedelta(microseconds=1)
    assert store.recent_failures("ann", "1.2.3.4", 60, now=just_before) == 3
    assert store.recent_failures("ann", "1.2.3.4", 60, now=start + timedelta(seconds=60)) == 2
    assert store.recent_failures("ann", "1.2.3.4", 60, now=start + timedelta(seconds=200)) == 0


def test_old_failures_are_deleted_and_usernames_not_stored(
    services: Services, engine: Engine
) -> None:
    store = services.login_failures
    start = utcnow()
    for i in range(50):
        store.record_failure(f"user{i}", "1.2.3.4", 10, now=start + timedelta(seconds=i))
    assert store.tracked() <= 11  # only the failures of the last 10 s are kept
    store.record_failure("my secret password", "1.2.3.4", 10, now=start + timedelta(seconds=60))
    with engine.connect() as conn:
        keys = conn.execute(select(LoginFailure.key_sha256)).scalars().all()
    assert keys and all("secret" not in k for k in keys)


def test_a_good_login_clears_the_failures(services: Services) -> None:
    store = services.login_failures
    store.record_failure("ann", "1.2.3.4", 60)
    store.clear("ANN", "1.2.3.4")
    assert store.recent_failures("ann", "1.2.3.4", 60) == 0


def test_the_limit_holds_across_worker_processes(engine: Engine) -> None:
    worker_a = DatabaseLoginLimiter(Services(engine).login_failures, max_failures=3, window_s=60)
    worker_b = DatabaseLoginLimiter(Services(engine).login_failures, max_failures=3, window_s=60)
    for limiter in (worker_a, worker_b, worker_a):
        limiter.check("ann", "1.2.3.4")
        limiter.failed("ann", "1.2.3.4")
    for limiter in (worker_a, worker_b):
        with pytest.raises(TooManyLoginAttemptsError):
            limiter.check("ann", "1.2.3.4")
    worker_b.check("ann", "5.6.7.8")


def test_a_logout_in_one_worker_counts_at_once_in_another(engine: Engine) -> None:
    worker_a, worker_b = Services(engine), Services(engine)
    admin = make_user(worker_a, Role.ADMIN)
    user = make_user(worker_a, Role.SURGEON)
    token = worker_a.users.start_session(user)
    other = worker_a.users.start_session(user)
    assert worker_b.users.user_for_session(token) == user
    worker_a.users.end_session(token, user)
    assert worker_b.users.user_for_session(token) is None
    assert worker_b.users.user_for_session(other) == user
    worker_a.users.set_active(user.id, False, by=admin)
    assert worker_b.users.user_for_session(other) is None
