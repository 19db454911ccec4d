"""Errors as JSON, the same way for every endpoint.

- ``ActionForbidden`` (the role may not): 403 ``{"detail": message}``
- ``ActionNotAllowed`` (not possible now: state, missing data): 409 ``{"detail": message}``, or the status
  a subclass names in ``http_status`` (signing locked after failed attempts: 423)
- Django ``ValidationError`` from a service or ``full_clean()``: 400, field errors
  ``{"field": ["message"]}`` (``non_field_errors`` for the rest)
- a unique-constraint race lost at the database (``IntegrityError``): 409
- a number too large for a database integer that reached the database (SQLite's ``OverflowError``,
  PostgreSQL's "out of range"): 400
- ``Http404`` and DRF's own errors: as DRF answers them (404, 400, 401, 403, 405, 415, 429).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import ActionForbidden, ActionNotAllowed

NUMERIC_VALUE_OUT_OF_RANGE = "22003"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This is not possible now.")
    default_code = "conflict"


def validation_detail(error: DjangoValidationError) -> dict[str, Any]:
    """A Django ValidationError as DRF field errors."""
    if hasattr(error, "error_dict"):
        result: dict[str, Any] = {}
        for field, messages in error.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field
            result.setdefault(key, []).extend(messages)
        return result
    return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}


def _out_of_range(error: DataError) -> bool:
    """PostgreSQL's "numeric value out of range" (SQLSTATE 22003)."""
    return getattr(error.__cause__, "pgcode", None) == NUMERIC_VALUE_OUT_OF_RANGE


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ActionForbidden):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, ActionNotAllowed):
        conflict = Conflict(exc.message)
        conflict.status_code = getattr(exc, "http_status", Conflict.status_code)
        exc = conflict
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, OverflowError) or (isinstance(exc, DataError) and _out_of_range(exc)):
        # A number too large for a database integer that no field bounded (the filters, pages and id fields
        # of core.api bound theirs): the input is wrong, not the server.
        set_rollback()
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [_("A number is too large.")]})
    elif isinstance(exc, IntegrityError):
        # Checked rules come back as 400 from full_clean(); this is two requests racing for the same row.
        set_rollback()
        exc = Conflict(_("Someone else changed this at the same moment; try again."))
    return drf_exception_handler(exc, context)
