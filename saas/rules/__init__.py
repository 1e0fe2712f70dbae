"""The state rules DSL: parse → type-check → compile → evaluate, with located errors.

Public entry points: ``load_ruleset``, ``load_rulesets``, ``compile_source`` and
``compile_expression`` (``saas.rules.service``); results are ``Evaluation`` / ``Adjustment`` /
``RuleTrace`` (``saas.rules.schemas``). The language is specified in docs/rules-dsl.md.
"""

from saas.rules.ruleset import CompiledRuleset
from saas.rules.schemas import Adjustment, Evaluation, RuleTrace
from saas.rules.service import compile_expression, compile_source, load_ruleset, load_rulesets

__all__ = [
    "Adjustment",
    "CompiledRuleset",
    "Evaluation",
    "RuleTrace",
    "compile_expression",
    "compile_source",
    "load_ruleset",
    "load_rulesets",
]
