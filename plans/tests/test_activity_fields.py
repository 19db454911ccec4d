"""An activity's fields are listed once (``plans.models.ACTIVITY_FIELDS``); the editor form, the admin, the
API and the version diff all follow that list, and a field added to the model without it fails here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from plans.api import ActivitySerializer
from plans.forms import ActivityForm
from plans.models import ACTIVITY_FIELDS, Activity
from plans.services import ACTIVITY_DIFF_FIELDS

# Fields of the model that are not content a planner edits: its identity, its version and its clock.
NOT_CONTENT = {"id", "version", "updated_at"}


def flatten(items: Any) -> list[str]:
    names: list[str] = []
    for item in items:
        names.extend(flatten(item) if isinstance(item, list | tuple) else [item])
    return names


def test_every_editable_field_of_the_model_is_listed_once() -> None:
    model_fields = {field.name for field in Activity._meta.concrete_fields} - NOT_CONTENT
    assert len(ACTIVITY_FIELDS) == len(set(ACTIVITY_FIELDS))
    assert set(ACTIVITY_FIELDS) == model_fields


def test_the_editor_form_shows_every_field_in_exactly_one_fieldset() -> None:
    assert list(ActivityForm._meta.fields) == list(ACTIVITY_FIELDS)
    shown = flatten(names for _legend, _css, _help, names in ActivityForm.FIELDSETS)
    assert sorted(shown) == sorted(ACTIVITY_FIELDS)


def test_the_admin_shows_every_field_once_with_the_version() -> None:
    fieldsets = admin.site._registry[Activity].fieldsets
    shown = flatten(options["fields"] for _title, options in fieldsets)
    assert sorted(shown) == sorted(["version", *ACTIVITY_FIELDS])


def test_the_api_and_the_diff_follow_the_list() -> None:
    assert ActivitySerializer.Meta.fields[: len(ACTIVITY_FIELDS) + 1] == ["id", *ACTIVITY_FIELDS]
    assert [name for name in ACTIVITY_FIELDS if name not in ("code", "position")] == ACTIVITY_DIFF_FIELDS
