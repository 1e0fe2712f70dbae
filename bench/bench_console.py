"""Console speed on the demo data: p50/p95 per page, and the playground's WebSocket round trip.

    .venv/bin/python bench/bench_console.py [--rounds 40]

Sets up what ``saas demo`` sets up (a scored month of 300 drivers, a pending draft with its impact
test) in a temporary SQLite database, serves it with ``saas serve`` in its own process, signs in
through the demo's one-time links, then loads each page with wrk (one connection, ``--seconds``
each, the session's cookie; the configuration draft is the demo's, with its impact charts). The
server is pinned to one core and wrk to the other, so the load generator never takes the server's
core. ``/healthz`` is loaded the same way in the same run as the baseline, and each page is printed
as a ratio to it, with the server's CPU per request. The first request of a page is timed apart (one
request): it renders its charts (later requests reuse the SVG of an unchanged chart). The
playground figure is one message → one priced fragment on an open WebSocket (wrk speaks no
WebSocket): a latency, one message at a time, not a load. Targets: ≤ 200 ms per page, ≤ 50 ms per
playground round trip.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_load import Result, wrk
from bench.machine import describe
from saas.console.quote_form import defaults
from saas.settings import ROOT
from tests.services import free_port

PAGE_TARGET_MS, SOCKET_TARGET_MS = 200.0, 50.0
SERVER_CPU, WRK_CPU = ("1", "0") if (os.cpu_count() or 1) >= 2 else (None, None)


def demo(env: dict[str, str]) -> tuple[dict[str, str], str]:
    done = subprocess.run([sys.executable, "-m", "saas.cli", "demo", "--no-serve"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900, check=True)
    links = dict(re.findall(r"^\s+(admin|approver|compliance|rating)\s+http://\S+(/console/sign-in/link/\S+)$",
                            done.stdout, re.MULTILINE))
    draft = re.search(r"pending configuration draft with its impact: http://\S+(/console/config/versions/\w+)",
                      done.stdout)
    assert draft is not None and len(links) == 4, done.stdout
    return links, draft.group(1)


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    pin = ["taskset", "-c", SERVER_CPU] if SERVER_CPU else []
    process = subprocess.Popen([*pin, sys.executable, "-m", "saas.cli", "serve", "--port", str(port)], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.25)
    process.kill()
    raise RuntimeError("saas serve did not become ready")


def timed(client: httpx.Client, path: str, pid: int, seconds: int) -> tuple[float, Result]:
    """The first request (one, from here: it renders the page's charts), then wrk's figures."""
    started = time.perf_counter()
    first = client.get(path)
    cold = (time.perf_counter() - started) * 1e3
    assert first.status_code == 200, (path, first.status_code, first.text[:300])
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    result = wrk(path, str(client.base_url).rstrip("/") + path, pid, headers={"Cookie": cookie} if cookie else None,
                 connections=1, seconds=seconds, cpus=WRK_CPU)
    assert result.errors == 0, f"{path}: {result.errors} non-2xx answers under wrk"
    return cold, result


def socket_round_trips(base: str, cookie: str, rounds: int) -> np.ndarray:
    values = defaults(["TX"], dt.date.today(), {})
    uri = base.replace("http://", "ws://") + "/console/playground/ws"
    out = np.empty(rounds)
    with connect(uri, additional_headers={"Cookie": cookie, "Origin": base}) as socket:
        for i in range(rounds + 5):
            values["drivers.0.age"] = str(40 + i % 40)
            started = time.perf_counter()
            socket.send(json.dumps(values))
            answer = socket.recv()
            elapsed = (time.perf_counter() - started) * 1e3
            assert 'id="premium"' in answer, answer[:300]
            if i >= 5:  # the first few warm the connection and the model's per-thread state
                out[i - 5] = elapsed
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per page")
    parser.add_argument("--messages", type=int, default=200, help="playground WebSocket messages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "SAAS_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bench.db"}
        env.pop("SAAS_REDIS_URL", None)
        links, draft = demo(env)
        port = free_port()
        process = serve(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            report(base, links, draft, process.pid, args.seconds, args.messages)
        finally:
            process.terminate()
            process.wait(timeout=30)


def report(base: str, links: dict[str, str], draft: str, pid: int, seconds: int, messages: int) -> None:
    clients = {}
    for role in ("admin", "rating", "compliance"):
        client = httpx.Client(base_url=base, timeout=60)
        assert client.get(links[role]).status_code == 303
        clients[role] = client
    admin = clients["admin"]
    run = re.search(r'href="(/console/runs/[0-9a-f-]{36})"', admin.get("/console/runs").text)
    rate = re.search(r'href="(/console/rates/versions/\w+)"', admin.get("/console/rates").text)
    assert run is not None and rate is not None
    pages = [("admin", "/console"), ("admin", "/console/config"), ("admin", draft), ("admin", "/console/config/new"),
             ("admin", "/console/rates"), ("admin", rate.group(1)), ("admin", "/console/runs"),
             ("admin", run.group(1)), ("admin", "/console/drivers/demo-0002"), ("rating", "/console/playground"),
             ("compliance", "/console/compliance")]
    _, baseline = timed(admin, "/healthz", pid, seconds)
    print(f"machine: {describe()}; server on CPU {SERVER_CPU}, wrk on CPU {WRK_CPU}")
    print(f"baseline /healthz under wrk -c1: p50 {baseline.p50_ms:.2f} ms, p99 {baseline.p99_ms:.2f} ms, "
          f"{baseline.rps:.0f} req/s, server CPU {baseline.cpu_ms_per_request:.2f} ms/req\n")
    print(f"{'page':44} {'first':>8} {'p50':>8} {'p99':>8} {'req/s':>7} {'CPU/req':>8} {'p50/healthz':>12}  "
          f"target ≤ {PAGE_TARGET_MS:.0f} ms")
    worst = 0.0
    for role, path in pages:
        cold, warm = timed(clients[role], path, pid, seconds)
        worst = max(worst, warm.p99_ms)
        shown = path if len(path) <= 44 else path[:41] + "..."
        print(f"{shown:44} {cold:8.1f} {warm.p50_ms:8.1f} {warm.p99_ms:8.1f} {warm.rps:7.0f} "
              f"{warm.cpu_ms_per_request:8.2f} {warm.p50_ms / baseline.p50_ms:11.1f}x")
    cookie = "saas_console=" + clients["rating"].cookies["saas_console"]
    trips = socket_round_trips(base, cookie, messages)
    base_p50 = baseline.p50_ms
    p50, p95 = float(np.percentile(trips, 50)), float(np.percentile(trips, 95))
    print(f"\nplayground WebSocket round trip: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(trips)} messages), "
          f"{p50 / base_p50:.1f}x /healthz; target ≤ {SOCKET_TARGET_MS:.0f} ms")
    print(f"worst page p99 {worst:.1f} ms: {'within' if worst <= PAGE_TARGET_MS else 'OVER'} target; "
          f"socket p95 {'within' if p95 <= SOCKET_TARGET_MS else 'OVER'} target")


if __name__ == "__main__":
    main()
