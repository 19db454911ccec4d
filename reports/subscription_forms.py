"""Forms of the monthly report screens: which report to download, and a subscription to keep."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assets.models import Area
from reports.kpis.common import Period
from reports.models import ReportSubscription
from reports.subscriptions import MonthError, parse_month


def visible_sites(site_ids: list[int] | None) -> Any:
    # With its own site row: a site's time zone is read through it (``Area.local_time_zone``).
    return Area.objects.sites().in_sites(site_ids).select_related("site").order_by("name")


class MonthlyReportForm(forms.Form):
    """A site the user sees and a month (``YYYY-MM``; empty: the last complete month)."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=Area.objects.none())
    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text=_("Empty: the last month that is over."),
    )

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = visible_sites(site_ids)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        site = data.get("site")
        if site is not None:
            try:
                data["period"] = parse_month(data.get("month") or "", site=site)
            except MonthError as error:
                self.add_error("month", str(error))
        return data

    @property
    def period(self) -> Period:
        period: Period = self.cleaned_data["period"]
        return period


class ReportSubscriptionForm(forms.ModelForm):
    """A subscription of one of the user's sites."""

    class Meta:
        model = ReportSubscription
        fields = ["site", "recipients", "active"]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = visible_sites(site_ids)  # type: ignore[attr-defined]
