"""Index kinds the models declare beyond Django's own."""

from __future__ import annotations

from typing import Any

from django.db import models


class RangeIndex(models.Index):
    """A BRIN index on PostgreSQL (a B-tree on other databases) for a column that grows with the table.

    BRIN keeps the lowest and highest value of each range of pages, so adding a row costs almost
    nothing, where a B-tree adds an entry for every row. That suits append-mostly tables such as sensor
    readings: their ``updated_at`` rises with the table, and a bulk load sets one ``entered_by``. A lookup
    reads the page ranges that may hold the value, and ``autosummarize`` summarises each range once it
    is full. Ranges not yet summarised are always read, so results stay exact.
    """

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        statement = super().create_sql(model, schema_editor, using=" USING brin", **kwargs)
        parts: dict[str, Any] = statement.parts
        parts["extra"] = f" WITH (autosummarize = on){parts['extra']}"
        return statement
