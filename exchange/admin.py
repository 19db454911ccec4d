from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

from core.errors import ActionForbidden
from exchange.feeds import calendar_feed_revoke
from exchange.models import CalendarFeed


class RevokedFilter(admin.SimpleListFilter):
    title = gettext_lazy("revoked")
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", gettext_lazy("Live")), ("yes", gettext_lazy("Revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> QuerySet[CalendarFeed]:
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Every person's calendar feeds, to see which are read and to revoke one (a leaked address, a person
    who left). Feeds are made by their owners on the "Calendar feeds" screen, where the address is shown
    once; neither the token nor its hash is shown here."""

    list_display = ("user", "kind", "site", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind", RevokedFilter)
    list_select_related = ("user", "site")
    search_fields = ("user__username", "user__first_name", "user__last_name", "site__name")
    fields = ("user", "kind", "site", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected calendar feeds"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        revoked = 0
        for feed in queryset.filter(revoked_at__isnull=True):
            try:
                calendar_feed_revoke(feed=feed, user=request.user)
            except ActionForbidden as error:
                self.message_user(request, f"{feed}: {error.message}", level=messages.ERROR)
            else:
                revoked += 1
        message = ngettext("%(count)s calendar feed revoked.", "%(count)s calendar feeds revoked.", revoked)
        self.message_user(request, message % {"count": revoked})
