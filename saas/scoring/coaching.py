"""Driver coaching: the two or three behaviours worth changing, in plain words.

The model documentation asks for the "2–3 most negative factors" from the per-driver
contributions. Only behaviours a driver can change this month are coached: mileage and prior
claims also raise scores, but "drive less" and "have fewer past claims" are not advice. A
behaviour whose value was not reported is skipped too, because its contribution is the imputed
typical driver's, not this driver's.
"""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct

from saas.scoring.explain import FEATURE_WORDING, NEGLIGIBLE, FactorContribution

ADVICE: dict[str, str] = {
    "hard_braking_events_per_100mi": "Look further ahead and ease off early, so you can brake gently",
    "aggressive_turning_events_per_100mi": "Slow down before bends and turns, and steer through them smoothly",
    "tailgating_time_ratio": "Leave a gap of at least three seconds to the vehicle in front",
    "speeding_minutes_per_100mi": "Keep to the posted speed limit",
    "late_night_miles_per_100mi": "Where you can, avoid driving between midnight and 4 am",
}
"""Controllable behaviour → what to do about it. Features not listed here are never coached."""
MOST = 3


class CoachingTip(Struct, forbid_unknown_fields=True, frozen=True):
    feature: str
    contribution: float
    text: str


def tip(factor: FactorContribution) -> CoachingTip:
    name, unit = FEATURE_WORDING[factor.feature]
    measured = unit.format(factor.value)
    text = f"{ADVICE[factor.feature]}. {name} ({measured}) raised your risk score this period."
    return CoachingTip(feature=factor.feature, contribution=factor.contribution, text=text)


def coaching_tips(contributions: Iterable[FactorContribution], *, most: int = MOST) -> list[CoachingTip]:
    """Worst first; ties by feature name so the same explanation always gives the same tips.
    Pass every contribution (``Explanation.contributions``), not only the top adverse ones:
    a non-controllable factor may hold a top slot that a behaviour should get."""
    adverse = [f for f in contributions
               if f.feature in ADVICE and f.value is not None and f.contribution >= NEGLIGIBLE]
    adverse.sort(key=lambda f: (-f.contribution, f.feature))
    return [tip(f) for f in adverse[:most]]
