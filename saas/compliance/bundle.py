"""The per-tenant compliance bundle of one month: everything a regulator asks for, in one archive.

Sections are written in a fixed order, each hashed as written; the manifest lists every file with
its SHA-256, and the manifest's own hash is appended to the tenant's audit chain (an entry of kind
``compliance_bundle``) whose sealed form closes the archive as ``anchor.json``. ``verify.py``
checks all of it offline. A month with nothing in it still gives a valid bundle whose README and
manifest say it is empty.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.canonical import sha256_hex
from saas.clock import utc_timestamp
from saas.compliance import sections
from saas.compliance.archive import BundleArchive
from saas.compliance.register import period_bounds, register
from saas.compliance.schemas import BUNDLE_KIND
from saas.db import Database
from saas.scoring.selection import TenantModels
from saas.tenancy.service import LoadedTenant

FORMAT = "saas-compliance-bundle/1"


class FairnessReports(Protocol):
    """The seam for ``saas.fairness`` (built in parallel): the period's reports as (file name, bytes).
    The assembly passes one in once that feature exists; until then the bundle says there are none."""

    async def reports(self, session: AsyncSession, tenant_id: str, period: str) -> list[tuple[str, bytes]]: ...


VersionSection = Callable[[AsyncSession, str, dt.datetime, dt.datetime], Awaitable[list[Any]]]
"""(session, tenant, start, end) → the versions of one kind in force during the period."""


class BundleMaker:
    def __init__(self, db: Database, decisions: DecisionLog, models: TenantModels, model_dir: Path, *,
                 fairness: FairnessReports | None = None,
                 versions: dict[str, VersionSection] | None = None) -> None:
        self.db, self.decisions, self.models, self.model_dir = db, decisions, models, model_dir
        self.fairness = fairness
        self.versions: dict[str, VersionSection] = {"rate-tables": sections.rate_versions, **(versions or {})}
        self.profile: dict[str, tuple[float, float]] = {}
        """Section → (seconds, peak RSS in MB so far) of the last bundle made: what the benchmark prints."""

    async def write(self, tenant: LoadedTenant, period: str, out: IO[bytes], *, made_by: str) -> dict[str, Any]:
        """Write the bundle to ``out``; returns the manifest header and the anchoring chain entry."""
        start, end = period_bounds(period)
        tenant_id = tenant.config.id
        archive = BundleArchive(out)
        try:
            async with self.db.sessions() as session:
                summary = await self._sections(archive, session, tenant, period, start, end)
        except BaseException:
            archive.abandon()
            raise
        header = {"format": FORMAT, "tenant_id": tenant_id, "period": period, "made_at": utc_timestamp(),
                  "made_by": made_by, "empty": is_empty(summary["counts"]), "summary": summary}
        manifest = archive.manifest(header)
        digest = sha256_hex(manifest)
        (anchor,) = await self.decisions.record(tenant_id, [NewEntry(kind=BUNDLE_KIND, payload={
            "period": period, "manifest_sha256": digest, "files": len(archive.files), "made_by": made_by})])
        archive.anchor(anchor)
        archive.close()
        return {"manifest_sha256": digest, "anchor_seq": anchor.seq, **header}

    async def _sections(self, archive: BundleArchive, session: AsyncSession, tenant: LoadedTenant, period: str,
                        start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        tenant_id, lap = tenant.config.id, Stopwatch(self.profile)
        audit = await sections.audit_section(archive, session, tenant_id, start, end)
        lap("audit")
        in_force = {kind: await read(session, tenant_id, start, end) for kind, read in self.versions.items()}
        model = self.models.live(tenant)
        in_force["model"] = [{"version": model.version, "in_force": "the whole period (serving model)"}]
        for kind, versions in in_force.items():
            archive.json(f"versions/{kind}.json", versions)
        archive.json("model/model-card.json", sections.model_card(model, self.model_dir))
        runs = await sections.runs_section(archive, session, tenant_id, period)
        lap("versions, model card, runs")
        scores = await sections.scores_and_drift(archive, session, tenant_id, period, model)
        lap("scores and drift")
        notices = await sections.notices_section(archive, session, tenant_id, period)
        archive.json("adverse-actions/register.json", await register(session, tenant, period))
        lap("notices and register")
        fairness = await self._fairness(archive, session, tenant_id, period)
        counts = {"audit_entries": audit["entries"], "scoring_runs": len(runs), "notices": notices,
                  "fairness_reports": fairness, **scores,
                  **{f"{kind}_versions": len(v) for kind, v in in_force.items() if kind != "model"}}
        _readme(archive, tenant_id, period, counts)
        return {"counts": counts, "audit_verified": audit["export"]["ok"]}

    async def _fairness(self, archive: BundleArchive, session: AsyncSession, tenant_id: str, period: str) -> int:
        reports = await self.fairness.reports(session, tenant_id, period) if self.fairness else []
        if not reports:
            archive.json("fairness/none.json", {"period": period, "reports": 0,
                                                "note": "no fairness report was made for this tenant and period"})
        for name, body in reports:
            with archive.member(f"fairness/{name}") as member:
                member.write(body)
        return len(reports)


def _readme(archive: BundleArchive, tenant_id: str, period: str, counts: dict[str, int]) -> None:
    empty = is_empty(counts)
    lines = [f"Compliance bundle for tenant {tenant_id}, {period} (UTC).", ""]
    if empty:
        lines += ["THIS PERIOD IS EMPTY: no decisions, scoring runs or notices fell in it.",
                  "The bundle is still complete and verifiable: every section is present and says so.", ""]
    lines += [f"{name.replace('_', ' ')}: {value}" for name, value in counts.items()]
    lines += ["", "Check it offline with: saas compliance verify THIS-FILE",
              "manifest.json lists every file's SHA-256; anchor.json is the audit-chain entry holding the",
              "manifest's own SHA-256 (verify a later audit export to see it in the chain)."]
    with archive.member("README.txt") as member:
        member.write(("\n".join(lines) + "\n").encode())


def peak_rss_mb() -> float:
    """This process's own peak resident memory: ``VmHWM`` (Linux), which starts afresh at exec, unlike
    ``getrusage``'s ``ru_maxrss``, which a child inherits from the process that forked it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stopwatch:
    def __init__(self, into: dict[str, tuple[float, float]]) -> None:
        into.clear()
        self.into, self.last = into, time.perf_counter()
        into["before the bundle"] = (0.0, peak_rss_mb())

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.into[name] = (now - self.last, peak_rss_mb())
        self.last = now


ACTIVITY = ("audit_entries", "scoring_runs", "notices", "scored_drivers")
"""What makes a period non-empty: versions in force alone are not activity."""


def is_empty(counts: dict[str, int]) -> bool:
    return not any(counts.get(name) for name in ACTIVITY)
