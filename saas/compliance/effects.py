"""The price difference a notice claims, and the dollar effect of every factor behind it.

Two sums, both exact to the cent and both shown:
- ``difference``: premium − the neutral benchmark (the same quote rated without telematics). The
  telematics multiplier is ``1 + scale·(offset + Σ contributions)`` (then capped and limited), so
  its distance from 1 splits over the model inputs in proportion to their exact TreeSHAP
  contributions, plus the model's own starting point against the tenant's baseline (``offset``).
  A cap or a state limit shrinks every part alike. For log-link models the split is of
  ``ln(risk / baseline)``, which is what the contributions add up to there.
- ``above_base``: what the rating factors above the tenant's base rate (territory, driver
  factors, surcharge rules) add on top of the premium without them, split by their logarithms
  (the only order-free split of a product) plus rule fees as they are.
Principal reasons are the largest positive effects of both, at most four.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

from saas.compliance.attribution import CENT, as_decimal, log_shares, to_cents
from saas.compliance.schemas import MAX_REASONS, Effect, Reason
from saas.compliance.wording import MODEL_BASELINE, driving_sentence, rating_sentence
from saas.money import MONEY, ONE, ZERO, round_premium
from saas.rating.schemas import RatingFactor
from saas.scoring.explain import FactorContribution
from saas.tenancy.schemas import Pricing

LOG_LINK = frozenset({"count:poisson", "reg:gamma"})
ADVERSE_SOURCES = frozenset({"territory", "driver", "state_rule"})
"""Rating factors a notice names when above the base: where, who, and surcharge rules. Coverage
loads, deductibles, the vehicle and declared mileage are the customer's choices, not information
held against them."""


def premium_of(base: Decimal, factors: Sequence[RatingFactor], pricing: Pricing, *,
               without: frozenset[str] = frozenset()) -> Decimal:
    """The engine's total (``rating.engine._total``) redone over the recorded factors, leaving out
    those named: the same products in the same order, one rounding, then the minimum premium."""
    product, fees = base, ZERO
    with localcontext(MONEY):
        for f in factors:
            if f.name in without or f.name == "minimum_premium":
                continue
            if f.type == "multiplicative":
                product = MONEY.multiply(product, f.value)
            elif f.type == "additive":
                fees = MONEY.add(fees, f.value)
        premium = round_premium(MONEY.add(product, fees), pricing.rounding_unit)
    return max(premium, pricing.minimum_premium)


def telematics_effects(difference: Decimal, contributions: Sequence[FactorContribution], bias: float,
                       baseline: float, objective: str) -> list[Effect]:
    """``difference`` split over the model inputs (and the model's starting point), in cents."""
    if objective in LOG_LINK:
        offset = as_decimal(bias) - as_decimal(math.log(baseline))
    else:
        offset = as_decimal(bias) - as_decimal(baseline)
    parts = [("model_baseline", None, offset)] + [(c.feature, c.value, as_decimal(c.contribution))
                                                  for c in contributions]
    weights = [w for _, _, w in parts]
    if sum(weights, ZERO) * difference <= 0:  # a tier or band mapping can move against the linear terms
        weights = [w if w * difference > 0 else ZERO for w in weights]
    amounts = to_cents(difference, weights)
    out = []
    for (key, value, _), amount in zip(parts, amounts, strict=True):
        if amount == ZERO:
            continue
        sentence = MODEL_BASELINE if key == "model_baseline" else driving_sentence(key, value)
        out.append(Effect(key, "model_baseline" if key == "model_baseline" else "telematics", amount, sentence))
    return out


def above_base(base: Decimal, factors: Sequence[RatingFactor]) -> tuple[Decimal, list[Effect]]:
    """What the adverse rating factors add to the premium without them (before telematics), and
    each one's part of it."""
    adverse = [f for f in factors if f.source in ADVERSE_SOURCES and
               ((f.type == "multiplicative" and f.value > ONE) or (f.type == "additive" and f.value > ZERO))]
    names = {id(f) for f in adverse}
    with localcontext(MONEY):
        rest = base
        for f in factors:
            if f.type == "multiplicative" and f.name != "telematics" and id(f) not in names:
                rest *= f.value
        multiplicative = [f for f in adverse if f.type == "multiplicative"]
        lift = rest * (math.prod((f.value for f in multiplicative), start=ONE) - ONE)
        lift = lift.quantize(CENT, rounding=ROUND_HALF_UP)
        shares = to_cents(lift, log_shares([f.value for f in multiplicative])) if multiplicative else []
        fees = [f.value.quantize(CENT, rounding=ROUND_HALF_UP) for f in adverse if f.type == "additive"]
    effects = [Effect(f.name, "rule" if f.source == "state_rule" else "rating_factor", amount, rating_sentence(f))
               for f, amount in zip(multiplicative, shares, strict=True)]
    effects += [Effect(f.name, "rule", amount, rating_sentence(f))
                for f, amount in zip([f for f in adverse if f.type == "additive"], fees, strict=True)]
    return lift + sum(fees, ZERO), [e for e in effects if e.amount != ZERO]


def principal_reasons(effects: Sequence[Effect], cites: dict[str, str] | None = None) -> list[Reason]:
    """The largest positive effects, at most four, largest first (ties by key, so always the same)."""
    ranked = sorted((e for e in effects if e.amount > ZERO), key=lambda e: (-e.amount, e.key))[:MAX_REASONS]
    return [Reason(i + 1, e.key, e.source, e.amount, e.sentence, (cites or {}).get(e.key))
            for i, e in enumerate(ranked)]
