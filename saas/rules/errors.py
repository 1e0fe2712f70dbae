"""Errors of the rules phases, located by character span inside one ``when`` expression.

Phase errors are internal: they never leave ``saas.rules``. The phases know nothing about YAML
files; ``saas.rules.service`` turns a span into a ``saas.errors.ConfigIssue`` with
``file:line:col``, the caret line and the hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from saas.errors import SaasError


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range ``[start, end)`` in the expression text."""

    start: int
    end: int


class RuleError(Exception):
    """Base of the phase errors: a message, the span it concerns and an optional hint."""

    phase = "rule"

    def __init__(self, message: str, span: Span, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint


class RuleSyntaxError(RuleError):
    phase = "syntax"


class RuleTypeError(RuleError):
    phase = "type"


class EvaluationFault(SaasError):
    """A runtime outcome of one condition (division by zero, decimal overflow).

    Inside ``CompiledRuleset.evaluate`` it makes the rule's condition false and is recorded in the
    trace, never raised; only ``compile_expression``'s callables raise it, for tests and tools.
    """

    type = "rule-fault"
    title = "Rule condition could not be computed"
