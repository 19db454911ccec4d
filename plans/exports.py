"""The columns of the plan screens' "Export CSV" (``core.csv_export``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from assets.models import ENTITY_FIELDS
from core.csv_export import CsvColumn

PLAN_COLUMNS = [
    CsvColumn(_("Code"), "code"),
    CsvColumn(_("Name"), "name"),
    CsvColumn(_("Effective version"), lambda plan: plan.effective_version.number if plan.effective_version else ""),
    CsvColumn(_("Draft version"), "draft_number"),
    CsvColumn(_("Active instances"), "active_instance_count"),
    CsvColumn(_("Active"), "active"),
]

CHANGE_SET_COLUMNS = [
    CsvColumn(_("Number"), "pk"),
    CsvColumn(_("Name"), "name"),
    CsvColumn(_("State"), "get_state_display"),
    CsvColumn(_("Plan versions"), lambda change_set: ", ".join(str(version) for version in change_set.versions.all())),
    CsvColumn(
        _("Created by"), lambda change_set: change_set.created_by.get_username() if change_set.created_by else ""
    ),
    CsvColumn(_("Created at"), "created_at"),
    CsvColumn(_("Submitted at"), "submitted_at"),
    CsvColumn(
        _("Decided by"), lambda change_set: change_set.decided_by.get_username() if change_set.decided_by else ""
    ),
    CsvColumn(_("Decided at"), "decided_at"),
    CsvColumn(_("Reason / comment"), "decision_note"),
]


def _entity_kind(instance: object) -> str:
    return next((name for name in ENTITY_FIELDS if getattr(instance, f"{name}_id")), "")


INSTANCE_COLUMNS = [
    CsvColumn(_("Plan"), "plan.code"),
    CsvColumn(_("Entity kind"), _entity_kind),
    CsvColumn(_("Entity"), "entity"),
    CsvColumn(_("Owner role"), "owner_role.name"),
    CsvColumn(_("Start date"), "start_date"),
    CsvColumn(_("Active"), "active"),
    CsvColumn(_("Applied at"), "created_at"),
    CsvColumn(_("Applied by"), lambda instance: instance.created_by.get_username() if instance.created_by else ""),
]
