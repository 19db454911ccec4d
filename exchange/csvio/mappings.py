"""Column mappings: saved under a name per register, offered again at the next import of that register.
The mapping screen, the import screen and the API call these services and nothing else."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.errors import ActionForbidden
from exchange.csvio.binding import MappingSpec, pattern_names
from exchange.csvio.columns import Register, register_of
from exchange.csvio.values import CellError
from exchange.models import ColumnMapping

MAX_HEADER = 200


def mappings_for(target: str) -> QuerySet[ColumnMapping]:
    """The saved mappings of a register, by name (what the import screen offers)."""
    return ColumnMapping.objects.filter(target=target).order_by("name")


def spec_of(mapping: ColumnMapping | None, columns: dict[str, str], defaults: dict[str, str]) -> MappingSpec:
    """What an import reads through: a saved mapping, overlaid by inline columns and fixed values."""
    merged_columns = {**(mapping.columns if mapping else {}), **columns}
    merged_defaults = {**(mapping.defaults if mapping else {}), **defaults}
    return MappingSpec(columns=merged_columns, defaults=merged_defaults, explicit=bool(mapping or columns))


def check_fields(register: Register, values: Any, what: str) -> dict[str, str]:
    """``values`` as field -> text, every field one of the register's (``ValidationError`` naming
    the ones it is not)."""
    if values in (None, ""):
        return {}
    if not isinstance(values, dict):
        raise ValidationError({what: _("Give field -> value pairs (a JSON object).")})
    unknown = sorted(str(name) for name in values if name not in register.fields)
    if unknown:
        raise ValidationError(
            {
                what: _("%(register)s has no field %(fields)s; its fields are: %(known)s.")
                % {"register": register.label, "fields": ", ".join(unknown), "known": ", ".join(register.fields)}
            }
        )
    cleaned = {}
    for name, value in values.items():
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_HEADER:
            raise ValidationError(
                {what: _("%(field)s: at most %(max)s characters.") % {"field": name, "max": MAX_HEADER}}
            )
        if text:
            cleaned[str(name)] = text
    return cleaned


def clean_mapping(*, target: str, name: str, columns: Any, defaults: Any) -> tuple[str, dict[str, str], dict[str, str]]:
    """The name, columns and fixed values of a mapping made valid, or ``ValidationError``: under
    ``name``, ``columns``, ``defaults``, and ``column__<field>`` / ``fixed__<field>`` for one field."""
    try:
        register = register_of(target)
    except ValueError as error:
        raise ValidationError({"target": str(error)}) from None
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors.setdefault("name", []).append(_("Give the mapping a name."))
    elif len(name) > 100:
        errors.setdefault("name", []).append(_("At most 100 characters."))
    cleaned_columns = check_fields(register, columns, "columns")
    cleaned_defaults = check_fields(register, defaults, "defaults")
    for field_name, value in cleaned_defaults.items():
        column = register.column(field_name)
        assert column is not None
        if not pattern_names(value):  # a pattern is checked against the file at import
            try:
                column.value.parse(value)
            except CellError as error:
                errors.setdefault(f"fixed__{field_name}", []).append(error.message)
    for column in register.columns:
        if column.required and column.field not in cleaned_columns and column.field not in cleaned_defaults:
            errors.setdefault(f"column__{column.field}", []).append(
                _("%(header)s is required: choose a column or give a fixed value.") % {"header": column.header}
            )
    if not cleaned_columns and not errors:
        errors.setdefault("columns", []).append(_("Choose at least one column of the file."))
    if errors:
        raise ValidationError(errors)
    return name, cleaned_columns, cleaned_defaults


def _require(user: Any, action: str) -> None:
    if not user.has_perm(f"exchange.{action}_columnmapping"):
        raise ActionForbidden(_("Your role may not manage column mappings."))


def _check_unique(target: str, name: str, exclude: int | None = None) -> None:
    taken = ColumnMapping.objects.filter(target=target, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": _("This register already has a mapping called “%(name)s”.") % {"name": name}})


@transaction.atomic
def column_mapping_create(*, user: Any, target: str, name: str, columns: Any, defaults: Any = None) -> ColumnMapping:
    """Save how a file's columns map onto a register's fields, under a name."""
    _require(user, "add")
    name, columns, defaults = clean_mapping(target=target, name=name, columns=columns, defaults=defaults)
    _check_unique(target, name)
    mapping = ColumnMapping(
        target=target,
        name=name,
        columns=columns,
        defaults=defaults,
        created_by=user if getattr(user, "pk", None) else None,
    )
    mapping._history_user = mapping.created_by  # type: ignore[attr-defined]
    mapping.full_clean()
    mapping.save()
    return mapping


@transaction.atomic
def column_mapping_update(
    *, mapping: ColumnMapping, user: Any, name: str, columns: Any, defaults: Any = None
) -> ColumnMapping:
    """Change a saved mapping's name, columns or fixed values (its register stays)."""
    _require(user, "change")
    mapping = ColumnMapping.objects.select_for_update().get(pk=mapping.pk)
    name, columns, defaults = clean_mapping(target=mapping.target, name=name, columns=columns, defaults=defaults)
    _check_unique(mapping.target, name, exclude=mapping.pk)
    mapping.name, mapping.columns, mapping.defaults = name, columns, defaults
    mapping._history_user = user if getattr(user, "pk", None) else None  # type: ignore[attr-defined]
    mapping.full_clean()
    mapping.save()
    return mapping


@transaction.atomic
def column_mapping_delete(*, mapping: ColumnMapping, user: Any) -> None:
    """Forget a saved mapping (imports already run keep their report)."""
    _require(user, "delete")
    mapping._history_user = user if getattr(user, "pk", None) else None  # type: ignore[attr-defined]
    mapping.delete()
