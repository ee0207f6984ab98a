"""Load benchmark of the MDT application: a real uvicorn server on 127.0.0.1 with a seeded
database, driven by a real HTTP load generator; 50 concurrent clients read case pages and post
assessments (``POST /api/cases/{id}/assessment`` runs the engine again). Reports p50/p99 latency
and throughput per workload, on SQLite and (with ``--postgres URL`` or
``LIVERMDT_TEST_POSTGRES_URL``) on PostgreSQL. Target: p99 < 100 ms for the assessment request.

The load generator is ``wrk`` (Debian package) when installed, else an asyncio pool of httpx
clients written here. Both are bounded: wrk by ``--duration``, the pool by ``--requests`` and
``--duration``.

The ``floor`` workload (``GET /api/about``, logged in, a few bytes of JSON) is what the same
server does for the cheapest authenticated request: the framework, the session lookup and the
security headers, without the engine or patient data. It shows, in the same run, how much of
an assessment request's time is the stack itself. With several uvicorn workers the report also
gives how the load generator's connections were split between the worker processes (the
kernel hands each connection to one worker for good; with clients sending back to back, the
worker holding more of them answers each more slowly, which is most of the p99).

    python -m benchmarks web [--duration 10] [--clients 50] [--postgres URL] [--no-sqlite]
    python -m benchmarks web --clients 5,10,20,50 --think-ms 0 --workloads assessment  # capacity
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from livermdt.services import Services
from livermdt.services.demo import demo_documents
from livermdt.services.roles import Role
from livermdt.storage.db import make_engine
from livermdt.storage.migrate import upgrade

USERNAME, PASSWORD = "bench-surgeon", "benchmark password"
TARGET_P99_MS = 100.0


@dataclass
class Result:
    backend: str
    workload: str
    generator: str
    think_ms: int
    clients: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    #: CPU seconds the server processes (uvicorn and its workers) spent during the workload.
    server_cpu_s: float = 0.0
    #: Open connections per worker process in the middle of the run, e.g. "31/19" (wrk only).
    split: str = ""

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_s * 1000 / self.requests if self.requests else 0.0

    def line(self) -> str:
        flag = ""
        if self.workload == "assessment":
            flag = "  (target p99 < 100 ms: " + (
                "met)" if self.p99_ms < TARGET_P99_MS else "NOT met)"
            )
        return (
            f"{self.backend:<10} {self.workload:<11} {self.generator:<5} "
            f"{self.clients:>3} clients think {self.think_ms:>4} ms "
            f"{self.requests:>7} req {self.errors:>4} err {self.throughput:>8.1f} req/s "
            f"p50 {self.p50_ms:>7.1f} ms  p99 {self.p99_ms:>7.1f} ms  "
            f"server CPU {self.cpu_ms_per_request:>5.2f} ms/req"
            + (f"  connections per worker {self.split}" if self.split else "")
            + flag
        )


# ---- database and server ----------------------------------------------------------------------
def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def seed(url: str, n_cases: int) -> list[str]:
    """Migrate, add the benchmark user and ``n_cases`` synthetic cases with stored assessments."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        services = Services(engine)
        user = services.users.create_user(USERNAME, PASSWORD, Role.SURGEON)
        docs = list(demo_documents().values())
        ids = []
        for i in range(n_cases):
            doc = dict(docs[i % len(docs)])
            doc["id"] = f"BENCH-{i:03d}"
            case = services.cases.create_case(doc, user, patient_name=f"BENCH {i} (synthetic)")
            services.assessments.get_assessment(case.id)
            ids.append(case.id)
        return ids
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, port: int, workers: int, http: str = "auto", loop: str = "auto"
) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        LIVERMDT_DATABASE_URL=url,
        LIVERMDT_SECRET_KEY=secrets.token_urlsafe(48),
        LIVERMDT_DEMO="false",
    )
    cmd = [
        sys.executable, "-m", "uvicorn", "livermdt.web.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log", "--http", http, "--loop", loop,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/session", timeout=1).status_code == 401:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("the server did not start")
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the server did not answer within 60 s")


def log_in(base: str) -> tuple[str, str]:
    r = httpx.post(f"{base}/api/session", json={"username": USERNAME, "password": PASSWORD})
    r.raise_for_status()
    return r.cookies["livermdt_session"], r.json()["csrf_token"]


def case_page_path(base: str, cookie: str, case_id: str) -> str:
    """U's HTML case page when the pages are installed, else the API's case document."""
    r = httpx.get(f"{base}/cases/{case_id}", cookies={"livermdt_session": cookie})
    return "/cases/{id}" if r.status_code == 200 else "/api/cases/{id}"


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its children that are still running (the
    uvicorn workers), from /proc (Linux); 0.0 where /proc is unavailable."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        pending += [int(c) for c in children]
    return total


def _worker_pids(pid: int) -> list[int]:
    """The uvicorn worker processes under ``pid`` (started by multiprocessing's spawn; its
    resource tracker, also a child, is left out), or ``pid`` itself when it has none."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return [pid]
    workers = []
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
        except OSError:
            continue
    return workers or [pid]


def connection_split(server_pid: int, port: int) -> str:
    """Established connections to ``port`` per worker process, e.g. "31/19", from /proc
    (Linux; "" elsewhere): the sockets listed in /proc/net/tcp matched to each worker's fds."""
    try:
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01":  # ESTABLISHED
                    inodes.add(fields[9])
        counts = []
        for pid in _worker_pids(server_pid):
            n = 0
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    n += 1
            counts.append(n)
    except (OSError, ValueError, IndexError):
        return ""
    return "/".join(str(n) for n in sorted(counts, reverse=True)) if len(counts) > 1 else ""


# ---- wrk --------------------------------------------------------------------------------------
WRK_SCRIPT = """
local ids = {%(ids)s}
local mode = "%(mode)s"
local page = "%(page)s"
local n = 0
local think = %(think)d
if think > 0 then
  delay = function() return math.random(math.floor(think / 2), think + math.floor(think / 2)) end
end
wrk.headers["Cookie"] = "livermdt_session=%(cookie)s"
wrk.headers["X-CSRF-Token"] = "%(csrf)s"
request = function()
  n = n + 1
  local id = ids[(n %% #ids) + 1]
  if mode == "assessment" or (mode == "mixed" and n %% 2 == 0) then
    return wrk.format("POST", "/api/cases/" .. id .. "/assessment", nil, "")
  end
  if mode == "floor" then
    return wrk.format("GET", "/api/about")
  end
  return wrk.format("GET", (string.gsub(page, "{id}", id)))
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%d %%f %%f %%f\\n", summary.requests, errors,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
"""


def run_wrk(
    base: str,
    mode: str,
    ids: list[str],
    cookie: str,
    csrf: str,
    page: str,
    think_ms: int,
    clients: int,
    args: argparse.Namespace,
    server_pid: int | None = None,
) -> tuple[int, int, float, float, float, str]:
    """Run wrk; returns (requests, errors, seconds, p50 ms, p99 ms, connection split). With
    ``server_pid``, the split between its workers is read half-way through the run."""
    script = WRK_SCRIPT % {
        "ids": ", ".join(f'"{i}"' for i in ids),
        "mode": mode,
        "page": page,
        "cookie": cookie,
        "csrf": csrf,
        "think": think_ms,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    split = ""
    try:
        wrk = subprocess.Popen(
            [
                "wrk", "-t", str(min(args.threads, clients)), "-c", str(clients),
                "-d", f"{args.duration}s", "--timeout", "10s", "-s", f.name, base,
            ],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        if server_pid is not None:
            time.sleep(args.duration / 2)
            split = connection_split(server_pid, int(base.rsplit(":", 1)[1]))
        out, err_text = wrk.communicate(timeout=args.duration + 60)
        if wrk.returncode != 0:
            raise RuntimeError(f"wrk failed: {err_text.strip()}")
    finally:
        Path(f.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    req, err, secs, p50, p99 = line.split()[1:]
    return int(req), int(err), float(secs), float(p50), float(p99), split


# ---- asyncio httpx pool -----------------------------------------------------------------------
async def _pool(
    base: str,
    mode: str,
    ids: list[str],
    cookie: str,
    csrf: str,
    page: str,
    think_ms: int,
    clients: int,
    args: argparse.Namespace,
) -> tuple[int, int, float, float, float]:
    latencies: list[float] = []
    errors = 0
    budget = args.requests
    stop_at = time.monotonic() + args.duration
    counter = 0

    async def client() -> None:
        nonlocal errors, budget, counter
        async with httpx.AsyncClient(
            base_url=base,
            cookies={"livermdt_session": cookie},
            headers={"X-CSRF-Token": csrf},
            timeout=10,
        ) as c:
            while budget > 0 and time.monotonic() < stop_at:
                budget -= 1
                counter += 1
                case_id = ids[counter % len(ids)]
                post = mode == "assessment" or (mode == "mixed" and counter % 2 == 0)
                t0 = time.perf_counter()
                if post:
                    r = await c.post(f"/api/cases/{case_id}/assessment")
                elif mode == "floor":
                    r = await c.get("/api/about")
                else:
                    r = await c.get(page.replace("{id}", case_id))
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code >= 400:
                    errors += 1
                if think_ms:
                    await asyncio.sleep(random.uniform(think_ms / 2000, think_ms * 1.5 / 1000))

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    secs = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0]
    return (
        len(latencies),
        errors,
        secs,
        q[49] if len(q) > 49 else q[0],
        q[98] if len(q) > 98 else q[-1],
    )


# ---- driver -----------------------------------------------------------------------------------
def bench_backend(backend: str, url: str, args: argparse.Namespace) -> list[Result]:
    ids = seed(url, args.cases)
    port = _free_port()
    server = start_server(url, port, args.workers, args.http, args.loop)
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        cookie, csrf = log_in(base)
        page = case_page_path(base, cookie, ids[0])
        use_wrk = shutil.which("wrk") is not None and not args.httpx
        for clients, think_ms in [(c, t) for c in args.clients for t in args.think_ms]:
            for mode in args.workloads:
                cpu0 = server_cpu_s(server.pid)
                split = ""
                if use_wrk:
                    req, err, secs, p50, p99, split = run_wrk(
                        base, mode, ids, cookie, csrf, page, think_ms, clients, args, server.pid
                    )
                else:
                    req, err, secs, p50, p99 = asyncio.run(
                        _pool(base, mode, ids, cookie, csrf, page, think_ms, clients, args)
                    )
                cpu = server_cpu_s(server.pid) - cpu0
                generator = "wrk" if use_wrk else "httpx"
                result = Result(
                    backend, mode, generator, think_ms, clients, req, err, secs, p50, p99, cpu,
                    split if args.workers > 1 else "",
                )  # fmt: skip
                print(result.line(), flush=True)
                results.append(result)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_web", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per workload")
    parser.add_argument("--requests", type=int, default=20000, help="cap (httpx pool)")
    parser.add_argument(
        "--clients",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[50],
        help="concurrent clients, e.g. 50 or 5,10,20,50 (each count is one run per workload)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument(
        "--think-ms",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[0, 1000],
        help="pause of each client between requests, e.g. 0,1000 (0 = back to back)",
    )
    parser.add_argument("--postgres", default=os.environ.get("LIVERMDT_TEST_POSTGRES_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--workloads",
        type=lambda v: v.split(","),
        default=["assessment", "case_page", "mixed", "floor"],
        help="comma-separated subset of assessment,case_page,mixed,floor",
    )
    parser.add_argument(
        "--http", default="auto", choices=["auto", "h11", "httptools"], help="uvicorn parser"
    )
    parser.add_argument(
        "--loop", default="auto", choices=["auto", "asyncio", "uvloop"], help="uvicorn event loop"
    )
    parser.add_argument("--httpx", action="store_true", help="use the httpx pool even with wrk")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    print(
        f"{','.join(map(str, args.clients))} concurrent clients, {args.duration} s per workload, "
        f"{args.workers} uvicorn worker(s), {os.cpu_count()} CPUs"
    )
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            results += bench_backend("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args)
    if args.postgres:
        _reset_postgres(args.postgres)
        results += bench_backend("postgresql", args.postgres, args)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
