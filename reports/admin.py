"""Admin of the monthly report subscriptions (the schedule itself is the django-celery-beat entry
"Reports: monthly maintenance report e-mails"). Saving goes through ``subscription_save``, as the screen's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.history_admin import ReadOnlyHistoryAdmin
from core.scoping import visible_site_ids
from reports.models import ReportSubscription
from reports.subscriptions import subscription_save


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("site", "recipients", "active", "last_sent_for", "created_by", "created_at")
    list_filter = ("active", "site")
    list_select_related = ("site", "created_by")
    search_fields = ("site__name", "site__code", "recipients")
    autocomplete_fields = ("site",)
    readonly_fields = ("created_by", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        site_ids = visible_site_ids(request.user)
        return queryset if site_ids is None else queryset.filter(site_id__in=list(site_ids))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        subscription_save(subscription=obj, user=request.user)
