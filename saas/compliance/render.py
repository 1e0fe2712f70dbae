"""A notice as a consumer reads it: plain text (for a letter or an e-mail) and HTML.

Both say the same things in the same order: what was done, the principal reasons with their dollar
effect, where the information came from, what the driver can do, their rights, and the versions a
regulator would ask for. Every value written into HTML is escaped.
"""

from __future__ import annotations

from html import escape

from saas.compliance.schemas import Notice


def _amount(notice: Notice, amount: object) -> str:
    if amount is None:
        return ""
    per = "" if notice.unit == "USD per year" else " per $100 of premium before telematics"
    return f" (+${amount:,.2f}{per})"


def _source(notice: Notice) -> str:
    s = notice.data_source
    parts = [s.program]
    if s.period:
        parts.append(f"period {s.period}")
    if s.trips is not None:
        parts.append(f"{s.trips} trips")
    if s.months_observed is not None:
        parts.append(f"{s.months_observed} month{'s' if s.months_observed != 1 else ''} of driving observed")
    return ", ".join(parts) + f"; provided by {s.provider}."


def sections(notice: Notice) -> list[tuple[str, list[str]]]:
    """(heading, lines): the one layout both renderings follow."""
    reasons = [f"{r.rank}. {r.sentence}{_amount(notice, r.amount)}" for r in notice.reasons]
    versions = [f"{k}: {v}" for k, v in notice.versions.items() if v is not None]
    return [
        ("What we decided", [notice.action]),
        ("The principal reasons", reasons),
        ("Where the information came from", [_source(notice)]),
        ("What you can do", notice.what_you_can_do or ["Keep driving safely: your price is reviewed every month."]),
        ("Your rights", notice.rights),
        ("For reference", [f"Notice {notice.notice_id} for decision {notice.decision_id}, made {notice.created_at}.",
                           *versions]),
    ]


def as_text(notice: Notice) -> str:
    out = ["Notice of adverse action", ""]
    for heading, lines in sections(notice):
        out += [heading.upper(), *lines, ""]
    return "\n".join(out)


def as_html(notice: Notice) -> str:
    body = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
            f"<title>Notice of adverse action {escape(notice.notice_id)}</title></head><body>",
            "<h1>Notice of adverse action</h1>"]
    for heading, lines in sections(notice):
        tag = "ol" if heading == "The principal reasons" else "ul"
        items = [line.split(". ", 1)[1] if tag == "ol" else line for line in lines]
        body += [f"<h2>{escape(heading)}</h2>", f"<{tag}>", *(f"<li>{escape(i)}</li>" for i in items), f"</{tag}>"]
    body.append("</body></html>")
    return "\n".join(body)
