"""Before/after on the same machine in one run: the quote path of two checkouts under wrk.

For each checkout (``--before DIR``, this one after), a SQLite database is prepared by that
checkout's own CLI and one server process of that checkout's code is loaded with wrk, alternating
before/after runs so a drifting background load hits both alike. The "before" checkout is also run
on the stack it shipped with (h11 and asyncio) to separate the stack's share from the code's.

On a machine with two or more cores the server is pinned to one core and wrk to another
(``taskset``): otherwise the scheduler moves them onto the same core now and then, and on a 2-core
VM that alone moved one checkout's figure by ±30 % between runs minutes apart. The verdict is the
median of the per-round ratios (each round runs before and after back to back), which a drift that
spans rounds cannot bias, next to the best of each.
Run: ``.venv/bin/python bench/compare_commits.py --before /path/to/old/checkout``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import Result, free_port, wrk  # noqa: E402
from bench.machine import describe  # noqa: E402
from saas.rating.routes import EXAMPLE_QUOTE  # noqa: E402


def prepare(tree: Path, db: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree), "SAAS_DATABASE_URL": db}
    cli = [sys.executable, "-m", "saas.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, cwd=tree, check=True, capture_output=True)
    out = subprocess.run([*cli, "keys", "create", "--tenant", "partner-a", "--role", "rating", "--name", "bench"],
                         env=env, cwd=tree, check=True, capture_output=True, text=True).stdout
    return next(word for word in out.split() if word.startswith("rk_") and word.count("_") >= 2)


SERVER_CPU, WRK_CPU = ("1", "0") if (os.cpu_count() or 1) >= 2 else (None, None)


def run(label: str, tree: Path, db: str, key: str, stack: list[str], explain: str, seconds: int) -> Result:
    import httpx

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tree), "SAAS_DATABASE_URL": db}
    pin = ["taskset", "-c", SERVER_CPU] if SERVER_CPU else []
    server = subprocess.Popen([*pin, sys.executable, "-m", "uvicorn", "--factory", "saas.app:create_app", "--port",
                               str(port), "--log-level", "warning", "--no-access-log", *stack], env=env, cwd=tree)
    try:
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                import time
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/v1/quotes?explain={explain}"
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        body = json.dumps(EXAMPLE_QUOTE).encode()
        wrk("warm-up", url, server.pid, body=body, headers=headers, seconds=2, cpus=WRK_CPU)
        return wrk(label, url, server.pid, body=body, headers=headers, seconds=seconds, cpus=WRK_CPU)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(args: argparse.Namespace) -> None:
    print(f"machine: {describe()}; load average at start {os.getloadavg()[0]:.2f}; "
          f"server on CPU {SERVER_CPU}, wrk on CPU {WRK_CPU}")
    before = Path(args.before).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        dbs = {name: f"sqlite+aiosqlite:///{tmp}/{name}.db" for name in ("before", "after")}
        keys = {"before": prepare(before, dbs["before"]), "after": prepare(ROOT, dbs["after"])}
        old_stack = ["--loop", "asyncio", "--http", "h11"]
        for explain in ("false", "true"):
            rows: dict[str, list[Result]] = {}
            for _ in range(args.rounds):
                runs = (("before, h11 + asyncio", before, old_stack), ("before, same stack", before, []),
                        ("after", ROOT, []))
                for label, tree, stack in runs:
                    name = "before" if tree == before else "after"
                    rows.setdefault(label, []).append(run(label, tree, dbs[name], keys[name], stack, explain,
                                                          args.seconds))
            print(f"\nPOST /v1/quotes?explain={explain} on SQLite, wrk -t1 -c32, best of {args.rounds} runs each")
            base = max(rows["before, h11 + asyncio"], key=lambda r: r.rps)
            for results in rows.values():
                best = max(results, key=lambda r: r.rps)
                print(best.line() + f"   x{best.rps / base.rps:4.2f} vs before")
            pairs = list(zip(rows["before, same stack"], rows["after"], strict=True))
            ratios = sorted(after.rps / before.rps for before, after in pairs)
            cpu = sorted(before.cpu_ms_per_request / after.cpu_ms_per_request for before, after in pairs
                         if after.cpu_ms_per_request)
            print(f"after / before, same stack, per round: {' '.join(f'{r:.3f}' for r in ratios)}; "
                  f"median x{statistics.median(ratios):.3f} in req/s, x{statistics.median(cpu):.3f} in server "
                  "CPU per request (before / after)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", required=True, help="an older checkout of this repository")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    main(parser.parse_args())
