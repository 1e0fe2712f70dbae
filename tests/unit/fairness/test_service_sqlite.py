"""The fairness service on the embedded database (SQLite): an upload replaces a driver's proxy,
stores no name anywhere, and a report over stored scores runs end to end with its chain entry."""

from __future__ import annotations

import uuid
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import select, text

from saas.audit.decisions import DecisionLog
from saas.catalog import load_catalog_or_raise
from saas.db import Database
from saas.fairness.models import ProxyRow
from saas.fairness.schemas import ReportRequest
from saas.fairness.service import FairnessService
from saas.scoring.model import RiskModel
from saas.scoring.selection import TenantModels
from saas.settings import load_settings
from saas.tenancy.keys import Principal
from saas.trips.chunk import feature_json
from saas.trips.models import DriverRow, DriverScoreRow
from tests.fairness_data import drivers, proxies_csv

pytestmark = pytest.mark.unit
TENANT = "partner-a"


@pytest.fixture(scope="module")
def service(sqlite_database: Database) -> FairnessService:
    settings = load_settings()
    catalog = load_catalog_or_raise(settings.tenants_dir, settings.rulesets_dir)
    return FairnessService(sqlite_database, DecisionLog(sqlite_database), catalog,
                           TenantModels(RiskModel.load(settings.model_dir)))


async def test_an_upload_replaces_proxies_and_a_report_runs_on_sqlite(service: FairnessService,
                                                                      sqlite_database: Database) -> None:
    who = Principal(TENANT, "k1", "compliance", "ana")
    people = drivers(f"s{uuid.uuid4().hex[:4]}", {"white": 40, "hispanic": 40})
    model = service.models.default
    X = np.tile([2.0, 1.0, 0.02, 2.0, 1.0, 600.0, 0.0], (len(people), 1))
    X[len(people) // 2:, model.feature_names.index("late_night_miles_per_100mi")] = 25.0
    async with sqlite_database.session_scope() as session:
        for i, (d, features) in enumerate(zip(people, feature_json(list(model.feature_names), X), strict=True)):
            session.add(DriverRow(tenant_id=TENANT, driver_id=d.driver_id, state="TX", prior_claim_count=0,
                                  updated_at="2026-01-01T00:00:00Z"))
            session.add(DriverScoreRow(
                tenant_id=TENANT, driver_id=d.driver_id, period="2026-02", trips=4, miles=600.0, risk_score=0.6,
                safety_score=Decimal("80.0"), safety_score_month=Decimal("80.0"),
                multiplier=Decimal("1.10") if i >= len(people) // 2 else Decimal("0.95"), tier="C", tier_label="c",
                percentile=50.0, safest_top_pct=50, features=features, coaching="[]"))
    first = await service.import_proxies(who, proxies_csv(people))
    assert first.drivers == len(people) and first.methods["bisg"] > 0
    swapped = proxies_csv([people[0]]).replace(b"Olson", b"Garcia").replace(b"56001", b"78501")
    assert (await service.import_proxies(who, swapped)).drivers == 1
    async with sqlite_database.sessions() as session:
        row = (await session.execute(select(ProxyRow).where(ProxyRow.driver_id == people[0].driver_id))).scalar_one()
        assert row.p_hispanic > 0.9  # replaced, not added
        stored = " ".join(str(v) for v in (await session.execute(text("SELECT * FROM fairness_proxies"))).all())
    assert "Olson" not in stored and "Garcia" not in stored
    report = await service.create_report(who, ReportRequest(period="2026-02"))
    hispanic = next(g for o in report.body.outcomes if o.outcome == "multiplier" for g in o.groups
                    if g.group == "hispanic")
    assert hispanic.ratio is not None and hispanic.ratio > 1.1
    assert any(f.group == "hispanic" for f in report.body.flags)
    assert (await service.get_report(TENANT, report.id)).hash == report.hash
    assert [r.id for r in (await service.list_reports(TENANT)).reports][:1] == [report.id]
