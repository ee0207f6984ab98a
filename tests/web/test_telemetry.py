"""FastAPI's native OpenTelemetry and patient data. FastAPI switches it on by itself when an
OpenTelemetry SDK is configured in the process (as ``opentelemetry-instrument`` or a hospital's
collector set-up does), and its log records carry an unhandled exception's message. livermdt
keeps it off unless ``LIVERMDT_TELEMETRY`` asks for it, and then sends traces and metrics only.

Each case runs in a fresh interpreter: OpenTelemetry's global providers can be set once per
process."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need

SCRIPT = r"""
import json, secrets, sys
from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

spans = InMemorySpanExporter()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
trace.set_tracer_provider(tracer_provider)
logs = InMemoryLogRecordExporter()
logger_provider = LoggerProvider()
logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
_logs.set_logger_provider(logger_provider)
reader = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))

from fastapi.testclient import TestClient
from livermdt.services.roles import Role
from livermdt.web.app import create_app
from livermdt.web.settings import Settings

settings = Settings(database_url=sys.argv[1], secret_key=secrets.token_urlsafe(48))
app = create_app(settings)
services = app.state.services
services.users.create_user("doc", "correct horse battery", Role.SURGEON)

def fail(*args, **kwargs):
    raise RuntimeError("could not store Jane Example-Patient, MRN-0042-SECRET")

services.cases.create_case = fail
with TestClient(app) as client:
    r = client.post("/api/session", json={"username": "doc", "password": "correct horse battery"})
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    assert client.get("/api/cases").status_code == 200
    r = client.post("/api/cases", json={"document": {}, "mrn": "MRN-0042-SECRET"})
    assert r.status_code == 500
    # a request FastAPI rejects itself (it would write a log record of the failed validation)
    r = client.post("/api/cases", json={"document": [], "mrn": "MRN-0042-SECRET" * 9})
    assert r.status_code == 422

finished = spans.get_finished_spans()
data = reader.get_metrics_data()
exported = (
    json.dumps([s.to_json() for s in finished])
    + json.dumps([r.to_json() for r in logs.get_finished_logs()])
    + (data.to_json() if data is not None else "")
)
print(json.dumps({
    "routes": sorted({s.attributes.get("http.route") for s in finished if s.kind.name == "SERVER"}),
    "spans": len(finished),
    "log_records": len(logs.get_finished_logs()),
    "metrics": [
        m.name
        for rm in (data.resource_metrics if data else [])
        for sm in rm.scope_metrics
        for m in sm.metrics
    ],
    "leak": "Jane Example-Patient" in exported or "MRN-0042-SECRET" in exported,
}))
"""


def _run(tmp_path: Path, telemetry: str | None) -> dict[str, object]:
    need(
        importlib.util.find_spec("opentelemetry.sdk") is not None,
        "opentelemetry-sdk is not installed (pip install -e '.[dev]')",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIVERMDT_", "OTEL_"))}
    env.pop("FASTAPI_OTEL_AUTO_CONFIGURE", None)
    if telemetry is not None:
        env["LIVERMDT_TELEMETRY"] = telemetry
    url = f"sqlite:///{tmp_path / 'telemetry.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_off_by_default_even_with_an_sdk_in_the_process(tmp_path: Path) -> None:
    result = _run(tmp_path, None)
    assert result == {"routes": [], "spans": 0, "log_records": 0, "metrics": [], "leak": False}


@pytest.mark.parametrize("value", ["true", "1"])
def test_when_asked_for_traces_and_metrics_by_route_template_and_no_log_records(
    tmp_path: Path, value: str
) -> None:
    result = _run(tmp_path, value)
    assert result["routes"] == ["/api/cases", "/api/session"]
    assert isinstance(result["spans"], int) and result["spans"] >= 3
    assert "http.server.request.duration" in result["metrics"]  # type: ignore[operator]
    assert result["log_records"] == 0
    assert result["leak"] is False
