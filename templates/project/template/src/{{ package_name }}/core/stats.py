"""Statistics (`GET /<plural>/stats/<name>`): the range and zone of a request, its buckets, the
bucket of a row in SQL, and the answer's items, zero-filled and in order.

A bucket is a wall-clock hour, day, week (from Monday), month or year in the requested IANA zone:
a row's bucket is the start of its period on the zone's clock (what PostgreSQL's
`date_trunc(period, column AT TIME ZONE zone)` gives). So a day is 23 or 25 hours long when the
clocks change; an hour the clocks skip has no bucket, and an hour they repeat is one bucket that
holds both. PostgreSQL groups by that `date_trunc`; SQLite has no zones, so the bucket bounds are
computed here from the zone's rules (as UTC instants) and sent with the statement as one JSON
array that the rows are joined against. Either way it is one statement.

A date column has no zone: a row counts when its day meets the range (`from`'s date in the zone
to the date of the last instant before `to`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from .types import parse_instant

MAX_BUCKETS = 1000
# the parameters of every statistic with a period, as the OpenAPI document describes them
STATS_FROM = "Start of the range (inclusive): an ISO 8601 datetime with a zone, or a date."
STATS_TO = "End of the range (exclusive): an ISO 8601 datetime with a zone, or a date."
STATS_TZ = "IANA time zone of the buckets (default UTC)."
PERIODS = ("hour", "day", "week", "month", "year")
# how SQLAlchemy stores datetimes and dates in SQLite (text that sorts like the values)
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
_SQLITE_DATE = "%Y-%m-%d"


class StatsInputError(ValueError):
    """A parameter of a statistic that cannot be used: `field` names it as the client sent it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def parse_zone(tz: str | None) -> ZoneInfo:
    """The IANA zone named `tz` (UTC when not given)."""
    name = tz or "UTC"
    try:
        if name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise StatsInputError(
            "tz", "not a time zone; write an IANA name such as UTC or Europe/Berlin"
        ) from None


def parse_bound(value: str | None, field: str, zone: ZoneInfo) -> datetime:
    """`from` or `to` as a UTC instant: an ISO datetime with a zone, or a date (its midnight in
    `zone`, the first instant of that day)."""
    if value is None or value == "":
        raise StatsInputError(field, "required with a period (an ISO datetime or a date)")
    try:
        return parse_instant(value, zone)
    except ValueError as exc:
        raise StatsInputError(field, str(exc)) from None


def _truncate(period: str, wall: datetime) -> datetime:
    """The start of the period holding wall-clock time `wall` (naive)."""
    if period == "hour":
        return wall.replace(minute=0, second=0, microsecond=0)
    day = wall.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _next(period: str, start: datetime) -> datetime:
    if period == "hour":
        return start + timedelta(hours=1)
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else (start.replace(month=start.month + 1))
        )
    return start.replace(year=start.year + 1)


def label(period: str, start: datetime) -> str:
    """How a bucket is named: its start in the zone (`2024-03-31`, `2024-03-31T02:00`)."""
    if period == "hour":
        return start.strftime("%Y-%m-%dT%H:00")
    return start.strftime("%Y-%m-%d")


def _utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant whose wall-clock time in `zone` is at or after `wall`."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """`instant` on the clock of `zone`, naive."""
    return instant.astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class Bucket:
    start: datetime  # wall-clock start in the zone, naive: what date_trunc returns
    lo: datetime  # first instant counted (UTC; the range's start for the first bucket)
    hi: datetime  # first instant not counted (UTC; the range's end for the last bucket)

    def label(self, period: str) -> str:
        return label(period, self.start)


@dataclass(frozen=True)
class Span:
    """The buckets of one request: `period` buckets of `[start, end)` in `zone`."""

    period: str
    zone: ZoneInfo
    start: datetime  # UTC
    end: datetime  # UTC
    buckets: tuple[Bucket, ...]

    @property
    def first_day(self) -> date:
        return wall_time(self.start, self.zone).date()

    @property
    def end_day(self) -> date:
        """The day after the one holding the last instant before `end`."""
        return wall_time(self.end - timedelta(microseconds=1), self.zone).date() + timedelta(days=1)

    def index(self, key: Any) -> int | None:
        """The position of the bucket a statement's row names (an index or a start)."""
        if isinstance(key, int):
            return key
        if isinstance(key, str):
            key = datetime.fromisoformat(key)
        if isinstance(key, datetime):
            key = key.replace(tzinfo=None)
        elif isinstance(key, date):
            key = datetime(key.year, key.month, key.day)
        return self._starts.get(key)

    @cached_property
    def _starts(self) -> dict[datetime, int]:
        return {b.start: i for i, b in enumerate(self.buckets)}


def span(
    period: str, from_: str | None, to: str | None, tz: str | None, *, dates: bool = False
) -> Span:
    """The buckets of `[from, to)` in zone `tz`; `StatsInputError` naming the parameter when a
    value cannot be used, the range is empty or it holds more than `MAX_BUCKETS` buckets.
    `dates`: the column is a date (buckets are then whole days)."""
    zone = parse_zone(tz)
    start = parse_bound(from_, "from", zone)
    end = parse_bound(to, "to", zone)
    if start >= end:
        raise StatsInputError("to", "must be later than `from`")
    buckets: list[Bucket] = []
    wall = _truncate(period, wall_time(start, zone))
    if dates:
        day = wall_time(start, zone).date()
        last = wall_time(end - timedelta(microseconds=1), zone).date()
        wall = _truncate(period, datetime(day.year, day.month, day.day))
        stop = datetime(last.year, last.month, last.day)
        while wall <= stop:
            following = _next(period, wall)
            buckets.append(Bucket(wall, wall, following))
            if len(buckets) > MAX_BUCKETS:
                raise _too_many()
            wall = following
        return Span(period, zone, start, end, tuple(buckets))
    while True:
        following = _next(period, wall)
        lo, hi = _utc(wall, zone), _utc(following, zone)
        if lo < hi:  # an hour the clocks skip holds no instant: no bucket
            buckets.append(Bucket(wall, max(lo, start), min(hi, end)))
            if len(buckets) > MAX_BUCKETS:
                raise _too_many()
        if hi >= end:
            return Span(period, zone, start, end, tuple(buckets))
        wall = following


def _too_many() -> StatsInputError:
    return StatsInputError(
        "to", f"the range holds more than {MAX_BUCKETS} buckets; ask for a shorter range"
    )


def period_key(
    dialect: str, column: Any, span: Span, *, dates: bool = False
) -> tuple[sa.ColumnElement[Any], list[sa.ColumnElement[bool]]]:
    """The bucket of a row as a SQL expression, and the conditions that keep the rows of the
    range: `date_trunc` on PostgreSQL, a join with the bucket bounds elsewhere."""
    if dialect == "postgresql":
        if dates:
            trunc = sa.func.date_trunc(span.period, sa.cast(column, sa.DateTime()))
            return trunc, [column >= span.first_day, column < span.end_day]
        local = sa.func.timezone(span.zone.key, column)
        trunc = sa.func.date_trunc(span.period, local)
        return trunc, [column >= span.start, column < span.end]
    return _bounds_key(json.dumps(_sqlite_bounds(span, dates)), column)


def bound_period_key(
    dialect: str, column: Any, period: str, *, dates: bool = False
) -> tuple[sa.ColumnElement[Any], list[sa.ColumnElement[bool]]]:
    """`period_key` for a kept statement: the span's values are the bound parameters that
    `span_parameters` gives (the zone and the range's ends on PostgreSQL, the buckets' bounds
    elsewhere), so one statement serves every range and zone."""
    if dialect == "postgresql":
        start: sa.BindParameter[Any] = sa.bindparam("stats_start")
        end: sa.BindParameter[Any] = sa.bindparam("stats_end")
        if dates:
            trunc = sa.func.date_trunc(period, sa.cast(column, sa.DateTime()))
            return trunc, [column >= start, column < end]
        local = sa.func.timezone(sa.bindparam("stats_zone", type_=sa.String()), column)
        return sa.func.date_trunc(period, local), [column >= start, column < end]
    return _bounds_key(sa.bindparam("stats_bounds", type_=sa.String()), column)


def span_parameters(dialect: str, span: Span, *, dates: bool = False) -> dict[str, Any]:
    """The values of the bound parameters of `bound_period_key` for this span."""
    if dialect == "postgresql":
        if dates:
            return {"stats_start": span.first_day, "stats_end": span.end_day}
        return {"stats_zone": span.zone.key, "stats_start": span.start, "stats_end": span.end}
    return {"stats_bounds": json.dumps(_sqlite_bounds(span, dates))}


def _sqlite_bounds(span: Span, dates: bool) -> list[list[str]]:
    """Each bucket's `[lo, hi)` as the text SQLite stores the column in."""
    if dates:
        bounds = [[b.lo.strftime(_SQLITE_DATE), b.hi.strftime(_SQLITE_DATE)] for b in span.buckets]
        first, last = span.first_day.strftime(_SQLITE_DATE), span.end_day.strftime(_SQLITE_DATE)
        bounds[0][0] = max(bounds[0][0], first)
        bounds[-1][1] = min(bounds[-1][1], last)
        return bounds
    return [
        [b.lo.strftime(_SQLITE_DATETIME), b.hi.strftime(_SQLITE_DATETIME)] for b in span.buckets
    ]


def _bounds_key(
    bounds: Any, column: Any
) -> tuple[sa.ColumnElement[Any], list[sa.ColumnElement[bool]]]:
    """The bucket of a row by a join with the buckets' bounds (a JSON array of `[lo, hi)`)."""
    table = sa.func.json_each(bounds).table_valued("key", "value")
    lo = sa.func.json_extract(table.c.value, "$[0]")
    hi = sa.func.json_extract(table.c.value, "$[1]")
    return table.c.key, [column >= lo, column < hi]


@dataclass(frozen=True)
class Measure:
    """One aggregate of a statistic as the answer names it (`sum_amount`)."""

    key: str
    fn: str  # sum | avg | min | max
    kind: str  # int | bigint | float | decimal
    scale: int | None = None


def aggregate_columns(
    measures: Sequence[Measure], columns: dict[str, Any]
) -> list[sa.ColumnElement[Any]]:
    """The select list of the measures (an average is sent as a sum and a count of values, and
    divided here, so it is exact for decimals on every database)."""
    out: list[sa.ColumnElement[Any]] = []
    for m in measures:
        column = columns[m.key]
        if m.fn == "avg":
            out += _sum(m, column, f"{m.key}__sum")
            out.append(sa.func.count(column).label(f"{m.key}__n"))
        elif m.fn == "sum":
            out += _sum(m, column, m.key)
        else:
            out.append(getattr(sa.func, m.fn)(column).label(m.key))
    return out


# A sum of bigints can pass 2**63 (SQLite then fails with "integer overflow"; PostgreSQL sums
# them as numeric): it is sent as the sums of the values' high and low 32 bits, which cannot
# overflow, and added up here exactly (integer division and remainder truncate alike on both).
_SPLIT = 2**32


def _sum(m: Measure, column: Any, label: str) -> list[sa.ColumnElement[Any]]:
    if m.kind != "bigint":
        return [sa.func.sum(column).label(label)]
    return [
        sa.func.sum(column // _SPLIT).label(f"{label}__hi"),
        sa.func.sum(column % _SPLIT).label(f"{label}__lo"),
    ]


def _summed(m: Measure, row: Any, label: str) -> Any:
    """The sum a row holds under `label` (put together again for a bigint)."""
    if row is None:
        return None
    if m.kind != "bigint":
        return row[label]
    high, low = row[f"{label}__hi"], row[f"{label}__lo"]
    return None if high is None else int(high) * _SPLIT + int(low)


def _number(kind: str, scale: int | None, value: Any) -> Any:
    if value is None:
        return None
    if kind == "decimal":
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        exact = exact.quantize(Decimal(1).scaleb(-(scale or 0)), rounding=ROUND_HALF_EVEN)
        return str(abs(exact) if exact.is_zero() else exact)  # no "-0.00" from float sums
    if kind in ("int", "bigint"):
        return int(value)
    return float(value)


def _measured(measures: Sequence[Measure], row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in measures:
        if m.fn == "sum":
            out[m.key] = _number(m.kind, m.scale, _summed(m, row, m.key))
            continue
        if m.fn != "avg":
            out[m.key] = _number(m.kind, m.scale, row[m.key] if row is not None else None)
            continue
        total = _summed(m, row, f"{m.key}__sum")
        n = int(row[f"{m.key}__n"] or 0) if row is not None else 0
        if total is None or n == 0:
            out[m.key] = None
        elif m.kind == "decimal":
            exact = total if isinstance(total, Decimal) else Decimal(str(total))
            exact = Decimal(_number("decimal", m.scale, exact))  # the sum, as the answer has it
            out[m.key] = _number("decimal", m.scale, exact / n)
        else:
            out[m.key] = float(total) / n
    return out


def items(
    rows: Sequence[Any],
    measures: Sequence[Measure],
    *,
    span: Span | None = None,
    group: str | None = None,
    values: Sequence[Any] | None = None,
) -> list[dict[str, Any]]:
    """The answer's items from the statement's rows (`bucket`, `grp`, `count` and the measures).

    Every bucket of `span` is present, in order; with a group, every value of `values` (an enum's
    or a bool's, zeros included) in that order, then the empty group when it has rows; without
    `values` (a ref), the groups that have rows, largest count first, then by key — and a bucket
    without rows holds one item whose group is null."""
    cells: dict[tuple[int, Any], Any] = {}
    for row in rows:
        mapping = row._mapping
        position = span.index(mapping["bucket"]) if span is not None else 0
        if position is None:
            continue
        cells[(position, mapping["grp"] if group is not None else None)] = mapping
    out: list[dict[str, Any]] = []
    positions = range(len(span.buckets)) if span is not None else range(1)
    for position in positions:
        head: dict[str, Any] = {}
        if span is not None:
            head["period"] = span.buckets[position].label(span.period)
        keys: list[Any]
        if group is None:
            keys = [None]
        elif values is not None:
            keys = list(values)
            if (position, None) in cells and None not in keys:
                keys.append(None)
        else:
            present = [(k, cells[(p, k)]) for (p, k) in cells if p == position]
            present.sort(key=lambda pair: (-int(pair[1]["count"]), str(pair[0])))
            keys = [k for k, _ in present] or ([None] if span is not None else [])
        for key in keys:
            row = cells.get((position, key))
            item = dict(head)
            if group is not None:
                item[group] = key
            item["count"] = int(row["count"]) if row is not None else 0
            item.update(_measured(measures, row))
            out.append(item)
    return out


__all__ = [
    "MAX_BUCKETS",
    "STATS_FROM",
    "STATS_TO",
    "STATS_TZ",
    "Bucket",
    "Measure",
    "Span",
    "StatsInputError",
    "aggregate_columns",
    "items",
    "label",
    "parse_zone",
    "period_key",
    "span",
    "wall_time",
]
