"""The admin of every model with history: its past versions can be read, never written back.

simple-history's admin lets a user open a past version and save it ("revert"); with
``SIMPLE_HISTORY_REVERT_DISABLED`` it only hides the button, and a crafted POST to the past version's
page still saves it over the record. An audit trail that the admin can rewrite proves nothing, so
here the past-version page answers 403 to any POST, and the history itself has no add, change or
delete (historical models are not registered in the admin at all; ``mms/tests/test_admin.py`` and
``core/tests/test_audit.py`` check that every model with history uses this class).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """``SimpleHistoryAdmin`` whose history pages are read-only: no revert, no edit of a past version."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        response: HttpResponse = super().history_form_view(request, object_id, version_id, extra_context)
        return response

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_change_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
