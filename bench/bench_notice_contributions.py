"""What an adverse-action notice costs an unexplained quote: contributions only where a notice is due.

A notice splits a surcharge into each input's exact contribution, so a quote priced with
``explain=false`` still needs its contributions when it is adverse, and only then. Three ways of
pricing the same single quotes, in one run, alternated over rounds: no contributions at all (the
floor), contributions for every quote (how issue 19 first shipped), and contributions only for the
quotes the notices ask for (``explain_if``, now). Run: ``.venv/bin/python bench/bench_notice_contributions.py``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402
from saas.compliance.recorder import Notices  # noqa: E402
from saas.rating.service import ExplainIf, Pinned, Priced, price_batch  # noqa: E402
from saas.rating.sources import FileRateSource  # noqa: E402
from tests.samples import random_quote  # noqa: E402
from tests.unit.shipped import shipped_catalog, shipped_model  # noqa: E402


def main(args: argparse.Namespace) -> None:
    print(f"machine: {describe()}")
    catalog, model = shipped_catalog(), shipped_model()
    tenant, rates = catalog.tenant("partner-a"), FileRateSource(catalog.rate_tables)
    rng = random.Random(5)
    quotes = [random_quote(rng, ("CA", "NY", "TX")) for _ in range(args.quotes)]
    pinned = [Pinned(catalog.ruleset(tenant, q.policy.state),
                     rates.table_in_effect("partner-a", q.policy.state, q.policy.product, q.policy.effective_date,
                                           q.policy.transaction)) for q in quotes]
    wants = Notices().wants_explanation
    modes: dict[str, ExplainIf | None] = {"no contributions (floor)": None,
                                          "contributions for every quote": lambda _: True,
                                          "contributions for adverse quotes": wants}
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, explain_if in modes.items():
            started = time.perf_counter()
            for q, p in zip(quotes, pinned, strict=True):
                price_batch(tenant, [q], [p], model, explain=False, code_version="bench", explain_if=explain_if)
            per_quote = (time.perf_counter() - started) / len(quotes) * 1e3
            best[name] = min(best.get(name, per_quote), per_quote)
    priced = price_batch(tenant, quotes, pinned, model, explain=False, code_version="bench")
    adverse = sum(isinstance(r, Priced) and wants(r.response) for r in priced)
    print(f"{len(quotes)} single quotes priced with explain=false, best of {args.rounds} rounds; "
          f"{adverse} of them adverse")
    floor = best["no contributions (floor)"]
    for name, value in best.items():
        print(f"  {name:34} {value:6.3f} ms/quote  x{value / floor:4.2f} floor")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quotes", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=5)
    main(parser.parse_args())
