"""The floor of the serving stack: a Litestar app with one route returning a small JSON body.

Served by the same uvicorn (same loop and HTTP parser) as the product, so the ratio of a quote's
rate to this app's rate says how much of the stack's capacity the quote path uses.
"""

from __future__ import annotations

from litestar import Litestar, get


@get("/ping", sync_to_thread=False)
def ping() -> dict[str, str]:
    return {"status": "ok", "service": "bare"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[ping], debug=False)


app = create_app()
"""For servers without a factory option (granian): ``bench.bare_app:app``."""
