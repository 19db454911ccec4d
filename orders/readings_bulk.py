"""Bulk readings: many counter readings in one request, stored in one set-based write.

Used by ``POST /api/v1/readings/bulk/`` (SCADA gateways, sensor hubs, file imports). Each row is
(counter, taken_at, value[, is_reset]). Rows that cannot be stored are reported with their index and the
reason; the others are stored together:

1. parse every row (ids, ISO 8601 times with an offset, finite numbers);
2. lock the counters concerned (in id order, so two bulk requests never deadlock) and check each row
   against its counter: visible to the user, one reading per counter and time, and for cumulative
   counters never backwards (unless a reset) and newer than the counter's latest reading (older readings
   of a cumulative counter would need checking against both neighbours: send those one by one);
3. write the accepted rows and their history rows: ``COPY`` on PostgreSQL (ids taken from the sequence
   first, so both tables get the same ids), ``bulk_create`` elsewhere;
4. set each counter's latest value once, then evaluate usage triggers once for all the counters touched:
   the same two scheduler calls ``orders.services.reading_record`` makes for one reading (generate for the
   plan instances of their entities, advance_schedule for their open orders).
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from assets.api import counters_in_sites
from assets.models import ENTITY_FIELDS, Counter, CounterKind, Reading, ReadingSource
from orders import scheduler
from orders.models import WorkOrder
from people.scoping import visible_site_ids
from plans.models import PlanInstance

MAX_ABS_VALUE = Decimal("1e14")  # Reading.value: 18 digits, 4 decimals
FOUR_PLACES = Decimal("0.0001")
TRUE_WORDS = {"true", "1", "yes", "t"}
FALSE_WORDS = {"false", "0", "no", "f", ""}


@dataclass
class Row:
    index: int
    counter_id: int
    taken_at: datetime.datetime
    value: Decimal
    is_reset: bool


@dataclass
class BulkResult:
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    orders_created: int = 0
    orders_moved: int = 0


class RowError(ValueError):
    pass


# --- Parsing -----------------------------------------------------------------------------------
def _counter_id(raw: Any) -> int:
    if isinstance(raw, bool):
        raise RowError(_("counter: give the counter's id."))
    try:
        number = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError, OverflowError):
        raise RowError(_("counter: give the counter's id.")) from None
    if (isinstance(raw, float) and raw != number) or not 1 <= number < 2**63:
        raise RowError(_("counter: give the counter's id."))
    return number


def _taken_at(raw: Any) -> datetime.datetime:
    moment = None
    if isinstance(raw, str):
        text = raw.strip()
        try:
            # The C parser first (ten times faster on 100,000 rows); Django's for the forms it does not read.
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            try:
                moment = parse_datetime(text)
            except ValueError:
                moment = None
    if moment is None or moment.tzinfo is None:
        raise RowError(_("taken_at: give an ISO 8601 date and time with its offset, e.g. 2026-11-23T08:00:00Z."))
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 (valid ISO 8601) in what COPY sends.
        return moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise RowError(_("taken_at: give a date and time between the years 1 and 9999.")) from None


def _value(raw: Any) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise RowError(_("value: give a number."))
    try:
        number = Decimal(raw.strip() if isinstance(raw, str) else str(raw))
    except (InvalidOperation, ValueError):
        raise RowError(_("value: give a number.")) from None
    if not number.is_finite() or abs(number) >= MAX_ABS_VALUE:
        raise RowError(_("value: give a number below 10^14 in size."))
    return number.quantize(FOUR_PLACES)


def _is_reset(raw: Any) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return raw.strip().lower() in TRUE_WORDS
    raise RowError(_("is_reset: give true or false."))


def parse_row(index: int, raw: Any) -> Row:
    if not isinstance(raw, dict):
        raise RowError(_("Each row is an object with counter, taken_at and value."))
    missing = [name for name in ("counter", "value") if raw.get(name) in (None, "")]
    taken = raw.get("taken_at", raw.get("timestamp"))
    if taken in (None, ""):
        missing.insert(1, "taken_at")
    if missing:
        raise RowError(_("Missing: %(fields)s.") % {"fields": ", ".join(missing)})
    return Row(
        index, _counter_id(raw["counter"]), _taken_at(taken), _value(raw["value"]), _is_reset(raw.get("is_reset"))
    )


# --- The service -------------------------------------------------------------------------------
def readings_bulk_record(*, rows: list[Any], user: Any, source: str = ReadingSource.API) -> BulkResult:
    """Store the valid rows as readings in one set-based write and report the others; see the module doc."""
    result = BulkResult()
    parsed: list[Row] = []
    for index, raw in enumerate(rows):
        try:
            parsed.append(parse_row(index, raw))
        except RowError as error:
            result.rejected.append({"index": index, "reason": str(error)})
    with transaction.atomic():
        accepted = _check_against_counters(parsed, user, result)
        if accepted:
            _write(accepted, user, source)
            touched = _update_counters(accepted)
            result.orders_created, result.orders_moved = _evaluate_triggers(touched)
    result.accepted = len(accepted)
    result.rejected.sort(key=lambda rejection: rejection["index"])
    return result


def _check_against_counters(rows: list[Row], user: Any, result: BulkResult) -> list[Row]:
    wanted = {row.counter_id for row in rows}
    visible = list(counters_in_sites(Counter.objects.filter(pk__in=wanted), visible_site_ids(user)).values_list("pk"))
    # Two requests recording on the same counter take turns (latest value, monotonic check).
    counters = {
        c.pk: c for c in Counter.objects.filter(pk__in=[pk for (pk,) in visible]).order_by("pk").select_for_update()
    }
    by_counter: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        if row.counter_id in counters:
            by_counter[row.counter_id].append(row)
        else:
            result.rejected.append({"index": row.index, "reason": _("counter: no such counter.")})
    accepted: list[Row] = []
    backfill: list[Row] = []
    for counter_id, counter_rows in by_counter.items():
        counter = counters[counter_id]
        counter_rows.sort(key=lambda row: (row.taken_at, row.index))
        cumulative = counter.kind == CounterKind.CUMULATIVE
        last_value, last_at = counter.last_value, counter.last_read_at
        previous_at: datetime.datetime | None = None
        for row in counter_rows:
            reason = None
            if row.taken_at == previous_at:
                reason = _("Another row has a reading of this counter at the same time.")
            elif cumulative:
                reason = _cumulative_problem(row, last_value, last_at)
            elif row.is_reset:
                reason = _("is_reset: only cumulative counters are reset.")
            if reason:
                result.rejected.append({"index": row.index, "reason": reason})
                continue
            previous_at = row.taken_at
            if cumulative:
                last_value, last_at = row.value, row.taken_at
            elif last_at is not None and row.taken_at <= last_at:
                backfill.append(row)
                continue
            accepted.append(row)
    accepted += _without_existing(backfill, result)
    return accepted


def _cumulative_problem(row: Row, last_value: Decimal | None, last_at: datetime.datetime | None) -> str | None:
    if row.value < 0:
        return _("value: a cumulative counter cannot be negative.")
    if last_at is not None and row.taken_at <= last_at:
        return _(
            "taken_at: not after the counter's latest reading (%(when)s); send older readings of a cumulative "
            "counter one by one."
        ) % {"when": last_at.isoformat()}
    if last_value is not None and not row.is_reset and row.value < last_value:
        return _(
            "value: %(value)s is below the previous reading %(previous)s; a cumulative counter never goes "
            "backwards (mark the row is_reset if the meter was replaced)."
        ) % {"value": row.value, "previous": last_value}
    return None


def _without_existing(rows: list[Row], result: BulkResult) -> list[Row]:
    """Gauge readings older than the counter's latest: refuse those whose (counter, time) exists."""
    if not rows:
        return []
    existing: set[tuple[int, datetime.datetime]] = set()
    for first in range(0, len(rows), 2000):
        chunk = rows[first : first + 2000]
        existing.update(
            Reading.objects.filter(
                counter_id__in={row.counter_id for row in chunk}, taken_at__in={row.taken_at for row in chunk}
            ).values_list("counter_id", "taken_at")
        )
    kept = []
    for row in rows:
        if (row.counter_id, row.taken_at) in existing:
            result.rejected.append(
                {"index": row.index, "reason": _("This counter already has a reading at that time.")}
            )
        else:
            kept.append(row)
    return kept


# --- Writing -----------------------------------------------------------------------------------
def _write(rows: list[Row], user: Any, source: str) -> None:
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    if connection.vendor == "postgresql":
        _copy(rows, user_id, source, now)
        return
    readings = Reading.objects.bulk_create(
        [
            Reading(
                counter_id=row.counter_id,
                taken_at=row.taken_at,
                value=row.value,
                is_reset=row.is_reset,
                source=source,
                entered_by_id=user_id,
                note="",
            )
            for row in rows
        ],
        batch_size=2000,
    )
    history = Reading.history.model
    history.objects.bulk_create(
        [
            history(
                id=reading.pk,
                counter_id=reading.counter_id,
                taken_at=reading.taken_at,
                value=reading.value,
                is_reset=reading.is_reset,
                source=source,
                entered_by_id=user_id,
                note="",
                created_at=reading.created_at,
                updated_at=reading.updated_at,
                history_date=now,
                history_change_reason="bulk",
                history_type="+",
                history_user_id=user_id,
            )
            for reading in readings
        ],
        batch_size=2000,
    )


def _copy(rows: list[Row], user_id: int | None, source: str, now: datetime.datetime) -> None:
    """COPY the readings and their history rows; ids come from the readings' sequence first."""
    table = Reading._meta.db_table
    history_table = Reading.history.model._meta.db_table
    stamp = now.isoformat()
    user = "\\N" if user_id is None else str(user_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        common = f"\t{source}\t{user}\t\t{stamp}\t{stamp}"
        lines = [
            f"{pk}\t{row.counter_id}\t{row.taken_at.isoformat()}\t{row.value}\t{'t' if row.is_reset else 'f'}{common}"
            for pk, row in zip(ids, rows, strict=True)
        ]
        columns = "id, counter_id, taken_at, value, is_reset, source, entered_by_id, note, created_at, updated_at"
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO("\n".join(lines) + "\n"))
        history_tail = f"\t{stamp}\tbulk\t+\t{user}"
        cursor.copy_expert(
            f"COPY {history_table} ({columns}, history_date, history_change_reason, history_type, history_user_id) "
            "FROM STDIN",
            io.StringIO("\n".join(line + history_tail for line in lines) + "\n"),
        )


def _update_counters(rows: list[Row]) -> list[Counter]:
    """Each counter's latest value and time, where a row is newer than what the counter had."""
    newest: dict[int, Row] = {}
    for row in rows:
        current = newest.get(row.counter_id)
        if current is None or row.taken_at > current.taken_at:
            newest[row.counter_id] = row
    counters = list(Counter.objects.filter(pk__in=newest))
    now = timezone.now()
    changed = []
    for counter in counters:
        row = newest[counter.pk]
        if counter.last_read_at is None or row.taken_at >= counter.last_read_at:
            counter.last_value, counter.last_read_at, counter.updated_at = row.value, row.taken_at, now
            changed.append(counter)
    Counter.objects.bulk_update(changed, ["last_value", "last_read_at", "updated_at"], batch_size=500)
    return counters


def _evaluate_triggers(counters: list[Counter]) -> tuple[int, int]:
    """Usage triggers, once for all the counters: new orders for their entities' plans, and their open
    orders moved on. Returns (orders created, orders moved)."""
    condition = Q()
    for entity_field in ENTITY_FIELDS:
        ids = {getattr(c, f"{entity_field}_id") for c in counters} - {None}
        if ids:
            condition |= Q(**{f"{entity_field}_id__in": ids})
    created = moved = 0
    instance_ids = list(PlanInstance.objects.active().filter(condition).values_list("id", flat=True))
    if instance_ids:
        created = len(scheduler.generate(instance_ids=instance_ids))
    open_ids = list(WorkOrder.objects.open().filter(counter__in=[c.pk for c in counters]).values_list("id", flat=True))
    if open_ids:
        moved = sum(len(ids) for ids in scheduler.advance_schedule(order_ids=open_ids).values())
    return created, moved
