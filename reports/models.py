"""What the reports app stores: who gets a site's monthly maintenance report by e-mail.

The KPIs themselves are computed from the domain apps' rows when asked (``reports.kpis``); nothing of
them is stored here.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import Area, AreaKind

# Addresses are written one a line or separated by commas or semicolons.
RECIPIENT_SEPARATORS = re.compile(r"[\s,;]+")
MAX_RECIPIENTS = 50


def split_recipients(text: str) -> list[str]:
    """The addresses of a recipients text, in the order written, each once (case-insensitively)."""
    seen: set[str] = set()
    addresses = []
    for address in RECIPIENT_SEPARATORS.split(text or ""):
        if address and address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    return addresses


def validate_recipients(text: str) -> None:
    """At least one address, every one a valid e-mail address, at most ``MAX_RECIPIENTS``; the error
    names the addresses that are not valid."""
    addresses = split_recipients(text)
    if not addresses:
        raise ValidationError(_("Give at least one e-mail address."), code="required")
    invalid = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            invalid.append(address)
    if invalid:
        raise ValidationError(
            _("Not valid e-mail addresses: %(addresses)s."), code="invalid", params={"addresses": ", ".join(invalid)}
        )
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationError(
            _("At most %(limit)s addresses per subscription."), code="max", params={"limit": MAX_RECIPIENTS}
        )


class ReportSubscriptionQuerySet(models.QuerySet["ReportSubscription"]):
    def in_sites(self, site_ids: list[int] | None) -> ReportSubscriptionQuerySet:
        """Subscriptions of these sites; ``None`` means every site (``core.scoping.visible_site_ids``)."""
        return self if site_ids is None else self.filter(site_id__in=list(site_ids))

    def due_for(self, site_id: int, month_start: datetime.date) -> ReportSubscriptionQuerySet:
        """Active subscriptions of a site that have not been sent the month starting ``month_start``."""
        return self.filter(site_id=site_id, active=True).filter(
            Q(last_sent_for__isnull=True) | Q(last_sent_for__lt=month_start)
        )


class ReportSubscription(models.Model):
    """A list of e-mail addresses that get a site's monthly maintenance report (a PDF) when a month ends.

    ``last_sent_for`` is the first day of the last month sent: the scheduled task claims a subscription
    for a month by moving it forward in one conditional UPDATE, so two runs at once send it once.
    """

    site = models.ForeignKey(
        Area,
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": AreaKind.SITE},
    )
    recipients = models.TextField(
        _("recipients"),
        validators=[validate_recipients],
        help_text=_("E-mail addresses, one a line or separated by commas."),
    )
    active = models.BooleanField(_("active"), default=True)
    last_sent_for = models.DateField(
        _("last month sent"), null=True, blank=True, help_text=_("The first day of the last month sent.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ReportSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report subscription")
        verbose_name_plural = _("monthly report subscriptions")
        ordering = ["site__name", "pk"]
        # The role table grants "<action>_<model>" codenames; "download" is the monthly report PDF.
        permissions = [("download_reportsubscription", _("Can download the monthly maintenance report"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_sent_for__isnull=True) | Q(last_sent_for__day=1), name="report_sent_for_month_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site}: {', '.join(self.recipient_list)}"

    @property
    def recipient_list(self) -> list[str]:
        return split_recipients(self.recipients)

    def clean(self) -> None:
        super().clean()
        site: Any = getattr(self, "site", None) if self.site_id else None
        if site is not None and site.kind != AreaKind.SITE:
            raise ValidationError({"site": _("Choose a site.")})
