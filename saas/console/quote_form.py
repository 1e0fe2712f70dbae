"""The playground's quote form: one list of fields renders the labelled controls and reads them back.

Field names are the quote's paths (``policy.state``, ``drivers.0.age``), so a submitted form turns
into the same nested body the API decodes, and is decoded by the same ``Quote`` struct: a value the
API would refuse is refused here, with the same path. Checkboxes absent from a submission are false
(that is how browsers send an unticked box).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

import msgspec
from msgspec import Struct

from saas.errors import ValidationFailed
from saas.http_errors import validation_problem
from saas.quote.examples import EXAMPLE_QUOTE
from saas.quote.schemas import Quote

TELEMATICS_SWITCH = "use_telematics"


class Field(Struct, frozen=True):
    name: str
    label: str
    kind: str = "number"
    """number, text, date, select or checkbox."""
    options: tuple[str, ...] = ()
    step: str = "1"
    group: str = "Policy"


def _telematics(name: str, label: str, step: str = "0.1") -> Field:
    return Field(f"telematics.{name}", label, step=step, group="Telematics (the driver's month)")


FIELDS: tuple[Field, ...] = (
    Field("policy.state", "State", "select"),
    Field("policy.zip_code", "ZIP code", "text"),
    Field("policy.effective_date", "Effective date", "date"),
    Field("policy.coverage_level", "Coverage level", "select", ("basic", "standard", "premium")),
    Field("policy.transaction", "New business or renewal", "select", ("new", "renewal")),
    Field("vehicle.model_year", "Vehicle model year", group="Vehicle"),
    Field("vehicle.vehicle_type", "Vehicle type", "select", ("sedan", "suv", "truck", "van", "sports", "ev"),
          group="Vehicle"),
    Field("vehicle.safety_rating", "Safety rating (1–5)", "select", ("1", "2", "3", "4", "5"), group="Vehicle"),
    Field("vehicle.theft_risk", "Theft risk", "select", ("low", "medium", "high"), group="Vehicle"),
    Field("vehicle.annual_mileage", "Annual mileage (miles)", step="500", group="Vehicle"),
    Field("drivers.0.age", "Driver age (years)", group="Driver"),
    Field("drivers.0.years_licensed", "Years licensed", group="Driver"),
    Field("drivers.0.violations", "Violations", group="Driver"),
    Field("drivers.0.at_fault_accidents", "At-fault accidents", group="Driver"),
    Field("coverages.deductible", "Deductible (USD)", "select", ("0", "250", "500", "1000", "2000"), group="Coverages"),
    Field("coverages.collision", "Collision", "checkbox", group="Coverages"),
    Field("coverages.comprehensive", "Comprehensive", "checkbox", group="Coverages"),
    Field("coverages.pip", "Personal injury protection", "checkbox", group="Coverages"),
    Field("coverages.uninsured_motorist", "Uninsured motorist", "checkbox", group="Coverages"),
    Field(TELEMATICS_SWITCH, "Rate with telematics", "checkbox", group="Telematics (the driver's month)"),
    _telematics("hard_braking_events_per_100mi", "Hard braking (events per 100 mi)"),
    _telematics("aggressive_turning_events_per_100mi", "Aggressive turns (events per 100 mi)"),
    _telematics("tailgating_time_ratio", "Tailgating (share of driving time, 0–1)", "0.01"),
    _telematics("speeding_minutes_per_100mi", "Speeding (minutes per 100 mi)"),
    _telematics("late_night_miles_per_100mi", "Late-night miles per 100 mi"),
    _telematics("miles", "Miles driven this month", "10"),
    _telematics("prior_claim_count", "Prior claims", "1"),
)
GROUPS = tuple(dict.fromkeys(f.group for f in FIELDS))
CHECKBOXES = frozenset(f.name for f in FIELDS if f.kind == "checkbox")


def defaults(states: list[str], today: dt.date, zips: Mapping[str, str]) -> dict[str, str]:
    """The example quote, moved to the tenant's first state (and a ZIP of it) and to today."""
    state = "TX" if "TX" in states else states[0]
    values = {f.name: str(_dig(EXAMPLE_QUOTE, f.name)) for f in FIELDS if _dig(EXAMPLE_QUOTE, f.name) is not None}
    values |= {"policy.state": state, "policy.zip_code": zips.get(state, values["policy.zip_code"]),
               "policy.effective_date": today.isoformat(), "policy.transaction": "new",
               "coverages.deductible": "500", "vehicle.theft_risk": values.get("vehicle.theft_risk", "medium"),
               "vehicle.annual_mileage": "12000", "coverages.collision": "on", "coverages.comprehensive": "on",
               TELEMATICS_SWITCH: "on"}
    for name in CHECKBOXES:
        if values.get(name) in ("True", "true"):
            values[name] = "on"
        elif values.get(name) in ("False", "false"):
            values.pop(name)
    return values


def _dig(body: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(body, list):
            body = body[int(part)] if part.isdigit() and int(part) < len(body) else None
        elif isinstance(body, dict):
            body = body.get(part)
        else:
            return None
    return body


def quote_of(values: Mapping[str, Any]) -> Quote:
    """The submitted form as a Quote, or ValidationFailed naming the field (as the API would)."""
    body: dict[str, Any] = {}
    for field in FIELDS:
        if field.name == TELEMATICS_SWITCH:
            continue
        if field.name.startswith("telematics.") and not _ticked(values.get(TELEMATICS_SWITCH)):
            continue
        raw = values.get(field.name)
        value: Any = _ticked(raw) if field.kind == "checkbox" else raw
        if value is None or value == "":
            continue
        _put(body, field.name, value)
    body.setdefault("drivers", [{}])[0]["primary"] = True
    try:
        return msgspec.convert(body, Quote, strict=False)
    except msgspec.ValidationError as exc:
        problem = validation_problem(exc)
        raise ValidationFailed(problem.detail, path=problem.path) from None


def _ticked(value: Any) -> bool:
    return value not in (None, "", "off", "false", False)


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    node: Any = body
    parts = path.split(".")
    for part, after in itertools.pairwise(parts):
        if part.isdigit():
            continue
        node = node.setdefault(part, [{}] if after.isdigit() else {})
        if isinstance(node, list):
            node = node[0]
    node[parts[-1]] = value
