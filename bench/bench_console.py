"""Console speed on the demo data: p50/p95 per page, and the playground's WebSocket round trip.

    .venv/bin/python bench/bench_console.py [--rounds 40]

Sets up what ``saas demo`` sets up (a scored month of 300 drivers, a pending draft with its impact
test) in a temporary SQLite database, serves it with ``saas serve`` in its own process, signs in
through the demo's one-time links and requests each page ``rounds`` times (the configuration draft
is the demo's, with its impact charts). A page's time is the
request's wall time over loopback (the server's time plus well under a millisecond of HTTP);
``/healthz`` is measured the same way in the same run as the baseline, and each page is printed as
a ratio to it. The first request of a page is shown apart: it renders its charts (later requests
reuse the SVG of an unchanged chart). The playground figure is one message → one priced fragment
on an open WebSocket, changing the driver's age every time. Targets: ≤ 200 ms per page, ≤ 50 ms
per playground round trip.
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

from bench.machine import describe
from saas.console.quote_form import defaults
from saas.settings import ROOT
from tests.services import free_port

PAGE_TARGET_MS, SOCKET_TARGET_MS = 200.0, 50.0


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
    process = subprocess.Popen([sys.executable, "-m", "saas.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.25)
    process.kill()
    raise RuntimeError("saas serve did not become ready")


def timed(client: httpx.Client, path: str, rounds: int) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    first = client.get(path)
    cold = (time.perf_counter() - started) * 1e3
    assert first.status_code == 200, (path, first.status_code, first.text[:300])
    out = np.empty(rounds)
    for i in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        out[i] = (time.perf_counter() - started) * 1e3
        assert response.status_code == 200, path
    return cold, out


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
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "SAAS_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bench.db"}
        env.pop("SAAS_REDIS_URL", None)
        links, draft = demo(env)
        port = free_port()
        process = serve(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            report(base, links, draft, args.rounds)
        finally:
            process.terminate()
            process.wait(timeout=30)


def report(base: str, links: dict[str, str], draft: str, rounds: int) -> None:
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
    _, baseline = timed(admin, "/healthz", rounds)
    base_p50 = float(np.percentile(baseline, 50))
    print(f"machine: {describe()}")
    print(f"baseline /healthz: p50 {base_p50:.2f} ms, p95 {np.percentile(baseline, 95):.2f} ms ({rounds} requests)\n")
    print(f"{'page':44} {'first':>8} {'p50':>8} {'p95':>8} {'p50/healthz':>12}  target ≤ {PAGE_TARGET_MS:.0f} ms")
    worst = 0.0
    for role, path in pages:
        cold, warm = timed(clients[role], path, rounds)
        p50, p95 = float(np.percentile(warm, 50)), float(np.percentile(warm, 95))
        worst = max(worst, p95)
        shown = path if len(path) <= 44 else path[:41] + "..."
        print(f"{shown:44} {cold:8.1f} {p50:8.1f} {p95:8.1f} {p50 / base_p50:11.1f}x")
    cookie = "saas_console=" + clients["rating"].cookies["saas_console"]
    trips = socket_round_trips(base, cookie, rounds * 5)
    p50, p95 = float(np.percentile(trips, 50)), float(np.percentile(trips, 95))
    print(f"\nplayground WebSocket round trip: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(trips)} messages), "
          f"{p50 / base_p50:.1f}x /healthz; target ≤ {SOCKET_TARGET_MS:.0f} ms")
    print(f"worst page p95 {worst:.1f} ms: {'within' if worst <= PAGE_TARGET_MS else 'OVER'} target; "
          f"socket p95 {'within' if p95 <= SOCKET_TARGET_MS else 'OVER'} target")


if __name__ == "__main__":
    main()
