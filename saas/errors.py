"""The domain error tree.

Every failure the domain can name is a ``SaasError``. Nothing here knows about HTTP: the single
mapping to status codes and JSON bodies lives in ``saas.http_errors`` so that services, jobs and the
CLI raise the same errors the API reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CARET_WIDTH = 100
"""Longest source excerpt printed above a caret; a longer line shows the window around the column."""


@dataclass(frozen=True)
class Location:
    """Where in a source file a problem sits (1-based line and column)."""

    file: str
    line: int
    col: int
    source_line: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def caret(self) -> str:
        """The offending line with a caret under the column, as compilers print it."""
        if not self.source_line:
            return ""
        line, col = self.source_line, self.col
        if len(line) > CARET_WIDTH:
            start = max(0, min(col - CARET_WIDTH // 2, len(line) - CARET_WIDTH))
            line, col = line[start:start + CARET_WIDTH], col - start
        return f"    {line}\n    {' ' * (col - 1)}^"


class SaasError(Exception):
    """Root of every error the domain raises; ``type`` is the stable machine-readable name."""

    type = "error"
    title = "Error"

    def __init__(self, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.path = path


class ValidationFailed(SaasError):
    """Input that does not match its schema (request bodies, query parameters).

    ``errors`` lists every problem found (``{"path", "detail"}``) when there is more than one, so a
    partner fixes a rejected rate table in one round trip, not one error at a time."""

    type = "validation-error"
    title = "Invalid input"

    def __init__(self, detail: str, *, path: str | None = None, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, path=path)
        self.errors = errors


class MalformedJson(SaasError):
    """A body that is not JSON we will read: bad syntax, invalid UTF-8, nesting too deep."""

    type = "malformed-json"
    title = "Malformed JSON"


class Unavailable(SaasError):
    """A dependency (the database) does not answer now; the same request can succeed later."""

    type = "service-unavailable"
    title = "Service unavailable"


FIELD_MARK = re.compile(r"^field `(?P<field>[A-Za-z_][A-Za-z0-9_]*)`: ")
"""How a struct's ``__post_init__`` names the field it rejects, so the error path can reach it:
msgspec locates such errors at the struct (``$.coverages``), the field name extends it."""


def field_error(field: str, detail: str) -> ValueError:
    """A ``ValueError`` for ``__post_init__`` that ``http_errors`` locates at ``<struct path>.<field>``."""
    return ValueError(f"field `{field}`: {detail}")


class NotFound(SaasError):
    """Missing object, or an object of another tenant: callers can never tell the two apart."""

    type = "not-found"
    title = "Not found"


class Unauthenticated(SaasError):
    type = "unauthenticated"
    title = "Missing or invalid API key"


class Forbidden(SaasError):
    type = "forbidden"
    title = "Role not allowed"


class Conflict(SaasError):
    type = "conflict"
    title = "Conflict"


class RateLimited(SaasError):
    type = "rate-limited"
    title = "Too many requests"


class PayloadTooLarge(SaasError):
    type = "payload-too-large"
    title = "Payload too large"


class QuoteDeclined(SaasError):
    """A state rule refused the quote; ``rule_id`` and ``cite`` say which rule and why."""

    type = "quote-declined"
    title = "Quote declined"

    def __init__(self, detail: str, *, rule_id: str, cite: str | None = None) -> None:
        super().__init__(detail)
        self.rule_id = rule_id
        self.cite = cite
        self.decision_id: str | None = None
        """Set once the decline is recorded as a decision (its adverse-action notice hangs off it)."""


class RatingError(SaasError):
    """Rating could not complete: no rate table in effect, unknown state for the tenant, ..."""

    type = "rating-error"
    title = "Cannot rate"


class ModelError(SaasError):
    type = "model-error"
    title = "Model unavailable"


@dataclass
class ConfigIssue:
    """One problem in one configuration file, located for humans."""

    message: str
    location: Location | None = None
    path: str | None = None
    hint: str | None = None

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        at = f" (at {self.path})" if self.path else ""
        lines = [f"{where}error: {self.message}{at}"]
        if self.location and self.location.caret():
            lines.append(self.location.caret())
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return "\n".join(lines)


class ConfigError(SaasError):
    """One or more located problems in tenant, ruleset or rate-table files, all reported at once."""

    type = "config-error"
    title = "Invalid configuration"

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(issue.render() for issue in self.issues)
