"""The partner's verification example of docs/webhooks.md, loaded as a partner would paste it.

Executing our own documentation (never any input) is the point: the unit and the delivery tests
both check that what we tell partners to run accepts what we send.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from saas.settings import ROOT

DOC = ROOT / "docs" / "webhooks.md"


def docs_verifier() -> Callable[..., bool]:
    """``verify_webhook`` from the page's one ```python block."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, "the page should show exactly one Python example"
    namespace: dict[str, object] = {"__name__": "partner_example"}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)
    return namespace["verify_webhook"]  # type: ignore[return-value]
