"""Throw-away PostgreSQL and Redis servers for integration tests: real servers, never mocks.

Each server lives in its own temp dir on a free loopback port and is stopped and deleted at the
end of the session. As root, PostgreSQL runs as the ``postgres`` OS user (it refuses to run as
root), so its directory is chowned to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.waiting import LOADED

STARTUP_TIMEOUT_S = 30.0 * LOADED
"""A server accepting connections (a second or two idle; initdb and start under full load take longer)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin dir (Debian layout), or the one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed: run .ci/services")
    return Path(initdb).parent


class PostgresServer:
    """``initdb`` + ``pg_ctl start`` in a temp dir; tuned for tests (no fsync), not for durability."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="saas-pg-"))
        self.port = free_port()
        self.bin = postgres_bin()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root, check=False)
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}{done.stdout}\n{tail}")

    def start(self, attempts: int = 3) -> PostgresServer:
        """Start on a free port; another process may grab the port first, so try a few."""
        if self.as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.root / "data"), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")
        for attempt in range(attempts):
            try:
                self._pg_ctl_start()
                return self
            except RuntimeError:
                if attempt == attempts - 1:
                    shutil.rmtree(self.root, ignore_errors=True)
                    raise
                self.port = free_port()
        return self

    def _pg_ctl_start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-o", options, "-l",
                  str(self.root / "log"), "-w", "-t", str(int(STARTUP_TIMEOUT_S)), "start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def app_role(self, database: str, role: str = "saas_app") -> str:
        """A login role that owns nothing in ``database`` and may read and write its tables, as the API
        connects in production (row security applies to it); returns its URL."""
        grants = (f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
                  f"CREATE ROLE {role} LOGIN; END IF; END $$; "
                  f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; "
                  f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};")
        self._run(str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                  "-v", "ON_ERROR_STOP=1", "-c", grants)
        return f"postgresql+asyncpg://{role}@127.0.0.1:{self.port}/{database}"

    def pause(self) -> None:
        """Stop the server as an operator would (``-m fast``: sessions terminated), keeping its data."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start a paused server again on the same port."""
        self._pg_ctl_start()

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    """``redis-server`` without persistence on a free loopback port."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="saas-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, attempts: int = 3) -> RedisServer:
        """Start on a free port, retrying on a new one if another process took it meanwhile."""
        for _ in range(attempts):
            if self._launch():
                return self
            self.port = free_port()
        self.stop()
        raise RuntimeError(f"redis-server did not start after {attempts} attempts")

    def _launch(self) -> bool:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._pong():
            if self.process.poll() is not None or time.monotonic() > deadline:
                if self.process.poll() is None:
                    self.process.terminate()
                    self.process.wait(timeout=10)
                return False
            time.sleep(0.05)
        return self.process.poll() is None  # a PONG from someone else's server on a stolen port is not ours

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
