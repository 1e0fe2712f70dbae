"""Profile one ``saas`` server under wrk load with py-spy (where the CPU of an audited quote goes).

Run: ``.venv/bin/python bench/profile_quotes.py [--explain] [--postgres]``; writes a collapsed
stack file and prints the top frames by own and total samples, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_quotes import prepare_database, quotes  # noqa: E402
from bench.http_load import serve, wrk  # noqa: E402
from tests.services import PostgresServer  # noqa: E402


def top(collapsed: Path, n: int = 25) -> None:
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    print(f"{samples} samples; top frames by total (inclusive) share:")
    for frame, count in total.most_common(n):
        print(f"  {count / samples:6.1%}  {frame}")
    print("top frames by own share:")
    for frame, count in own.most_common(n):
        print(f"  {count / samples:6.1%}  {frame}")


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        postgres = PostgresServer().start() if args.postgres else None
        url = postgres.create_database("profile") if postgres else f"sqlite+aiosqlite:///{tmp}/p.db"
        key = asyncio.run(prepare_database(url))
        server, base = serve("saas.app:create_app", {"SAAS_DATABASE_URL": url}, "/healthz")
        out = Path(args.out)
        spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--format", "raw", "--rate", "200",
                                "--duration", str(args.seconds + 1), "--output", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        body = msgspec.json.encode(quotes(1)[0])
        url = f"{base}/v1/quotes?explain={str(args.explain).lower()}"
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        load = threading.Thread(target=lambda: print(wrk("quotes", url, server.pid, body=body, seconds=args.seconds,
                                                         headers=headers).line()))
        load.start()
        load.join()
        spy.wait(timeout=60)
        server.terminate()
        server.wait(timeout=30)
        if postgres:
            postgres.stop()
        top(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--out", default="/tmp/quotes.collapsed")
    main(parser.parse_args())
