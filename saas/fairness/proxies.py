"""A proxy upload: ``driver_id,surname,first_name,zip`` (first name optional), checked whole before
anything is stored. Every row problem is listed (line and column), and one problem refuses the
whole file: a compliance officer fixes it and uploads again, and no report ever mixes two halves.

The names are read here, looked up in the Census tables and dropped; only the probabilities leave
this module (``bisg.Proxies``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from saas.errors import PayloadTooLarge, ValidationFailed
from saas.fairness.schemas import MAX_PROXY_CSV_BYTES, MAX_ROW_ERRORS, RowError

REQUIRED = ("driver_id", "surname", "zip")
OPTIONAL = ("first_name",)
ZIP = re.compile(r"^\d{5}(-\d{4})?$")
DRIVER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_NAME = 100


@dataclass(frozen=True)
class ProxyLine:
    line: int
    driver_id: str
    surname: str
    first_name: str | None
    zip: str


def _text(body: bytes) -> str:
    if len(body) > MAX_PROXY_CSV_BYTES:
        raise PayloadTooLarge(f"a proxy file may have at most {MAX_PROXY_CSV_BYTES // (1024 * 1024)} MB; "
                              "split it by drivers (each upload adds to or replaces the drivers it names)")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"the file is not UTF-8 (byte {exc.start})", path="$") from None


def _header(reader: Iterator[list[str]]) -> list[str]:
    first: list[str] = next(reader, [])
    header = [h.strip().lower() for h in first]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    problems = [*(f"missing column '{c}'" for c in missing), *(f"unknown column '{c}'" for c in unknown)]
    if len(set(header)) != len(header):
        problems.append("a column is named twice")
    if problems:
        raise ValidationFailed(f"line 1: {'; '.join(problems)} (expected driver_id,surname,first_name,zip; "
                               "first_name optional)", path="line 1")
    return header


def _check(values: dict[str, str], line: int, seen: dict[str, int]) -> list[RowError]:
    errors = []
    driver = values["driver_id"]
    if not DRIVER_ID.match(driver):
        errors.append(RowError(line, "driver_id", "a driver id is 1-64 letters, digits, _ or -"))
    elif driver in seen:
        errors.append(RowError(line, "driver_id", f"driver {driver} is also on line {seen[driver]}"))
    if not values["surname"] or len(values["surname"]) > MAX_NAME:
        errors.append(RowError(line, "surname", f"a surname is 1-{MAX_NAME} characters"))
    if len(values.get("first_name", "")) > MAX_NAME:
        errors.append(RowError(line, "first_name", f"a first name is at most {MAX_NAME} characters"))
    if not ZIP.match(values["zip"]):
        errors.append(RowError(line, "zip", f"'{values['zip'][:12]}' is not a ZIP code (12345 or 12345-6789)"))
    return errors


def parse_proxies(body: bytes) -> list[ProxyLine]:
    """Every line, or ``ValidationFailed`` listing the problems (up to ``MAX_ROW_ERRORS``) of all of them."""
    reader = csv.reader(io.StringIO(_text(body), newline=""))
    header = _header(reader)
    lines: list[ProxyLine] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(RowError(number, "", f"{len(row)} fields where the header has {len(header)}"))
            continue
        values = {k: v.strip() for k, v in zip(header, row, strict=True)}
        problems = _check(values, number, seen)
        seen.setdefault(values["driver_id"], number)
        errors += problems
        if not problems:
            lines.append(ProxyLine(number, values["driver_id"], values["surname"], values.get("first_name") or None,
                                   values["zip"]))
    refuse_if_any(errors)
    if not lines:
        raise ValidationFailed("the file has a header but no drivers", path="line 2")
    return lines


def refuse_if_any(errors: list[RowError]) -> None:
    if errors:
        raise ValidationFailed(
            f"{len(errors)} problem(s) in the file; nothing was imported", path=f"line {errors[0].line}",
            errors=[{"path": f"line {e.line}" + (f": {e.field}" if e.field else ""), "detail": e.detail}
                    for e in errors[:MAX_ROW_ERRORS]])
