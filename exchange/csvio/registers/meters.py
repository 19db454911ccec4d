"""The counter and reading registers: a counter is named on its entity (a resource or container by tag,
an area by code, a material by code and lot); a reading is a counter's value at a time.

Readings go through ``assets.services.reading_record`` one by one (it checks a cumulative counter
against the readings before and after, and lets the work-order app move usage-driven orders). A reading
already recorded at the same time with the same value is left alone; with another value it is reported,
not changed: readings are a record, corrected on their own page.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Counter, CounterKind, Reading, ReadingSource
from assets.services import entity_site, reading_record
from core.csv_export import cell_text
from exchange.csvio.columns import Column, ImportContext, Register, Row, register
from exchange.csvio.registers.common import ENTITY_COLUMNS, ENTITY_KEY, Entities, entity_values, local_zone
from exchange.csvio.values import Boolean, Choice, DateTime, Number, Text
from exchange.report import CREATED, UNCHANGED

ENTITY_FIELD = {"Area": "area", "Resource": "resource", "Container": "container", "Material": "material"}


def _entity_field(entity: Any) -> str:
    return ENTITY_FIELD[type(entity).__name__]


def _counters_of(
    rows: list[Row], entities: Entities, ctx: ImportContext, name_field: str
) -> dict[tuple[str, int, str], Counter]:
    """The existing counters the rows name, by (entity field, entity id, counter name)."""
    condition = Q()
    wanted: list[tuple[str, int, str]] = []
    for row in rows:
        entity = entities.quiet(row)
        if entity is not None and row.get(name_field):
            key = (_entity_field(entity), int(entity.pk), row.get(name_field))
            wanted.append(key)
            condition |= Q(**{f"{key[0]}_id": key[1], "name": key[2]})
    if not wanted:
        return {}
    found: dict[tuple[str, int, str], Counter] = {}
    for counter in Counter.objects.filter(condition):
        entity = counter.entity
        assert entity is not None
        found[(_entity_field(entity), int(entity.pk), counter.name)] = counter
    return found


@register
class CounterRegister(Register):
    target = "counters"
    position = 5
    label = gettext_lazy("counters")
    record = "counter"
    columns = (
        *ENTITY_COLUMNS,
        Column("name", gettext_lazy("Counter"), Text(100), required=True, help=gettext_lazy("e.g. Operating hours")),
        Column("kind", gettext_lazy("Kind"), Choice(CounterKind.choices)),
        Column("unit", gettext_lazy("Unit"), Text(20), required=True, help=gettext_lazy("e.g. h, km, m³")),
        Column("description", gettext_lazy("Description"), Text()),
    )
    key = (*ENTITY_KEY, "name")
    key_help = gettext_lazy("the counter's name on its entity")
    import_permissions = ("assets.add_counter", "assets.change_counter")
    export_permission = "assets.view_counter"

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        entities = Entities(rows)
        counters = _counters_of(rows, entities, ctx, "name")
        for row in rows:
            entity = entities.of(ctx, row)
            if entity is None:
                continue
            key = (_entity_field(entity), int(entity.pk), row.get("name"))
            counter = counters.get(key) or Counter(**{key[0]: entity})
            values = row.given("name", "kind", "unit", "description")
            if values.get("kind") is None:
                values.pop("kind", None)
            if ctx.write(row, partial(self._write, ctx, counter, values)):
                counters[key] = counter

    def _write(self, ctx: ImportContext, counter: Counter, values: dict[str, Any]) -> None:
        ctx.saved(self.record, ctx.save(counter, values))

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        counters = Counter.objects.in_sites(site_ids).select_related("area", "resource", "container", "material")
        for counter in counters.order_by(
            "resource__tag", "container__tag", "area__code", "material__code", "name", "pk"
        ):
            yield {
                **entity_values(counter.entity),
                **{name: getattr(counter, name) for name in ("name", "kind", "unit", "description")},
            }


@register
class ReadingRegister(Register):
    target = "readings"
    position = 6
    label = gettext_lazy("readings")
    record = "reading"
    columns = (
        *ENTITY_COLUMNS,
        Column(
            "counter", gettext_lazy("Counter"), Text(100), required=True, help=gettext_lazy("Its name on the entity")
        ),
        Column(
            "taken_at",
            gettext_lazy("Taken at"),
            DateTime(),
            required=True,
            help=gettext_lazy("Local time of the entity's site unless an offset is given (+03:00)"),
        ),
        Column("value", gettext_lazy("Value"), Number(4, 18), required=True),
        Column("is_reset", gettext_lazy("Reset"), Boolean(), help=gettext_lazy("yes when the meter was replaced")),
        Column("note", gettext_lazy("Note"), Text(500)),
    )
    key = (*ENTITY_KEY, "counter", "taken_at")
    key_help = gettext_lazy("the counter and the time of the reading")
    import_permissions = ("assets.add_reading",)
    export_permission = "assets.view_reading"

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        entities = Entities(rows)
        counters = _counters_of(rows, entities, ctx, "counter")
        for row in rows:
            entity = entities.of(ctx, row)
            if entity is None:
                continue
            counter = counters.get((_entity_field(entity), int(entity.pk), row.get("counter")))
            if counter is None:
                ctx.problem(
                    row.number,
                    "counter",
                    _("%(entity)s has no counter “%(name)s”.") % {"entity": entity, "name": row.get("counter")},
                )
                continue
            taken_at: datetime.datetime = row.get("taken_at")
            if timezone.is_naive(taken_at):
                taken_at = timezone.make_aware(taken_at, local_zone(entity_site(entity)))
            self._import_row(ctx, row, counter, taken_at)

    def _import_row(self, ctx: ImportContext, row: Row, counter: Counter, taken_at: datetime.datetime) -> None:
        value: Decimal = row.get("value")
        is_reset = bool(row.get("is_reset"))
        existing = Reading.objects.filter(counter=counter, taken_at=taken_at).first()
        if existing is not None:
            if existing.value == value and existing.is_reset == is_reset:
                ctx.tally(self.record, UNCHANGED)
            else:
                ctx.problem(
                    row.number,
                    "value",
                    _("%(counter)s already has the reading %(value)s at this time; an import does not change it.")
                    % {"counter": counter.name, "value": cell_text(existing.value)},
                )
            return

        def write() -> None:
            reading_record(
                counter=counter,
                value=value,
                user=ctx.user,
                taken_at=taken_at,
                source=ReadingSource.IMPORT,
                is_reset=is_reset,
                note=row.get("note") or "",
            )
            ctx.tally(self.record, CREATED)

        ctx.write(row, write)

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        readings = (
            Reading.objects.filter(counter__in=Counter.objects.in_sites(site_ids))
            .select_related(
                "counter__area__site",
                "counter__resource__area__site",
                "counter__container__area__site",
                "counter__material__area__site",
            )
            .order_by("counter_id", "taken_at")
        )
        for reading in readings.iterator(chunk_size=2000):
            entity = reading.counter.entity
            site = entity_site(entity)
            zone = local_zone(site)
            yield {
                **entity_values(entity),
                "counter": reading.counter.name,
                "taken_at": timezone.localtime(reading.taken_at, zone),
                "value": reading.value,
                "is_reset": reading.is_reset,
                "note": reading.note,
            }
