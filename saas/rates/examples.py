"""Example bodies of the rate-version operations, for the OpenAPI document.

The draft example is the shipped partner-a Texas table, read from its file when the routes are
imported, so the example can never drift from what the validator accepts.
"""

from __future__ import annotations

from typing import Any

import yaml
from litestar.openapi.spec import Example

from saas.quote.examples import EXAMPLE_QUOTE
from saas.settings import ROOT

_TABLE_FILE = ROOT / "tenants" / "partner-a" / "rates" / "TX-auto.yaml"


def _table() -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(_TABLE_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


DRAFT = [Example(summary="A Texas table", value={"table": _table(), "message": "TX: +3% base, new Austin ZIPs",
                                                   "filing_reference": "TX-2026-0042"})]
TEST = [Example(summary="Scenarios",
                value={"scenarios": [EXAMPLE_QUOTE, {"scenario_id": "s-2", "quote": EXAMPLE_QUOTE}]}),
        Example(summary="The last quotes", value={"recent_decisions": 100})]
REJECT = [Example(summary="A reason", value={"reason": "base rate change not in the filing"})]
DEPLOY = [Example(summary="Scheduled", value={"effective_date": "2027-01-01", "renewal_effective_date": "2027-02-01"})]
ROLLBACK = [Example(summary="Texas", value={"state": "TX", "product": "auto"})]
