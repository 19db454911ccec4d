"""The audit trail service (``core.audit``): field-level diffs of history rows, display values, query
counts that do not grow with the rows, the search across every tracked model, and read-only history
in the admin."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Criticality, Resource
from core.audit import (
    AuditFilter,
    audit_entries,
    audit_rows,
    diff_rows,
    history_page,
    model_by_label,
    record_history,
    tracked_models,
)
from core.history_admin import ReadOnlyHistoryAdmin
from core.testing import UserFactory

pytestmark = pytest.mark.django_db


def changed(resource: Resource, user: User | None, reason: str | None = None, **values: Any) -> None:
    """Save ``resource`` with ``values``, naming who and why (as the services do)."""
    for name, value in values.items():
        setattr(resource, name, value)
    resource._history_user = user  # type: ignore[attr-defined]
    resource._change_reason = reason  # type: ignore[attr-defined]
    resource.save()


def page_of(resource: Resource, **query: str) -> list[Any]:
    request = RequestFactory().get("/", query)
    return history_page(request, resource)[1]


def test_a_hand_made_change_sequence_reads_field_by_field_newest_first() -> None:
    site = SiteFactory(name="North works")
    plant, store = AreaFactory(parent=site, name="Plant"), AreaFactory(parent=site, name="Store")
    alice = UserFactory(username="alice", first_name="Alice", last_name="Auditor")
    pump = ResourceFactory(tag="P-1", name="Pump", area=plant, manufacturer="Grundfos")
    changed(pump, alice, "nameplate read", manufacturer="KSB", name="Raw water pump")
    changed(pump, alice, "moved", area=store, criticality=Criticality.HIGH)
    changed(pump, None)  # saved, nothing changed

    entries = page_of(pump)

    assert [entry.kind for entry in entries] == ["~", "~", "~", "+"]
    unchanged, moved, renamed, created = entries
    assert unchanged.changes == []
    assert unchanged.user is None
    # A foreign key reads as the related record's name, a choice as its label.
    assert {(c.name, c.old, c.new) for c in moved.changes} == {
        ("area", str(plant), str(store)),
        ("criticality", str(Criticality(pump.history.earliest().criticality).label), str(Criticality.HIGH.label)),
    }
    assert moved.reason == "moved"
    assert moved.user == alice
    assert {(c.name, c.old, c.new) for c in renamed.changes} == {
        ("manufacturer", "Grundfos", "KSB"),
        ("name", "Pump", "Raw water pump"),
    }
    assert renamed.changes_text() == "Name: Pump → Raw water pump; Manufacturer: Grundfos → KSB"
    # The creation lists what the record was made with; the always-moving updated_at is left out.
    made_with = {c.name: c.new for c in created.changes}
    assert made_with["tag"] == "P-1"
    assert made_with["area"] == str(plant)
    assert made_with["purchase_date"] == "2020-01-10"
    assert "updated_at" not in made_with
    assert all(c.old == "" for c in created.changes)
    assert moved.date > renamed.date > created.date


def test_pages_pair_their_oldest_row_with_the_row_on_the_next_page() -> None:
    pump = ResourceFactory(name="v0")
    for n in range(1, 25):
        changed(pump, None, name=f"v{n}")
    first, second = page_of(pump), page_of(pump, history_page="2")
    assert len(first) == 20
    assert [c.new for c in first[0].changes] == ["v24"]
    # The last row of page 1 is diffed against the first of page 2, not shown as a creation.
    assert [(c.old, c.new) for c in first[-1].changes] == [("v4", "v5")]
    assert [(c.old, c.new) for c in second[0].changes] == [("v3", "v4")]
    assert second[-1].kind == "+"


def test_rows_saved_in_the_same_instant_are_ordered_by_their_id() -> None:
    pump = ResourceFactory(name="a")
    changed(pump, None, name="b")
    changed(pump, None, name="c")
    at = timezone.now()
    Resource.history.filter(id=pump.pk).update(history_date=at)
    entries = page_of(pump)
    assert [[(c.old, c.new) for c in e.changes if c.name == "name"] for e in entries] == [
        [("b", "c")],
        [("a", "b")],
        [("", "a")],
    ]


def test_the_queries_do_not_grow_with_the_history(django_assert_num_queries: Any) -> None:
    site = SiteFactory()
    areas = [AreaFactory(parent=site, name=f"Room {n}") for n in range(6)]
    pump = ResourceFactory(area=areas[0])
    changed(pump, UserFactory(), area=areas[1])
    # Count, page (with each row's author and previous row's id), previous rows, the areas' names.
    with django_assert_num_queries(4):
        few = page_of(pump)
    for n in range(2, 6):
        changed(pump, UserFactory(), area=areas[n], name=f"Renamed {n}")
    with django_assert_num_queries(4):
        many = page_of(pump)
    assert len(many) == len(few) + 4
    assert [c.new for c in many[0].changes if c.name == "area"] == [str(areas[5])]


def test_a_deleted_record_shows_its_deletion_and_a_gone_related_record_its_id() -> None:
    site = SiteFactory()
    gone = AreaFactory(parent=site, name="Demolished")
    pump = ResourceFactory(area=gone)
    pk, gone_pk = pump.pk, gone.pk
    changed(pump, None, area=AreaFactory(parent=site, name="New hall"))
    pump.delete()
    rows = list(record_history(Resource(pk=pk)))
    Resource.objects.filter(area=gone).delete()
    gone.delete()
    entries = diff_rows(Resource, rows)
    assert [e.kind for e in entries] == ["-", "~", "+"]
    assert entries[0].changes == []
    assert [c.old for c in entries[1].changes if c.name == "area"] == [f"#{gone_pk}"]


def test_the_registry_lists_every_tracked_model_and_only_those() -> None:
    labels = {model._meta.label_lower for model in tracked_models()}
    assert {"orders.workorder", "plans.planversion", "assets.resource", "inventory.part", "people.employee"} <= labels
    assert not any(label.split(".")[1].startswith("historical") for label in labels)
    assert model_by_label("assets.resource") is Resource
    assert model_by_label("assets.historicalresource") is None
    assert model_by_label("auth.user") is None
    assert model_by_label("nonsense") is None


def test_the_search_across_models_filters_by_user_model_date_and_record(django_assert_max_num_queries: Any) -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    site = SiteFactory()
    site.name = "Renamed site"
    site._history_user = alice  # type: ignore[attr-defined]
    site.save()
    pump = ResourceFactory(area=site)
    changed(pump, alice, "fix", name="By Alice")
    changed(pump, bob, name="By Bob")

    by_alice = list(audit_rows(AuditFilter(user_id=alice.pk)))
    assert [(row["audit_model"], row["audit_record_id"]) for row in by_alice] == [
        ("assets.resource", pump.pk),
        ("assets.area", site.pk),
    ]
    with django_assert_max_num_queries(2 * 2 + 1):  # per model: rows, previous rows; the areas' names
        entries = audit_entries(by_alice)
    assert [(e.model, e.reason) for e in entries] == [(Resource, "fix"), (type(site), "")]
    assert [(c.old, c.new) for c in entries[0].changes if c.name == "name"] == [
        (pump.history.earliest().name, "By Alice")
    ]

    just_pump = audit_rows(AuditFilter(model=Resource, object_id=pump.pk))
    assert [row["history_type"] for row in just_pump] == ["~", "~", "+"]
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert not audit_rows(AuditFilter(date_from=tomorrow)).exists()
    assert audit_rows(AuditFilter(date_to=tomorrow, user_id=bob.pk)).count() == 1


def test_every_model_with_history_has_a_read_only_history_admin() -> None:
    for model in tracked_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            assert isinstance(model_admin, ReadOnlyHistoryAdmin), model
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    resource_admin = admin.site._registry[Resource]
    assert resource_admin.revert_disabled(request) is True
    assert resource_admin.has_change_history_permission(request) is False
    assert not any(model.__name__.startswith("Historical") for model in admin.site._registry)


def test_names_that_read_a_relation_cost_no_query_per_row(django_assert_max_num_queries: Any) -> None:
    """A work order's creation names its plan instance ("<plan code> @ <resource>"), activity, site...:
    the audit of many orders reads each related model once, joined one level."""
    from orders.factories import planned_order
    from orders.models import WorkOrder

    pump = ResourceFactory()

    def audited() -> tuple[int, list[Any]]:
        rows = list(audit_rows(AuditFilter(model=WorkOrder)))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            entries = audit_entries(rows)
        return len(queries), entries

    planned_order(pump)
    few, _entries = audited()
    for _n in range(4):
        planned_order(pump)
    many, entries = audited()
    assert many == few
    instance = next(c.new for c in entries[0].changes if c.name == "plan_instance")
    assert instance.endswith(f"@ {pump}")
