"""Consumer sentences for every reason a notice can give: what was measured, and what pays less.

Texas asks for the factors "in specific words" and FCRA notices go to consumers, so a reason is
never a feature or factor name: it says what the driver did (or what the policy has) and which
drivers pay less. Each model input and each rating factor has its own sentence; an unknown one
gets a generic sentence rather than its column name.
"""

from __future__ import annotations

from collections.abc import Callable

from saas.rating.schemas import RatingFactor

DRIVING: dict[str, Callable[[float], str]] = {
    "late_night_miles_per_100mi": lambda v: (
        f"You drove {v:.0f} of every 100 miles between midnight and 4 am; drivers with fewer night miles pay less."),
    "hard_braking_events_per_100mi": lambda v: (
        f"You braked hard {v:.1f} times every 100 miles (slowing by 7 mph or more within a second); drivers who "
        f"brake hard less often pay less."),
    "aggressive_turning_events_per_100mi": lambda v: (
        f"You took {v:.1f} turns or bends sharply every 100 miles; drivers who turn more gently pay less."),
    "tailgating_time_ratio": lambda v: (
        f"You followed the vehicle ahead too closely for {v:.0%} of your driving time; drivers who keep a longer "
        f"gap pay less."),
    "speeding_minutes_per_100mi": lambda v: (
        f"You drove above the speed limit for {v:.1f} minutes every 100 miles; drivers who speed less pay less."),
    "phone_use_minutes_per_100mi": lambda v: (
        f"You handled your phone while driving for {v:.1f} minutes every 100 miles; drivers who leave the phone "
        f"alone pay less."),
    "miles": lambda v: f"You drove {v:,.0f} miles in the period measured; drivers who drive fewer miles pay less.",
    "prior_claim_count": lambda v: (
        f"Your record shows {v:.0f} prior claim{'s' if round(v) != 1 else ''}; drivers with fewer claims pay less."),
}

NOT_REPORTED = ("Part of your driving data ({what}) was not reported for the period, so a typical driver's value "
                "was used in its place.")
PLAIN_NAMES = {
    "late_night_miles_per_100mi": "night driving", "hard_braking_events_per_100mi": "hard braking",
    "aggressive_turning_events_per_100mi": "sharp turns", "tailgating_time_ratio": "following distance",
    "speeding_minutes_per_100mi": "speeding", "phone_use_minutes_per_100mi": "phone use", "miles": "miles driven",
    "prior_claim_count": "prior claims",
}
MODEL_BASELINE = ("Every driver in the telematics program starts from the program's average risk, which is priced "
                  "a little above the rate without telematics.")


def driving_sentence(feature: str, value: float | None) -> str:
    if value is None:
        return NOT_REPORTED.format(what=PLAIN_NAMES.get(feature, "one driving measure"))
    say = DRIVING.get(feature)
    if say is None:
        return "One of your driving measures was less favourable than most drivers'; safer driving pays less."
    return say(value)


RATING: dict[str, str] = {
    "territory": "Where your car is kept has more or costlier claims than average; {detail}",
    "driver_age": "The age of the driver we rated is in a group with more claims than average; {detail}",
    "years_licensed": "The driver we rated has held a licence for fewer years than most; {detail}",
    "violations": "The driver we rated has moving violations on record; drivers with fewer violations pay less. "
                  "{detail}",
    "accidents": "The driver we rated has at-fault accidents on record; drivers with fewer accidents pay less. "
                 "{detail}",
    "credit": "The credit-based insurance information we used is less favourable than most; {detail}",
    "gender": "The rate for the driver's recorded gender is above the base rate; {detail}",
    "marital_status": "The rate for the driver's marital status is above the base rate; {detail}",
}


def rating_sentence(factor: RatingFactor) -> str:
    """A rating factor above the tenant's base rate, with the rate table's own plain explanation."""
    detail = _detail(factor.explanation)
    if factor.source == "state_rule":
        return f"A surcharge applies to this policy: {detail}"
    template = RATING.get(factor.name, "A rating factor raised your premium above the base rate; {detail}")
    return template.format(detail=detail)


def _detail(explanation: str) -> str:
    text = explanation.strip()
    return text if text.endswith(".") else text + "."


def decline_sentence(reason: str, cite: str | None) -> str:
    where = f" ({cite})" if cite else ""
    text = reason.strip().rstrip(".")
    return f"We cannot offer this policy as requested: {text[:1].lower() + text[1:]}{where}."


RIGHTS = [
    "This decision was made by the insurer named in this notice, using its telematics program's data about your "
    "driving; that program did not make the decision.",
    "You may ask for the reasons for this decision within 90 days; the insurer answers within 21 business days.",
    "You may ask for a free copy of the driving data used, and dispute any of it that you believe is wrong.",
]
