"""The demo loader's shared state and row helpers; each part of the demo is a subclass in its own module."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models

from assets.models import Area, Container, Counter, Reading, ReadingSource, Resource, ResourceType
from mms.demo.constants import (
    DEMO_MANUAL_READING_TIME,
    DEMO_MANUAL_READING_WEEKS,
    DEMO_SENSOR_READING_DAYS,
    DEMO_TIME_ZONE,
    DEMO_TODAY,
)
from mms.demo.upsert import M, Outcome, set_m2m, upsert
from people.models import Certification


def _at(day: datetime.date, time: datetime.time = datetime.time(0, 0)) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(DEMO_TIME_ZONE))


def _wobble(step: int) -> Decimal:
    """A deterministic factor between 0.9 and 1.1, so weekly usage does not look machine-made."""
    return Decimal(1) + Decimal((step * 37) % 11 - 5) / 50


class LoaderBase:
    """What every part of the demo loader shares: the rows loaded so far, by natural key, the tally of
    outcomes, and helpers that upsert a row and count it."""

    def __init__(self) -> None:
        self.tally: Tally[str] = Tally()
        self.areas: dict[str, Area] = {}
        self.resource_types: dict[str, ResourceType] = {}
        self.resources: dict[str, Resource] = {}
        self.containers: dict[str, Container] = {}
        self.users: dict[str, User] = {}
        self.certifications: dict[str, Certification] = {}

    def put(
        self,
        model: type[M],
        lookup: dict[str, Any],
        values: dict[str, Any] | None = None,
        *,
        on_create: Callable[[M], None] | None = None,
    ) -> tuple[M, Outcome]:
        """Upsert a row (see ``upsert()``) and count its outcome."""
        obj, outcome = upsert(model, lookup, values, on_create=on_create)
        self.tally[outcome] += 1
        return obj, outcome

    def link(self, obj: models.Model, outcome: Outcome, name: str, targets: Iterable[models.Model]) -> None:
        """Set a many-to-many field; a row left unchanged but relinked counts as updated."""
        if set_m2m(obj, name, targets) and outcome is Outcome.UNCHANGED:
            self.tally[Outcome.UNCHANGED] -= 1
            self.tally[Outcome.UPDATED] += 1

    def area(self, code: str, kind: str, name: str, parent: str | None = None, **values: Any) -> Area:
        """Upsert an area under ``parent`` (a code loaded before it) and remember it by code."""
        area, _outcome = self.put(
            Area,
            {"code": code},
            {"kind": kind, "name": name, "parent": self.areas[parent] if parent else None, **values},
        )
        self.areas[code] = area
        return area

    def resource(self, tag: str, name: str, area: str, **values: Any) -> Resource:
        """Upsert a resource in ``area`` (a code) and remember it by tag."""
        resource, _outcome = self.put(Resource, {"tag": tag}, {"name": name, "area": self.areas[area], **values})
        self.resources[tag] = resource
        return resource

    def container(self, tag: str, name: str, area: str, **values: Any) -> Container:
        """Upsert a container in ``area`` (a code) and remember it by tag."""
        container, _outcome = self.put(Container, {"tag": tag}, {"name": name, "area": self.areas[area], **values})
        self.containers[tag] = container
        return container

    def counter(self, entity: Resource | Container, name: str, kind: str, unit: str, description: str = "") -> Counter:
        """Upsert a counter of a resource or container, found by its name."""
        field = "resource" if isinstance(entity, Resource) else "container"
        counter, _outcome = self.put(
            Counter, {field: entity, "name": name}, {"kind": kind, "unit": unit, "description": description}
        )
        return counter

    def readings(
        self,
        counter: Counter,
        values: Sequence[Decimal],
        times: Sequence[datetime.datetime],
        *,
        source: str = ReadingSource.MANUAL,
        entered_by: User | None = None,
    ) -> None:
        """Upsert one reading of ``counter`` per time, found by when it was taken."""
        # Oldest first, so each reading is validated against the one before it.
        for taken_at, value in zip(times, values, strict=True):
            self.put(
                Reading,
                {"counter": counter, "taken_at": taken_at},
                {"value": value, "source": source, "entered_by": entered_by, "note": ""},
            )

    @staticmethod
    def weekly_times() -> list[datetime.datetime]:
        """The manual rounds' times: one a week before ``DEMO_TODAY``, oldest first."""
        return [
            _at(DEMO_TODAY - datetime.timedelta(weeks=week), DEMO_MANUAL_READING_TIME)
            for week in range(DEMO_MANUAL_READING_WEEKS, 0, -1)
        ]

    @staticmethod
    def daily_times() -> list[datetime.datetime]:
        """The sensor totals' times: local midnight of each day before ``DEMO_TODAY``, oldest first."""
        return [_at(DEMO_TODAY - datetime.timedelta(days=day)) for day in range(DEMO_SENSOR_READING_DAYS, 0, -1)]

    @staticmethod
    def cumulative(
        start: str, per_step: str, steps: int, *, resolution: str = "0.1", stop_after: int | None = None
    ) -> list[Decimal]:
        """A growing meter: ``start`` then about ``per_step`` more each step (nothing after ``stop_after``)."""
        value, result = Decimal(start), []
        for step in range(steps):
            if step and (stop_after is None or step < stop_after):
                value += (Decimal(per_step) * _wobble(step)).quantize(Decimal(resolution))
            result.append(value)
        return result

    def entity(self, kind: str, key: str) -> Area | Resource | Container:
        """An area, resource or container loaded earlier, by kind ("area", "resource", "container") and key."""
        if kind == "area":
            return self.areas[key]
        return self.resources[key] if kind == "resource" else self.containers[key]
