"""Serializer helpers shared by the apps' API modules."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from core.api.filters import out_of_range
from core.scoping import visible_site_ids


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """DRF's id field, answering 400 for an id too large for a database integer (drivers refuse to send it)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, bool) and isinstance(data, int | float | str) and out_of_range(str(data)):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


# Fields whose representation is the model's value itself (DRF's to_representation is the identity there).
AS_STORED = (
    serializers.PrimaryKeyRelatedField,
    serializers.ChoiceField,
    serializers.CharField,
    serializers.BooleanField,
    serializers.IntegerField,
)


class FlatRows:
    """Rows of a flat, read-only ``ModelSerializer`` built from ``values_list`` tuples: the same output as
    the serializer (its own ``to_representation`` for dates and decimals), without making model instances
    or walking DRF's fields per row. For hot lists (orders): ``rows(queryset.values_list(*columns))``.

    Every field must be a model field (ids for foreign keys); anything else (method fields, nested
    serializers) is refused when the class is made, not silently dropped.
    """

    def __init__(self, serializer_class: type[serializers.ModelSerializer]) -> None:
        serializer = serializer_class()
        model = serializer.Meta.model
        self.columns: list[str] = []
        self.plan: list[tuple[str, Any]] = []
        self.iso_datetimes: list[bool] = []
        for field in serializer.fields.values():
            if field.write_only:
                continue
            model_field = model._meta.get_field(field.source)
            if not model_field.concrete or model_field.many_to_many:
                raise TypeError(f"{serializer_class.__name__}.{field.field_name} is not a column")
            self.columns.append(model_field.attname)
            as_stored = isinstance(field, AS_STORED) and not isinstance(field, serializers.MultipleChoiceField)
            self.plan.append((field.field_name, None if as_stored else field.to_representation))
            self.iso_datetimes.append(_is_plain_iso_datetime(field))

    def rows(self, values: Any) -> list[dict[str, Any]]:
        plan = self.plan
        if any(self.iso_datetimes):
            # DRF's DateTimeField looks the current time zone up for every value: once a page is enough.
            zone = timezone.get_current_timezone()
            iso_datetime = _iso_utc_datetime if _is_utc(zone) else _iso_datetime
            plan = [
                (name, functools.partial(iso_datetime, zone, convert) if iso else convert)
                for (name, convert), iso in zip(plan, self.iso_datetimes, strict=True)
            ]
        return [
            {
                name: value if convert is None or value is None else convert(value)
                for (name, convert), value in zip(plan, row, strict=True)
            }
            for row in values
        ]


def _is_plain_iso_datetime(field: serializers.Field) -> bool:
    """A DateTimeField answering ISO 8601 in the current time zone (no format or time zone of its own)."""
    return (
        isinstance(field, serializers.DateTimeField)
        and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
        and not hasattr(field, "timezone")
        and settings.USE_TZ
    )


def _iso_datetime(zone: Any, fallback: Any, value: datetime.datetime) -> str:
    """What DRF's ``DateTimeField.to_representation`` answers for an aware value: ISO 8601 in ``zone``,
    ``Z`` for UTC."""
    if value.tzinfo is None:
        return str(fallback(value))
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _is_utc(zone: Any) -> bool:
    return zone is datetime.UTC or getattr(zone, "key", None) in ("UTC", "Etc/UTC")


def _iso_utc_datetime(zone: Any, fallback: Any, value: datetime.datetime) -> str:
    """``_iso_datetime`` in UTC: values the database gave in UTC need no conversion."""
    if value.tzinfo is datetime.UTC:
        return value.isoformat()[:-6] + "Z"
    return _iso_datetime(zone, fallback, value)


class CleanModelSerializer(serializers.ModelSerializer):
    """Saves through the model's ``full_clean()``: single-row rules (``clean()``, constraints) answer 400."""

    serializer_related_field = PrimaryKeyRelatedField

    def create(self, validated_data: dict[str, Any]) -> Any:
        instance = self.Meta.model(**validated_data)
        return self._save(instance)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._save(instance)

    @transaction.atomic
    def _save(self, instance: models.Model) -> Any:
        instance.full_clean()
        user = self.context["request"].user
        instance._history_user = user  # type: ignore[attr-defined]  # read by simple-history
        instance.save()
        return instance


class ScopedPrimaryKeyRelatedField(PrimaryKeyRelatedField):
    """A foreign key limited to rows in the user's sites: ``scope(queryset, site_ids)`` narrows it."""

    def __init__(self, *, scope: Any, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        request = self.context.get("request")
        return self.scope(queryset, visible_site_ids(getattr(request, "user", None)))
