"""The Litestar application factory."""

from __future__ import annotations

from litestar import Litestar, get

from saas.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()

    @get("/healthz", operation_id="healthz", sync_to_thread=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process is up."""
        return {"status": "ok"}

    return Litestar(route_handlers=[healthz])
