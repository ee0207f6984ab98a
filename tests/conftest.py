"""Fixtures shared by every test package.

Tests that need an external program (PostgreSQL, Chromium) or the shared data folder call
``need(...)``: locally it skips with the reason, in CI (``CI=true``) it fails, so a missing install
step in ``.ci/run`` cannot hide behind a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge behaviour, not speed (speed lives in benchmarks/): no per-example deadline
# and no "too slow" health check, which only measure how busy the machine is. Failing examples are
# printed with the blob that reproduces them.
settings.register_profile(
    "livermdt",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("livermdt")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI, when ``condition`` is false."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    need(SHARED.is_dir(), f"the shared material folder {SHARED} is absent")
    return SHARED


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
