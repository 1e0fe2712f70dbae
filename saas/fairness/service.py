"""Fairness testing as the API and the CLI call it: proxy uploads, reports, the deploy gate and
its sign-off. Every change is one transaction with its audit-chain entry (proxies imported or
deleted, a report's hash, a gate's figures, a sign-off with the figures it signed).

The service is handed its parts (database, decision log, tenants, models) by the assembly. Only
``compliance`` keys reach it through the API (``routes``), and nothing that prices or scores
imports it: the proxies are an input to testing the model, never to the model.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol

import msgspec
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.canonical import content_hash
from saas.clock import utc_timestamp
from saas.db import Database
from saas.errors import Conflict, NotFound, ValidationFailed
from saas.fairness import books
from saas.fairness import gate as gating
from saas.fairness.bisg import proxies_for
from saas.fairness.census import GROUPS, VINTAGE, census_tables
from saas.fairness.models import GateRow, ProxyRow, ReportRow, SignoffRow
from saas.fairness.proxies import parse_proxies, refuse_if_any
from saas.fairness.render import render_csv, render_html
from saas.fairness.report import Book, build_report
from saas.fairness.repository import Drivers, Gates, MonthlyScores, Proxies, Quotes, Reports, Runs, Signoffs
from saas.fairness.schemas import (
    GateRecord,
    GateResult,
    ProxyImport,
    Report,
    ReportBody,
    ReportList,
    ReportRequest,
    ReportSummary,
    RowError,
    Signoff,
)
from saas.scoring.selection import TenantModels
from saas.tenancy.keys import Principal
from saas.tenancy.service import LoadedTenant

TREND_MONTHS = 12
ID_SLICE = 2_000
"""Rows per statement: eleven columns each stays under the 32,767 bind parameters asyncpg allows."""


class Tenants(Protocol):
    def tenant(self, tenant_id: str) -> LoadedTenant: ...


class FairnessService:
    def __init__(self, db: Database, decisions: DecisionLog, tenants: Tenants, models: TenantModels) -> None:
        self.db, self.decisions, self.tenants, self.models = db, decisions, tenants, models

    # proxies ---------------------------------------------------------------------------------

    async def import_proxies(self, who: Principal, body: bytes) -> ProxyImport:
        """All of the file or nothing: every row problem (unknown drivers too) refuses it whole."""
        lines = parse_proxies(body)
        computed = proxies_for(census_tables(), [x.surname for x in lines], [x.zip for x in lines],
                               [x.first_name for x in lines])
        import_id, now = str(uuid.uuid4()), utc_timestamp()
        async with self.decisions.transaction() as session:
            drivers, known = Drivers(session, who.tenant_id), set[str]()
            for start in range(0, len(lines), ID_SLICE):
                known |= await drivers.known([x.driver_id for x in lines[start:start + ID_SLICE]])
            refuse_if_any([RowError(x.line, "driver_id", f"no driver {x.driver_id} in this tenant")
                           for x in lines if x.driver_id not in known])
            resolved = [(x, p, m) for x, p, m in zip(lines, computed.probabilities, computed.methods, strict=True)
                        if m != "unresolved"]
            await self._store(session, who.tenant_id, resolved, import_id, now)
            unresolved = [x.driver_id for x, m in zip(lines, computed.methods, strict=True) if m == "unresolved"]
            repo = Proxies(session, who.tenant_id)
            for start in range(0, len(unresolved), ID_SLICE):
                await session.execute(repo.delete(ProxyRow.driver_id.in_(unresolved[start:start + ID_SLICE])))
            result = ProxyImport(len(resolved), dict(Counter(m for _, _, m in resolved)), unresolved, VINTAGE)
            await self._record(session, who, "fairness_proxies", {
                "import_id": import_id, "drivers": result.drivers, "methods": result.methods,
                "unresolved": len(unresolved), "census_vintage": VINTAGE})
        return result

    async def _store(self, session: AsyncSession, tenant_id: str, rows: list[tuple[Any, np.ndarray, str]],
                     import_id: str, now: str) -> None:
        repo = Proxies(session, tenant_id)
        for start in range(0, len(rows), ID_SLICE):
            await repo.upsert([{"driver_id": x.driver_id, "method": m, "import_id": import_id, "imported_at": now,
                                **{f"p_{g}": float(p[k]) for k, g in enumerate(GROUPS)}}
                               for x, p, m in rows[start:start + ID_SLICE]])

    async def delete_proxy(self, who: Principal, driver_id: str) -> None:
        """Remove a driver's proxy; every later report and gate goes without it."""
        async with self.decisions.transaction() as session:
            repo = Proxies(session, who.tenant_id)
            await repo.get_one(ProxyRow.driver_id == driver_id, ident=driver_id)
            await session.execute(repo.delete(ProxyRow.driver_id == driver_id))
            await self._record(session, who, "fairness_proxy_deleted", {"driver_id": driver_id})

    async def proxy_count(self, tenant_id: str) -> int:
        async with self.db.sessions() as session:
            return await Proxies(session, tenant_id).count()

    # reports ---------------------------------------------------------------------------------

    async def create_report(self, who: Principal, request: ReportRequest) -> Report:
        tenant = self.tenants.tenant(who.tenant_id)
        async with self.db.sessions() as session:
            proxies = await Proxies(session, who.tenant_id).columns()
            if not proxies["driver_id"]:
                raise Conflict("this tenant has no proxies yet: upload them first (POST /v1/fairness/proxies)")
            if request.period is not None:
                scope, book, months = f"period:{request.period}", *await self._months(session, tenant,
                                                                                       request.period, proxies)
            else:
                assert request.quotes_since is not None
                scope = f"quotes_since:{request.quotes_since.isoformat()}"
                payloads = await Quotes(session, who.tenant_id).since(request.quotes_since.isoformat())
                book, months = books.quotes_book(payloads, proxies, tenant.config), []
        if not len(book.P):
            raise ValidationFailed(f"no {'drivers' if request.period else 'quotes'} in {scope} have a proxy",
                                   path="$.period" if request.period else "$.quotes_since")
        body = build_report(book, scope, request.reference, months)
        return await self._store_report(who, body)

    async def _months(self, session: AsyncSession, tenant: LoadedTenant, period: str,
                      proxies: dict[str, list[Any]]) -> tuple[Book, list[tuple[str, Book]]]:
        scores = MonthlyScores(session, tenant.config.id)
        periods = await scores.periods()
        if period not in periods:
            raise NotFound(f"no scores for {period}: run the month first (POST /v1/scoring-runs)")
        version = await Runs(session, tenant.config.id).model_version(period)
        model = self.models.loaded(version) if version else self.models.live(tenant)
        book = books.month_book(await scores.of_period(period), proxies, tenant.config, model, version)
        earlier = [p for p in periods if p < period][-TREND_MONTHS:]
        months = [(p, books.month_book(await scores.of_period(p), proxies, tenant.config, None, None))
                  for p in earlier]
        return book, [(p, b) for p, b in months if len(b.P)]

    async def _store_report(self, who: Principal, body: ReportBody) -> Report:
        report = Report(str(uuid.uuid4()), utc_timestamp(), who.name, content_hash(body), body)
        async with self.decisions.transaction() as session:
            Reports(session, who.tenant_id).add(ReportRow(
                id=report.id, scope=body.scope, created_at=report.created_at, created_by=who.name, hash=report.hash,
                flags=len(body.flags), body=msgspec.json.encode(body).decode()))
            await self._record(session, who, "fairness_report", {"report_id": report.id, "hash": report.hash,
                                                                 "scope": body.scope, "flags": len(body.flags)})
        return report

    async def list_reports(self, tenant_id: str) -> ReportList:
        async with self.db.sessions() as session:
            rows = await Reports(session, tenant_id).list(order_by=(ReportRow.created_at.desc(),))
        return ReportList([ReportSummary(r.id, r.scope, r.created_at, r.created_by, r.hash, r.flags) for r in rows])

    async def reports(self, session: AsyncSession, tenant_id: str, period: str) -> list[tuple[str, bytes]]:
        """The compliance bundle's fairness section: every report of the month's run (scope
        ``period:YYYY-MM``) or made during the month, as JSON, CSV and HTML files."""
        rows = await Reports(session, tenant_id).list(order_by=(ReportRow.created_at,))
        files: list[tuple[str, bytes]] = []
        for row in rows:
            if row.scope == f"period:{period}" or row.created_at.startswith(period):
                report = Report(row.id, row.created_at, row.created_by, row.hash,
                                msgspec.json.decode(row.body, type=ReportBody))
                files += [(f"{row.id}.json", msgspec.json.encode(report)),
                          (f"{row.id}.csv", render_csv(report).encode()),
                          (f"{row.id}.html", render_html(report).encode())]
        return files

    async def get_report(self, tenant_id: str, report_id: str) -> Report:
        async with self.db.sessions() as session:
            row = await Reports(session, tenant_id).get_one(ReportRow.id == report_id, ident=report_id)
        return Report(row.id, row.created_at, row.created_by, row.hash, msgspec.json.decode(row.body, type=ReportBody))

    # the gate --------------------------------------------------------------------------------

    async def gate(self, tenant_id: str, before: gating.Outcomes, after: gating.Outcomes,
                   reference: str = "white") -> GateResult | None:
        """The fairness figures of a change before and after; None when the tenant has no proxies."""
        ids = sorted(set().union(*(set(v) for v in (*before.values(), *after.values()))))
        async with self.db.sessions() as session:
            columns = await Proxies(session, tenant_id).columns(ids) if ids else {"driver_id": []}
        if not columns["driver_id"]:
            return None
        proxies = {d: p for d, (p, _) in books.proxy_index(columns).items()}
        return gating.evaluate(before, after, proxies, reference)

    async def record_gate(self, session: AsyncSession, who: Principal, subject: str, result: GateResult) -> str:
        """Store a change's latest gate result (in the caller's transaction) and chain it; its hash."""
        digest = content_hash(result)
        repo = Gates(session, who.tenant_id)
        values = {"subject": subject, "blocked": result.blocked, "hash": digest,
                  "result": msgspec.json.encode(result).decode(), "at": utc_timestamp()}
        stmt = repo.insert(**values)
        await session.execute(repo.scoped(stmt.on_conflict_do_update(
            index_elements=["tenant_id", "subject"], set_={k: stmt.excluded[k] for k in values if k != "subject"})))
        await self._record(session, who, "fairness_gate", {"subject": subject, "hash": digest,
                                                           "blocked": result.blocked,
                                                           "changes": msgspec.to_builtins(result.changes)})
        return digest

    async def gate_record(self, tenant_id: str, subject: str) -> GateRecord:
        async with self.db.sessions() as session:
            return await self._gate_record(session, tenant_id, subject)

    async def _gate_record(self, session: AsyncSession, tenant_id: str, subject: str) -> GateRecord:
        row = await Gates(session, tenant_id).get_one(GateRow.subject == subject, ident=subject)
        signed = await Signoffs(session, tenant_id).list(SignoffRow.subject == subject,
                                                         SignoffRow.gate_hash == row.hash)
        return GateRecord(subject, row.hash, row.at, msgspec.json.decode(row.result, type=GateResult),
                          bool(signed), signed[0].id if signed else None)

    async def require_clear(self, session: AsyncSession, tenant_id: str, subject: str) -> None:
        """Refuse to deploy a change whose latest gate blocked it and that compliance has not signed."""
        row = await Gates(session, tenant_id).get_one_or_none(GateRow.subject == subject)
        if row is None or not row.blocked:
            return
        if not await Signoffs(session, tenant_id).list(SignoffRow.subject == subject, SignoffRow.gate_hash == row.hash):
            raise Conflict(f"the fairness gate flagged this change ({subject}); a compliance key must sign it off "
                           "(POST .../fairness-signoff with a reason) before it can be deployed")

    async def signoff(self, who: Principal, subject: str, reason: str) -> Signoff:
        async with self.decisions.transaction() as session:
            record = await self._gate_record(session, who.tenant_id, subject)
            if not record.result.blocked:
                raise Conflict(f"the fairness gate did not flag {subject}: there is nothing to sign off")
            signoff = Signoff(str(uuid.uuid4()), subject, record.hash, reason, who.name, utc_timestamp())
            Signoffs(session, who.tenant_id).add(SignoffRow(
                id=signoff.id, subject=subject, gate_hash=record.hash, reason=reason, actor_name=who.name,
                actor_key_id=who.key_id, at=signoff.at))
            await self._record(session, who, "fairness_signoff", {
                "signoff_id": signoff.id, "subject": subject, "gate_hash": record.hash, "reason": reason,
                "changes": msgspec.to_builtins(record.result.changes),
                "flags_after": msgspec.to_builtins(record.result.flags_after)})
        return signoff

    async def _record(self, session: AsyncSession, who: Principal, kind: str, payload: Mapping[str, Any]) -> None:
        entry = {**payload, "actor": who.name, "actor_key_id": who.key_id, "at": utc_timestamp()}
        await self.decisions.record_in(session, who.tenant_id, [NewEntry(kind=kind, payload=entry)])


def today() -> dt.date:
    return dt.date.today()
