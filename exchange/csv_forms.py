"""Forms of the column-mapping screen: a sample of the user's file for a register, then a column (or a
fixed value) for each field of that register."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.csvio.binding import header_key
from exchange.csvio.columns import Column, Register, register_of, registers
from exchange.csvio.importer import EXTENSIONS
from exchange.csvio.reader import CsvTable, read_table
from exchange.files import FileRefused, check_text
from exchange.models import ColumnMapping

SAMPLE_ROWS = 3
MAX_HEADERS = 500


def register_choices() -> list[tuple[str, str]]:
    return [(target, str(register.label).capitalize()) for target, register in registers().items()]


def _mapping_label(mapping: ColumnMapping) -> str:
    return f"{str(register_of(mapping.target).label).capitalize()}: {mapping.name}"


class SampleForm(forms.Form):
    """Step 1: which register, and a sample of the file (its header and first rows are read)."""

    target = forms.ChoiceField(label=gettext_lazy("Register"), choices=())
    file = forms.FileField(
        label=gettext_lazy("A CSV file of this register"),
        help_text=gettext_lazy("UTF-8, values separated by ; or , with a header row. Only its first rows are read."),
    )
    start_from = forms.ModelChoiceField(
        label=gettext_lazy("Start from a saved mapping"),
        queryset=ColumnMapping.objects.order_by("target", "name"),
        required=False,
        empty_label=gettext_lazy("No, start afresh"),
    )

    def __init__(self, *args: Any, mapping: ColumnMapping | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mapping = mapping
        self.fields["target"].choices = register_choices()  # type: ignore[attr-defined]
        self.fields["start_from"].label_from_instance = _mapping_label  # type: ignore[attr-defined]
        if mapping is not None:  # editing: its register stays, and it is the start
            del self.fields["start_from"]
            self.initial["target"] = mapping.target
            self.fields["target"].disabled = True
        self.table: CsvTable | None = None

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "sample"
            with path.open("wb") as copy:
                for chunk in upload.chunks():
                    copy.write(chunk)
            try:
                check_text(path, EXTENSIONS, upload.name)
                self.table = read_table(path, max_rows=SAMPLE_ROWS)
            except FileRefused as refusal:
                raise forms.ValidationError(str(refusal)) from None
        if len(self.table.headers) > MAX_HEADERS:
            raise forms.ValidationError(_("The file has more than %(max)s columns.") % {"max": MAX_HEADERS})
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("start_from")
        if start is not None and data.get("target") and start.target != data["target"]:
            self.add_error("start_from", _("That mapping is for another register."))
        return data

    def samples(self) -> list[tuple[str, list[str]]]:
        """Each header of the file with its first values."""
        assert self.table is not None
        return [
            (header, [cells[index] for _number, cells in self.table.rows if index < len(cells) and cells[index]])
            for index, header in enumerate(self.table.headers)
        ]


def auto_columns(register: Register, headers: list[str]) -> dict[str, str]:
    """The column an import without a mapping would read for each field (same header or name)."""
    by_key = {header_key(header): header for header in headers}
    found: dict[str, str] = {}
    for column in register.columns:
        for candidate in (column.header, column.field):
            header = by_key.get(header_key(str(candidate)))
            if header is not None and header not in found.values():
                found[column.field] = header
                break
    return found


class MappingForm(forms.Form):
    """Step 2: for each field of the register, a column of the file or a fixed value, and a name."""

    name = forms.CharField(label=gettext_lazy("Name of the mapping"), max_length=100)
    target = forms.CharField(widget=forms.HiddenInput)
    headers = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, register: Register, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register = register
        self.file_headers = headers
        choices = [("", _("— no column —")), *((header, header) for header in headers)]
        for column in register.columns:
            self.fields[f"column__{column.field}"] = forms.ChoiceField(
                label=_("Column of the file"), choices=choices, required=False
            )
            self.fields[f"fixed__{column.field}"] = forms.CharField(
                label=_("or a fixed value"),
                required=False,
                max_length=200,
                help_text=_("Fills empty cells too. {Column} and {row} are replaced by the row's values."),
            )

    def rows(self) -> list[tuple[Column, Any, Any]]:
        """(register column, its column field, its fixed-value field) for the template."""
        return [
            (column, self[f"column__{column.field}"], self[f"fixed__{column.field}"])
            for column in self.register.columns
        ]

    def mapping(self) -> tuple[dict[str, str], dict[str, str]]:
        """(field -> header, field -> fixed value) as the user chose them."""
        data = self.cleaned_data
        columns = {c.field: data[f"column__{c.field}"] for c in self.register.columns if data.get(f"column__{c.field}")}
        defaults = {c.field: data[f"fixed__{c.field}"] for c in self.register.columns if data.get(f"fixed__{c.field}")}
        return columns, defaults

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the mapping service's refusals on the fields they concern."""
        for key, messages in errors.items():
            target = key if key in self.fields else None
            for message in messages:
                self.add_error(target, message)


def headers_from(value: str) -> list[str]:
    """The file's headers carried from step 1 to step 2 (a JSON list of texts), or ``ValueError``."""
    headers = json.loads(value)
    if not isinstance(headers, list) or not all(isinstance(h, str) and len(h) <= 200 for h in headers):
        raise ValueError("not a list of headers")
    if len(headers) > MAX_HEADERS:
        raise ValueError("too many headers")
    return headers
