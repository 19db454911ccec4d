"""The import and export forms: one for every registered format, offering the options each one takes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assets.models import Area
from core.scoping import visible_site_ids
from exchange import registry
from exchange.files import max_bytes
from exchange.models import ColumnMapping, ImportMode


def _sites(user: Any) -> Any:
    return Area.objects.sites().in_sites(visible_site_ids(user)).order_by("name")


def _targets() -> list[tuple[str, str]]:
    """The registers of the formats that import or export one register at a time (CSV)."""
    choices: dict[str, str] = {}
    for item in [*registry.importers().values(), *registry.exporters().values()]:
        for key, label in getattr(item, "target_choices", list)():
            choices.setdefault(key, str(label))
    return list(choices.items())


class ImportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"))
    file = forms.FileField(label=_("File"))
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Area.objects.none(),
        required=False,
        help_text=_("Where the file's buildings or records go (COBie, IFC, GeoJSON); empty: as the file says."),
    )
    target = forms.ChoiceField(label=_("Register"), required=False, help_text=_("What a CSV file holds."))
    mapping = forms.ModelChoiceField(
        label=_("Column mapping"),
        queryset=ColumnMapping.objects.none(),
        required=False,
        help_text=_("A saved mapping of the file's columns (CSV)."),
    )
    mode = forms.ChoiceField(label=_("Run"), choices=ImportMode.choices, initial=ImportMode.DRY_RUN)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        importers = registry.importers()
        self.fields["format"].choices = [  # type: ignore[attr-defined]
            (key, str(item.label))
            for key, item in sorted(importers.items())
            if not item.permission or user.has_perm(item.permission)
        ]
        self.fields["site"].queryset = _sites(user)  # type: ignore[attr-defined]
        self.fields["target"].choices = [("", "—"), *_targets()]  # type: ignore[attr-defined]
        self.fields["mapping"].queryset = ColumnMapping.objects.order_by("target", "name")  # type: ignore[attr-defined]
        self.fields["mapping"].label_from_instance = lambda mapping: f"{mapping.target}: {mapping.name}"  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is %(size).1f MB; the limit for an import is %(limit).1f MB.")
                % {"size": upload.size / 1_048_576, "limit": max_bytes() / 1_048_576}
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        format = data.get("format")
        if not format:
            return data
        wanted = registry.importer(format).options
        if "target" in wanted and not data.get("target"):
            self.add_error("target", _("Choose the register this file holds."))
        mapping = data.get("mapping")
        if mapping and data.get("target") and mapping.target != data["target"]:
            self.add_error("mapping", _("This mapping is for another register."))
        return data

    def options(self) -> dict[str, Any]:
        """The options the chosen format takes, as plain values (kept as JSON on the run)."""
        data = self.cleaned_data
        wanted = registry.importer(data["format"]).options
        options: dict[str, Any] = {}
        if "site" in wanted and data.get("site"):
            options["site"] = data["site"].pk
        if "target" in wanted and data.get("target"):
            options["target"] = data["target"]
        if "mapping" in wanted and data.get("mapping"):
            options["mapping"] = data["mapping"].pk
        return options


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"))
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Area.objects.none(), required=False, empty_label=_("Every site I see")
    )
    target = forms.ChoiceField(label=_("Register"), required=False, help_text=_("For CSV."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        exporters = registry.exporters()
        self.fields["format"].choices = [  # type: ignore[attr-defined]
            (key, str(item.label))
            for key, item in sorted(exporters.items())
            if not item.permission or user.has_perm(item.permission)
        ]
        self.fields["site"].queryset = _sites(user)  # type: ignore[attr-defined]
        self.fields["target"].choices = [("", "—"), *_targets()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        format = data.get("format")
        if not format:
            return data
        wanted = registry.exporter(format).options
        if "target" in wanted and not data.get("target"):
            self.add_error("target", _("Choose the register to export."))
        if "site_required" in wanted and not data.get("site"):
            self.add_error("site", _("Choose a site."))
        return data

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        wanted = registry.exporter(data["format"]).options
        options: dict[str, Any] = {}
        if data.get("site") and ("site" in wanted or "site_required" in wanted):
            options["site"] = data["site"].pk
        if "target" in wanted and data.get("target"):
            options["target"] = data["target"]
        return options
