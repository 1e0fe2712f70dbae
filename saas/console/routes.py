"""The console as one Litestar router under ``/console``, its templates and its vendored static files.

The app factory mounts ``router()`` and passes ``template_config()`` to Litestar; every page is a
handler of a module here, calling the same services (named dependencies) as the API's handlers.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Router
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from saas.console import (
    adverse_pages,
    compliance,
    config_pages,
    fairness_pages,
    overview,
    playground,
    rate_pages,
    runs,
    signin,
)
from saas.console.web import PREFIX, console_error, provide_user
from saas.errors import SaasError

HERE = Path(__file__).parent
PAGES = [*signin.ROUTES, *overview.ROUTES, *rate_pages.ROUTES, *playground.ROUTES, *compliance.ROUTES, *runs.ROUTES,
         *config_pages.ROUTES, *fairness_pages.ROUTES, *adverse_pages.ROUTES]


def router() -> Router:
    static = create_static_files_router(path="/static", directories=[HERE / "static"], include_in_schema=False,
                                        name="console-static")
    return Router(path=PREFIX, route_handlers=[*PAGES, static], include_in_schema=False,
                  dependencies={"user": Provide(provide_user)}, exception_handlers={SaasError: console_error})


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda value: f"${value:,.2f}"
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
