"""HTTP load with wrk (a real load generator, not a Python client sharing the server's cores).

One server process is started per measurement. The server's CPU seconds come from
/proc/<pid>/stat before and after the run, so the report shows where the ceiling is: CPU per
request, not only requests per second. wrk is installed from Debian's packages when missing.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Result:
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float
    errors: int

    def line(self, floor: float | None = None) -> str:
        ratio = f"  {self.rps / floor:5.3f} x bare" if floor else ""
        return (f"  {self.label:38} {self.rps:8.0f} req/s  p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms  "
                f"server CPU {self.cpu_ms_per_request:6.3f} ms/req{ratio}" + (f"  ERRORS {self.errors}" if self.errors
                                                                             else ""))


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MODULE_APPS = {"saas.app:create_app": "bench.asgi_app:app", "bench.bare_app:create_app": "bench.bare_app:app"}


def serve(factory: str, env: dict[str, str], health: str,
          server: str = "uvicorn") -> tuple[subprocess.Popen[bytes], str]:
    """One server process on a free port: uvicorn (``--factory``, with the fastest installed loop and
    parser) or granian (Rust HTTP, uvloop, one worker) for comparison."""
    port = free_port()
    if server == "granian":
        cmd = [str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port",
               str(port), "--workers", "1", "--loop", "uvloop", "--no-log", MODULE_APPS[factory]]
    else:
        cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(cmd, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + health, timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"{factory} did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the server process and its worker children (granian runs its app in one)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def wrk(label: str, url: str, pid: int, *, body: bytes | None = None, headers: dict[str, str] | None = None,
        connections: int = 32, seconds: int = 10, cpus: str | None = None) -> Result:
    """``cpus`` pins wrk (``taskset -c``) so it never shares a core with a server pinned elsewhere."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "request.lua"
        lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in (headers or {}).items()]
        if body is not None:
            (Path(tmp) / "body.json").write_bytes(body)
            lines += ['wrk.method = "POST"', f'local f = io.open("{tmp}/body.json", "rb")',
                      "wrk.body = f:read(\"*a\")", "f:close()"]
        script.write_text("\n".join(lines) + "\n")
        before = cpu_seconds(pid)
        pin = ["taskset", "-c", cpus] if cpus else []
        out = subprocess.run([*pin, ensure_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                              str(script), url], capture_output=True, text=True, check=True).stdout
        used = cpu_seconds(pid) - before
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Result(label, float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
                  _ms(out, "50%"), _ms(out, "99%"), used / max(total, 1) * 1e3, errors)


def _ms(out: str, pct: str) -> float:
    value, unit = re.search(rf"{pct}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
