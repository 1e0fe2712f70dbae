"""Event detection on constructed traces whose answers are known by hand."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas.errors import ValidationFailed
from saas.trips.detection import (
    EARTH_RADIUS_M,
    MAX_GAP_S,
    METERS_PER_MILE,
    count_episodes,
    detect,
)
from saas.trips.schemas import RawSample, RawTrip, TripSummary

pytestmark = pytest.mark.unit

LA = ZoneInfo("America/Los_Angeles")
NOON = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def trip(times: Sequence[dt.datetime], *, speed: float | Sequence[float] = 20.0, brake: Sequence[float] = (),
         lateral: Sequence[float] = (), limit: Sequence[float | None] = (), lats: Sequence[float] = (),
         timezone: str = "America/Los_Angeles") -> RawTrip:
    """A trace at ``times``; unset channels are calm (0 m/s²), on the equator, with no posted limit."""
    n = len(times)
    speeds = [speed] * n if isinstance(speed, float | int) else list(speed)

    def channel(values: Sequence[float | None], default: float | None) -> list[float | None]:
        return list(values) + [default] * (n - len(values))

    samples = [RawSample(t=t, lat=la or 0.0, lon=0.0, speed_mps=s, accel_long_mps2=b or 0.0,
                         accel_lat_mps2=a or 0.0, speed_limit_mps=lim)
               for t, s, b, a, lim, la in zip(times, speeds, channel(brake, 0.0), channel(lateral, 0.0),
                                              channel(limit, None), channel(lats, 0.0), strict=True)]
    return RawTrip(driver_id="drv-1", trip_id="trip-1", timezone=timezone, samples=samples)


def every(step_s: float, n: int, start: dt.datetime = NOON) -> list[dt.datetime]:
    return [start + dt.timedelta(seconds=step_s * i) for i in range(n)]


def test_an_episode_of_three_samples_counts_once() -> None:
    summary = detect(trip(every(1, 8), brake=[0, -4, -5, -3.6, 0, 0, 0, 0]))
    assert summary.hard_braking_events == 1 and summary.aggressive_turning_events == 0


def test_two_separate_episodes_count_twice() -> None:
    assert detect(trip(every(1, 8), brake=[-4, -4, 0, -4, 0, 0, 0, -3.5])).hard_braking_events == 2
    assert detect(trip(every(1, 6), lateral=[4.5, -4.5, 0, 0, -4.1, 3.9])).aggressive_turning_events == 2


def test_thresholds_are_strict_and_a_gap_splits_an_episode() -> None:
    assert detect(trip(every(1, 4), brake=[-3.5] * 4, lateral=[4.0, -4.0, 4.0, -4.0])).hard_braking_events == 0
    times = [*every(1, 2), NOON + dt.timedelta(seconds=1 + MAX_GAP_S + 1)]
    assert detect(trip(times, brake=[-4, -4, -4])).hard_braking_events == 2
    times = [*every(1, 2), NOON + dt.timedelta(seconds=1 + MAX_GAP_S)]
    assert detect(trip(times, brake=[-4, -4, -4])).hard_braking_events == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=40))
def test_episodes_match_a_plain_loop(flags: list[tuple[bool, bool]]) -> None:
    beyond = np.array([b for b, _ in flags])
    joined = np.array([j for _, j in flags[1:]], dtype=bool)
    expected = sum(1 for i, b in enumerate(beyond) if b and not (i > 0 and beyond[i - 1] and joined[i - 1]))
    assert count_episodes(beyond, joined) == expected


def test_miles_are_speed_times_time_and_across_a_gap_the_great_circle() -> None:
    summary = detect(trip(every(1, 1001), speed=20.0))
    assert summary.miles == pytest.approx(20_000 / METERS_PER_MILE, rel=1e-12)
    accelerating = detect(trip(every(2, 3), speed=[0.0, 10.0, 20.0]))
    assert accelerating.miles * METERS_PER_MILE == pytest.approx(2 * 5 + 2 * 15)
    lost_signal = detect(trip([NOON, NOON + dt.timedelta(minutes=10)], lats=[0.0, 1.0]))
    assert lost_signal.miles * METERS_PER_MILE == pytest.approx(EARTH_RADIUS_M * math.pi / 180)


def test_speeding_minutes_count_samples_above_the_limit_with_gaps_capped() -> None:
    limits = [25.0] * 120 + [35.0] * 479 + [None]
    assert detect(trip(every(1, 600), speed=30.0, limit=limits)).speeding_minutes == pytest.approx(2.0)
    at_limit = detect(trip(every(1, 60), speed=30.0, limit=[30.0] * 60))
    assert at_limit.speeding_minutes == 0.0
    gap = [NOON, NOON + dt.timedelta(seconds=60), NOON + dt.timedelta(seconds=61)]
    capped = detect(trip(gap, speed=30.0, limit=[25.0, 25.0, 25.0]))
    assert capped.speeding_minutes * 60 == pytest.approx(MAX_GAP_S + 1)


def local(*args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LA, fold=fold).astimezone(dt.UTC)


def night_share(start: dt.datetime, end: dt.datetime, step_s: float = 10.0) -> float:
    n = int((end - start).total_seconds() / step_s) + 1
    summary = detect(trip(every(step_s, n, start)))
    assert summary.ended_at == end
    return summary.night_miles / summary.miles


def test_a_trip_across_local_midnight_counts_its_local_night_miles() -> None:
    summary = detect(trip(every(5, 721, local(2024, 5, 1, 23, 30))))
    assert summary.miles * METERS_PER_MILE == pytest.approx(72_000)
    assert summary.night_miles * METERS_PER_MILE == pytest.approx(36_000)
    assert night_share(local(2024, 5, 2, 3, 30), local(2024, 5, 2, 4, 30)) == pytest.approx(0.5)
    assert detect(trip(every(5, 721, local(2024, 5, 1, 23, 30)), timezone="Asia/Tokyo")).night_miles == 0.0


def test_night_follows_the_local_clock_through_daylight_saving_changes() -> None:
    spring = night_share(local(2024, 3, 10, 1, 30), local(2024, 3, 10, 4, 30))
    assert spring == pytest.approx(0.75), "01:30 PST → 04:30 PDT is 2 h, of which 1.5 h before 04:00 PDT"
    autumn = night_share(local(2024, 11, 3, 0, 30), local(2024, 11, 3, 3, 30))
    assert autumn == pytest.approx(1.0), "00:30 PDT → 03:30 PST is 4 h, all of it before 04:00 PST"


def test_where_local_midnight_is_skipped_night_opens_at_the_transition() -> None:
    santiago = ZoneInfo("America/Santiago")  # 2022-09-11: clocks went from 00:00 (−04) to 01:00 (−03)
    start = dt.datetime(2022, 9, 10, 23, 30, tzinfo=santiago)
    summary = detect(trip(every(10, 361, start), timezone="America/Santiago"))
    assert summary.ended_at.astimezone(santiago).hour == 1, "an hour of driving ends at 01:30 local"
    assert summary.night_miles / summary.miles == pytest.approx(0.5)


def test_the_summary_satisfies_its_own_schema() -> None:
    summary = detect(trip(every(1, 300), speed=31.0, brake=[-5] * 3, limit=[30.0] * 300))
    again = msgspec.json.decode(msgspec.json.encode(summary), type=TripSummary)
    assert again == summary and again.tailgating_seconds == 0.0 and again.phone_use_seconds == 0.0
    assert again.speeding_minutes == pytest.approx(299 / 60)


def test_out_of_order_and_repeated_timestamps_are_refused_with_the_index() -> None:
    times = every(1, 5)
    times[3], times[2] = times[2], times[3]
    with pytest.raises(ValidationFailed) as info:
        detect(trip(times))
    assert info.value.path == "$.samples[3].t" and "samples[3].t is not after samples[2].t" in info.value.detail
    with pytest.raises(ValidationFailed, match=r"samples\[1\]\.t is not after samples\[0\]\.t"):
        detect(trip([NOON, NOON, NOON + dt.timedelta(seconds=1)]))


def test_non_finite_readings_are_refused_with_the_index_and_field() -> None:
    with pytest.raises(ValidationFailed) as info:
        detect(trip(every(1, 4), brake=[0, 0, math.nan, 0]))
    assert info.value.path == "$.samples[2]" and info.value.detail.startswith("samples[2].accel_long_mps2")
    with pytest.raises(ValidationFailed, match=r"samples\[0\]\.speed_mps"):
        detect(trip(every(1, 2), speed=[math.inf, 1.0]))


def test_a_trace_implying_an_impossible_trip_is_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"impossible trip: .* at `\$\.miles`"):
        detect(trip([NOON, NOON + dt.timedelta(minutes=10)], lats=[0.0, 89.0]))
