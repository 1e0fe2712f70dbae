"""hypothesis: the printer round-trips, and no input crashes the checker or the evaluator.

Generated trees mix well-typed and ill-typed expressions (known and unknown fields, every
operator on every kind of operand); each must either load and evaluate to a bool (or a recorded
fault), or be refused with a located ``ConfigError``: never any other exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas.errors import ConfigError
from saas.quote.schemas import Quote
from saas.rules.ast import Binary, Call, IsNull, Literal, Membership, Node, Path, Unary, to_source
from saas.rules.errors import EvaluationFault
from saas.rules.parser import parse
from saas.rules.service import compile_expression
from tests.unit.rules.conftest import quote_with

pytestmark = pytest.mark.unit

PATHS = [
    ("policy", "state"), ("policy", "years_with_company"), ("policy", "effective_date"), ("vehicle", "model_year"),
    ("vehicle", "vehicle_type"), ("coverages", "pip"), ("coverages", "deductible"), ("telematics", "miles"),
    ("telematics",), ("telematics", "phone_use_minutes_per_100mi"), ("drivers",), ("age",), ("violations",),
    ("credit_tier",), ("policy", "stat"), ("nonsense",), ("policy",),
]
FUNCTIONS = ["any", "all", "count", "min", "max", "exists", "avg"]

numbers = st.decimals(min_value=0, max_value=10**12, places=3, allow_nan=False, allow_infinity=False)
leaves = st.one_of(
    numbers.map(lambda value: Literal("number", value)),
    st.text(max_size=8).map(lambda value: Literal("string", value)),
    st.sampled_from(["CA", "suv", "good", "SUV"]).map(lambda value: Literal("string", value)),
    st.booleans().map(lambda value: Literal("bool", value)),
    st.just(Literal("null", None)),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)).map(lambda d: Literal("date", d)),
    st.sampled_from(PATHS).map(Path),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    ops = ["and", "or", "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">="]
    return st.one_of(
        st.builds(Unary, st.sampled_from(["not", "-"]), children),
        st.builds(Binary, st.sampled_from(ops), children, children),
        st.builds(Membership, children, st.lists(children, max_size=3).map(tuple), st.booleans()),
        st.builds(IsNull, children, st.booleans()),
        st.builds(Call, st.sampled_from(FUNCTIONS), st.lists(children, max_size=3).map(tuple)),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)
QUOTES = [quote_with(), quote_with({"telematics": None, "policy": {"years_with_company": 0}})]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_printed_tree_parses_back_to_the_same_tree(tree: Node) -> None:
    assert parse(to_source(tree)) == tree


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_generated_expressions_load_and_evaluate_or_fail_located(tree: Node) -> None:
    _load_and_run(to_source(tree))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abdeilnoprstvy_.()[],=!<>+-*/ \"'0123456789", max_size=40))
def test_arbitrary_text_never_crashes(text: str) -> None:
    _load_and_run(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_arbitrary_unicode_never_crashes(text: str) -> None:
    _load_and_run(text)


def _load_and_run(text: str) -> None:
    try:
        condition = compile_expression(text)
    except ConfigError as exc:
        location = exc.issues[0].location
        assert location is not None and 1 <= location.line <= text.count("\n") + 1
        assert 1 <= location.col <= len(text) + 1
        return
    _run(condition)


def _run(condition: Callable[[Quote], bool]) -> None:
    """Every outcome is a bool, or a named fault: never another exception."""
    for quote in QUOTES:
        try:
            assert condition(quote) in (True, False)
        except EvaluationFault as fault:
            assert str(fault) in ("division by zero", "undefined arithmetic (0/0)", "decimal overflow")


def test_literal_kinds_stay_apart() -> None:
    assert Literal("bool", True) != Literal("number", Decimal(1))


NUMERIC_PATHS = [("policy", "years_with_company"), ("vehicle", "model_year"), ("vehicle", "annual_mileage"),
                 ("coverages", "deductible"), ("telematics", "miles"), ("telematics", "months_observed"),
                 ("telematics", "phone_use_minutes_per_100mi")]
COMPARISONS = ["==", "!=", "<", "<=", ">", ">="]

typed_numbers = st.recursive(
    st.one_of(numbers.map(lambda value: Literal("number", value)), st.sampled_from(NUMERIC_PATHS).map(Path)),
    lambda inner: st.one_of(
        st.builds(Binary, st.sampled_from(["+", "-", "*", "/"]), inner, inner),
        st.builds(Unary, st.just("-"), inner),
        st.builds(lambda a, b, name: Call(name, (a, b)), inner, inner, st.sampled_from(["min", "max"])),
    ),
    max_leaves=6,
)
driver_conditions = st.builds(
    Binary, st.sampled_from(COMPARISONS), st.sampled_from([("age",), ("violations",), ("years_licensed",)]).map(Path),
    numbers.map(lambda value: Literal("number", value)),
)
typed_leaves = st.one_of(
    st.booleans().map(lambda value: Literal("bool", value)),
    st.just(Path(("coverages", "pip"))),
    st.builds(Binary, st.sampled_from(COMPARISONS), typed_numbers, typed_numbers),
    st.lists(st.sampled_from(["CA", "NY", "TX"]), max_size=3).map(
        lambda states: Membership(Path(("policy", "state")), tuple(Literal("string", s) for s in states))),
    st.builds(IsNull, st.just(Path(("telematics",))), st.booleans()),
    st.builds(lambda name, body: Call(name, (Path(("drivers",)), body)), st.sampled_from(["any", "all"]),
              driver_conditions),
)
typed_conditions = st.recursive(
    typed_leaves,
    lambda inner: st.one_of(st.builds(Binary, st.sampled_from(["and", "or"]), inner, inner),
                            st.builds(Unary, st.just("not"), inner)),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_conditions)
def test_well_typed_conditions_load_and_evaluate_to_a_bool(tree: Node) -> None:
    text = to_source(tree)
    try:
        condition = compile_expression(text)
    except ConfigError as exc:
        assert "division by zero" in exc.issues[0].message or "cannot be computed" in exc.issues[0].message
        return
    _run(condition)
