"""Recording notices where decisions happen, through the interfaces rating and trips were given.

``Notices`` is what the assembly hands to the quote service (``rating.quoting.AdverseActions``) and
to monthly scoring: it turns an adverse decision into the audit entry of its notice, appended with
the decision. ``queue_webhooks`` is the decision log's append hook: in that same transaction it
writes the ``adverse_action.created`` event to the webhook outbox, and once the transaction has
committed (never before, or a sender could look for a row that is not there yet) it asks the
dispatcher to send it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

import msgspec
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.schemas import AuditEntry, NewEntry
from saas.clock import utc_timestamp
from saas.compliance.notices import decline_notice, is_adverse, surcharge_notice
from saas.compliance.schemas import NOTICE_KIND, WEBHOOK_EVENT, Notice, notice_id
from saas.errors import QuoteDeclined
from saas.quote.schemas import Quote
from saas.rating.responses import QuoteResponse
from saas.rating.service import Priced
from saas.scoring.model import RiskModel
from saas.tenancy.service import LoadedTenant
from saas.webhooks.delivery import secret_of
from saas.webhooks.outbox import queue_event

Deliver = Callable[[str, str], None]
"""(tenant id, delivery id) → send it (the job dispatcher's ``deliver``)."""


class Tenants(Protocol):
    def tenant(self, tenant_id: str) -> LoadedTenant: ...


def notice_entry(notice: Notice, now: dt.datetime | None = None) -> NewEntry:
    return NewEntry(kind=NOTICE_KIND, payload=notice, decision_id=notice.notice_id, created_at=now)


class Notices:
    """The one place that decides whether a decision is adverse and what its notice says."""

    def wants_explanation(self, response: QuoteResponse) -> bool:
        return is_adverse(response)

    def for_quote(self, tenant: LoadedTenant, priced: Priced, model: RiskModel) -> NewEntry | None:
        if not is_adverse(priced.response) or priced.explanation is None:
            return None
        return notice_entry(surcharge_notice(tenant, priced.quote, priced.response, priced.explanation, model))

    def for_decline(self, tenant: LoadedTenant, quote: Quote, declined: QuoteDeclined,
                    versions: dict[str, str | None], now: dt.datetime) -> NewEntry | None:
        assert declined.decision_id is not None
        notice = decline_notice(tenant, quote, declined.decision_id, utc_timestamp(now), reason=declined.detail,
                                rule_id=declined.rule_id, cite=declined.cite, versions=versions)
        return notice_entry(notice, now)


def event_id(notice: str) -> str:
    return f"msg_{notice.replace('-', '')}"[:64]


class WebhookQueue:
    """The append hook: one outbox row per notice of a tenant with an endpoint, sent after commit.

    Without the tenant's signing secret an attempt can only fail, so none is dispatched: the rows
    wait, pending, for ``saas webhooks redeliver`` or the next start's resume, instead of filling the
    job queue (one per adverse quote) ahead of scoring chunks."""

    def __init__(self, tenants: Tenants, deliver: Deliver | None = None) -> None:
        self.tenants, self.deliver = tenants, deliver

    async def __call__(self, session: AsyncSession, tenant_id: str, entries: list[AuditEntry]) -> None:
        notices = [e for e in entries if e.kind == NOTICE_KIND]
        if not notices:
            return
        webhook = self.tenants.tenant(tenant_id).config.webhook
        if webhook is None:
            return
        queued = []
        for entry in notices:
            data = {"notice": msgspec.to_builtins(entry.payload), "chain": {"seq": entry.seq, "hash": entry.hash},
                    "links": {"notice": f"/v1/decisions/{_decision(entry)}/adverse-action"}}
            delivery = await queue_event(session, tenant_id, webhook.url, WEBHOOK_EVENT, data,
                                         event_id=event_id(entry.decision_id))
            if delivery is not None:
                queued.append(delivery)
        if queued and self.deliver is not None and secret_of(webhook) is not None:
            self._after_commit(session, tenant_id, queued)

    def _after_commit(self, session: AsyncSession, tenant_id: str, deliveries: list[str]) -> None:
        deliver = self.deliver
        assert deliver is not None

        def send(_session: object) -> None:
            for delivery in deliveries:
                deliver(tenant_id, delivery)

        event.listen(session.sync_session, "after_commit", send, once=True)


def _decision(entry: AuditEntry) -> str:
    payload = entry.payload
    found = payload.decision_id if isinstance(payload, Notice) else payload.get("decision_id")
    return str(found or entry.decision_id.removeprefix("aa-"))


__all__ = ["Notices", "WebhookQueue", "event_id", "notice_entry", "notice_id"]
