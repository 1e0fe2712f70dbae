"""Event detection: a raw trace → a ``TripSummary``, vectorised over the samples.

Definitions (``DETECTOR_VERSION`` changes whenever one of them does, so stored summaries say which
rules produced them):

* Intervals. Sample ``i`` stands for the interval up to sample ``i + 1``, at most ``MAX_GAP_S`` of
  it: a longer gap is signal loss, and we do not know what the driver did in it.
* Harsh braking: ``accel_long_mps2 < −3.5`` m/s² (≈ 0.36 g). Aggressive cornering:
  ``|accel_lat_mps2| > 4.0`` m/s² (≈ 0.41 g). An everyday family sedan rarely exceeds 0.4 g on any
  axis (PosiTrace, kb.positrace.com/harsh-behavior-detection); device defaults for harsh turns span
  0.3 g (the "industry-standard" value PosiTrace quotes) to 0.5 g (eDriving Mentor) and
  5.5 m/s² (Digital Matter G70). 0.41 g sits in the middle, just above what normal driving reaches.
* Episodes: a maximal run of consecutive samples beyond a threshold, each no more than
  ``MAX_GAP_S`` after the previous one, is one event. A sample back within the threshold, or a gap
  longer than ``MAX_GAP_S``, ends the episode; no minimum duration, no merging of close episodes.
* Speeding: the interval of a sample whose speed is strictly above its posted limit; no limit, no
  speeding. No tolerance buffer: the seed's "minutes over speed threshold" with the limit as threshold.
* Distance: the trapezoid of the two speeds over each interval (GPS Doppler speed is far less noisy
  than summing fixes, which adds jitter while parked); across a gap longer than ``MAX_GAP_S`` the
  great-circle distance between the two fixes, the least the car must have travelled.
* Night: an interval whose start falls in [00:00, 04:00) local time of ``RawTrip.timezone``.
  Windows are computed per local date with zoneinfo, so DST days have the right length (where a
  zone skips local midnight, the window opens at the transition).
* Tailgating and phone use need a range sensor and the phone's state; a trace has neither, so both
  are 0 here. Partners whose devices measure them send a ``TripSummary`` instead.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec
import numpy as np

from saas.errors import ValidationFailed
from saas.trips.schemas import RawTrip, TripSummary

DETECTOR_VERSION = "trips-detect-1"
HARSH_BRAKING_MPS2 = -3.5
AGGRESSIVE_CORNERING_MPS2 = 4.0
MAX_GAP_S = 10.0
METERS_PER_MILE = 1609.344
EARTH_RADIUS_M = 6_371_008.8
NIGHT_START, NIGHT_END = dt.time(0, 0), dt.time(4, 0)
_FIELDS = ("lat", "lon", "speed_mps", "accel_long_mps2", "accel_lat_mps2")


def _columns(trip: RawTrip) -> dict[str, np.ndarray]:
    samples = trip.samples
    cols = {name: np.fromiter((getattr(s, name) for s in samples), np.float64, len(samples)) for name in _FIELDS}
    cols["t"] = np.fromiter((s.t.timestamp() for s in samples), np.float64, len(samples))
    limits = (np.nan if s.speed_limit_mps is None else s.speed_limit_mps for s in samples)
    cols["limit"] = np.fromiter(limits, np.float64, len(samples))
    return cols


def _check(cols: dict[str, np.ndarray]) -> None:
    """Structs built in Python skip msgspec's bounds, so NaN and disorder are caught here."""
    for name in ("t", *_FIELDS):
        bad = np.flatnonzero(~np.isfinite(cols[name]))
        if bad.size:
            raise ValidationFailed(f"samples[{bad[0]}].{name} is not a finite number", path=f"$.samples[{bad[0]}]")
    back = np.flatnonzero(np.diff(cols["t"]) <= 0)
    if back.size:
        i = int(back[0]) + 1
        raise ValidationFailed(f"samples[{i}].t is not after samples[{i - 1}].t: samples must be in time order",
                               path=f"$.samples[{i}].t")


def count_episodes(beyond: np.ndarray, joined: np.ndarray) -> int:
    """Runs of ``beyond`` samples; ``joined[i]`` says sample ``i + 1`` continues sample ``i``'s run."""
    starts = beyond.copy()
    starts[1:] &= ~(beyond[:-1] & joined)
    return int(np.count_nonzero(starts))


def _haversine_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    p, q = np.radians(lat), np.radians(lon)
    h = np.sin(np.diff(p) / 2) ** 2 + np.cos(p[:-1]) * np.cos(p[1:]) * np.sin(np.diff(q) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def interval_meters(cols: dict[str, np.ndarray], dt_s: np.ndarray) -> np.ndarray:
    speed = cols["speed_mps"]
    driven = (speed[:-1] + speed[1:]) / 2 * dt_s
    return np.where(dt_s <= MAX_GAP_S, driven, _haversine_m(cols["lat"], cols["lon"]))


def night_mask(t: np.ndarray, timezone: str) -> np.ndarray:
    """True where the instant falls in local [00:00, 04:00); exact across DST changes."""
    tz = ZoneInfo(timezone)
    first = dt.datetime.fromtimestamp(t[0], tz).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(t[-1], tz).date() + dt.timedelta(days=1)
    days = [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]
    edges = np.array([dt.datetime.combine(day, at, tz).timestamp() for day in days for at in (NIGHT_START, NIGHT_END)])
    return np.searchsorted(edges, t, side="right") % 2 == 1


def _plausible(summary: TripSummary) -> TripSummary:
    """Structs built in Python skip msgspec's bounds: holding the summary to the bounds of an
    uploaded one refuses e.g. a GPS jump implying 6,000 miles, instead of storing it."""
    try:
        return msgspec.convert(msgspec.to_builtins(summary), TripSummary)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"the trace implies an impossible trip: {exc}") from None


def detect(trip: RawTrip) -> TripSummary:
    """Detection is deterministic and per trip, so a re-run (a retried job) gives the same summary."""
    cols = _columns(trip)
    _check(cols)
    t = cols["t"]
    gaps = np.diff(t)
    held = np.minimum(gaps, MAX_GAP_S)
    joined = gaps <= MAX_GAP_S
    meters = interval_meters(cols, gaps)
    night = night_mask(t[:-1], trip.timezone)
    speeding = cols["speed_mps"][:-1] > cols["limit"][:-1]  # NaN limit compares False
    return _plausible(TripSummary(
        driver_id=trip.driver_id, trip_id=trip.trip_id,
        started_at=trip.samples[0].t, ended_at=trip.samples[-1].t,
        miles=float(np.sum(meters)) / METERS_PER_MILE,
        hard_braking_events=count_episodes(cols["accel_long_mps2"] < HARSH_BRAKING_MPS2, joined),
        aggressive_turning_events=count_episodes(np.abs(cols["accel_lat_mps2"]) > AGGRESSIVE_CORNERING_MPS2, joined),
        speeding_minutes=float(np.sum(np.where(speeding, held, 0.0))) / 60.0,
        night_miles=float(np.sum(np.where(night, meters, 0.0))) / METERS_PER_MILE,
    ))
