"""History (django-simple-history) bases: for models with protected FSM fields, and for history written in bulk."""

from __future__ import annotations

from typing import Any

from django.db import models
from django_fsm import FSMModelMixin
from simple_history.models import HistoricalRecords

from core.indexes import RangeIndex


class FSMHistoryBase(FSMModelMixin, models.Model):
    """Base of history models that copy protected FSM fields (their refresh_from_db needs the mixin)."""

    class Meta:
        abstract = True


class BulkWrittenHistory(HistoricalRecords):
    """``HistoricalRecords`` whose date and author columns get RangeIndexes (BRIN on PostgreSQL) instead of
    B-trees.

    History rows are only ever appended, so ``history_date`` rises with the table, and the rows one
    statement writes share one author (the scheduler's have none). A B-tree entry per row for each of the
    two would cost a large tick about a tenth of its time, and when parts of a tick are written at once
    they would all add to the same last page of each B-tree. Rows of one record are still found through the
    B-tree on the record's id; a user's deletion (which clears ``history_user``) reads only the ranges that
    may hold that user.
    """

    def get_extra_fields(self, model: Any, fields: Any) -> dict[str, Any]:
        extra: dict[str, Any] = super().get_extra_fields(model, fields)
        extra["history_date"] = models.DateTimeField(db_index=False)
        return extra

    def _get_history_user_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super()._get_history_user_fields()
        user = fields.get("history_user")
        if isinstance(user, models.ForeignKey):
            user.db_index = False  # type: ignore[attr-defined]  # a plain attribute, set by __init__
        return fields

    def get_meta_options(self, model: Any) -> dict[str, Any]:
        meta: dict[str, Any] = super().get_meta_options(model)
        prefix = model._meta.model_name[:16]
        meta["indexes"] = (
            *meta.get("indexes", ()),
            RangeIndex(fields=["history_date"], name=f"{prefix}_hist_date"),
            RangeIndex(fields=["history_user"], name=f"{prefix}_hist_user"),
        )
        return meta
