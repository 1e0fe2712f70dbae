"""A configuration that changes what scores a driver (its model pin, or the feature groups a state
allows) is tested on risk scores made that way, not on the run's: each driver's inputs as the run
scored them (``driver_scores.features``) go through the draft's model and permissions, the same
masked-view scoring a monthly run uses (``saas.scoring.pipeline.score_matrix``).

The stored inputs are rounded to 6 decimals and already lack what the run's configuration did not
allow, so a group the draft newly enables stays marginalised out: the test says so in its notes.
"""

from __future__ import annotations

import msgspec
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from saas.scoring.features import feature_set, permit_matrix
from saas.scoring.model import RiskModel
from saas.scoring.pipeline import score_matrix
from saas.tenancy.scoping import TenantRepository
from saas.tenancy.service import LoadedTenant
from saas.trips.models import DriverRow, DriverScoreRow


class _Scores(TenantRepository[DriverScoreRow]):
    model = DriverScoreRow
    noun = "driver score"


class _Drivers(TenantRepository[DriverRow]):
    model = DriverRow
    noun = "driver"


def scores_differently(current: LoadedTenant, current_model: str, draft: LoadedTenant, draft_model: str) -> bool:
    """Whether the draft would score a driver differently: another model, or other feature groups."""
    states = set(current.config.states) | set(draft.config.states)
    return draft_model != current_model or any(current.config.features_for(s) != draft.config.features_for(s)
                                               for s in states)


async def stored_inputs(session: AsyncSession, tenant_id: str, period: str) -> tuple[list[str], list[str], list[str]]:
    """(driver ids, their states, their inputs as JSON), in driver order, for one month."""
    rows = (await session.execute(_Scores(session, tenant_id).statement().with_only_columns(
        DriverScoreRow.driver_id, DriverScoreRow.features).where(DriverScoreRow.period == period)
        .order_by(DriverScoreRow.driver_id))).all()
    states = dict((await session.execute(_Drivers(session, tenant_id).statement().with_only_columns(
        DriverRow.driver_id, DriverRow.state))).all())
    return [r[0] for r in rows], [states.get(r[0], "") for r in rows], [r[1] for r in rows]


def rescore(inputs: list[str], states: list[str], tenant: LoadedTenant, model: RiskModel) -> np.ndarray:
    """Each driver's risk score under ``tenant``'s permissions and ``model``, state by state."""
    names = list(model.feature_names)
    decoded = [msgspec.json.decode(line) for line in inputs]
    X = np.array([[np.nan if row.get(name) is None else float(row[name]) for name in names] for row in decoded],
                 dtype=np.float64).reshape(len(decoded), len(names))
    risks = np.zeros(len(decoded))
    by_state = np.array(states, dtype=object)
    for state in sorted(set(states)):
        index = np.flatnonzero(by_state == state)
        allowed = feature_set(tenant.config, state or None)
        rows = permit_matrix(X[index], allowed.groups, model)
        risks[index] = score_matrix(model, tenant.config.pricing, rows, explain=False, features=allowed).risks
    return risks
