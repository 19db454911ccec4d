"""The form of the "Calendar feeds" screen: what a new feed shows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assets.models import Area
from exchange.feeds import may_have_site_feed, site_choices
from exchange.models import FeedKind


class CalendarFeedForm(forms.Form):
    """A new feed: the user's own orders, or (planners, supervisors, administrators) one site's."""

    kind = forms.ChoiceField(
        label=_("What should the calendar show?"),
        choices=FeedKind.choices,
        initial=FeedKind.ASSIGNED,
        widget=forms.RadioSelect,
    )
    site: forms.ModelChoiceField[Area] = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Choose a site"),
        help_text=_("Only for a site's scheduled orders."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if may_have_site_feed(user):
            self.fields["site"].queryset = site_choices(user)  # type: ignore[attr-defined]
        else:
            del self.fields["site"]
            kind = self.fields["kind"]
            kind.choices = [(FeedKind.ASSIGNED.value, FeedKind.ASSIGNED.label)]  # type: ignore[attr-defined]
            kind.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("kind") != FeedKind.SITE:
            data["site"] = None  # a site picked and then "my orders" chosen: the choice is what counts
        elif not data.get("site"):
            self.add_error("site", _("Choose the site whose scheduled orders the calendar shows."))
        return data
