"""The monthly maintenance report as a PDF, and its e-mail subscriptions: keeping them and sending them.

``monthly_reports_send`` is what the scheduled task runs: every active subscription gets the last month
that is over in its site's time zone, once. A subscription is claimed for a month by one conditional
UPDATE of ``last_sent_for`` before the mail goes (two runs at once, or a run that beat's catch-up starts
while another is still sending, cannot both claim it); if the mail cannot be sent the claim is given back,
so the next run tries again. The task runs daily: a month is sent on the first run after it has ended in
the site's zone (a site west of the server's zone ends its month hours later), and a day the server was
down is caught up the next morning.
"""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assets.models import Area
from core.pdf import render_pdf
from reports.kpis.common import Period, period_containing
from reports.models import ReportSubscription
from reports.monthly import last_complete_month, monthly_report_document

logger = logging.getLogger(__name__)

MONTH_FORMAT = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")


class MonthError(ValueError):
    """A month that is not ``YYYY-MM``, or that has not begun."""


def parse_month(text: str, *, site: Area, now: datetime.datetime | None = None) -> Period:
    """The month ``YYYY-MM`` as a ``Period``; an empty text is the site's last complete month. A month
    that has not begun in the site's time zone is refused (the current month is a report to date)."""
    if not text:
        return last_complete_month(site, now)
    match = MONTH_FORMAT.match(text.strip())
    if not match or not 1 <= int(match["month"]) <= 12 or int(match["year"]) < 2000:
        raise MonthError(_("Give the month as YYYY-MM, for example 2026-03."))
    month = period_containing("month", datetime.date(int(match["year"]), int(match["month"]), 1))
    local_today = (now or timezone.now()).astimezone(site.local_time_zone).date()
    if month.first_day > local_today:
        raise MonthError(_("%(month)s has not begun yet.") % {"month": month.label})
    return month


def monthly_report_filename(site: Area, month: Period) -> str:
    return f"monthly-report-{slugify(site.code) or site.pk}-{month.label}.pdf"


def monthly_report_pdf(site: Area, month: Period, *, now: datetime.datetime | None = None) -> bytes:
    """The bytes of the site's monthly maintenance report for ``month``."""
    return render_pdf(monthly_report_document(site, month, now=now))


# --- Subscriptions -----------------------------------------------------------------------------
@transaction.atomic
def subscription_save(*, subscription: ReportSubscription, user: Any) -> ReportSubscription:
    """Create or change a subscription (validated); the creator is recorded on creation."""
    if subscription.pk is None:
        subscription.created_by = user
    subscription.full_clean()
    subscription._history_user = user  # type: ignore[attr-defined]  # simple-history reads it
    subscription.save()
    return subscription


def _claim(subscription: ReportSubscription, month: Period) -> bool:
    """Mark the subscription sent for ``month`` if it was not yet: True when this run got it.

    Race: two runs (or a run and a retry) reading the same due subscriptions both try this UPDATE; the
    database lets one of them change the row, the other updates nothing and sends nothing."""
    claimed = (
        ReportSubscription.objects.due_for(subscription.site_id, month.first_day)
        .filter(pk=subscription.pk)
        .update(last_sent_for=month.first_day)
    )
    return claimed == 1


def _release(subscription: ReportSubscription, month: Period, previous: datetime.date | None) -> None:
    """Give the month back after a failed send, unless someone has moved the subscription on since."""
    ReportSubscription.objects.filter(pk=subscription.pk, last_sent_for=month.first_day).update(last_sent_for=previous)


def report_message(subscription: ReportSubscription, month: Period, pdf: bytes) -> EmailMessage:
    """The e-mail of one subscription: a short text, the PDF attached."""
    site = subscription.site
    link = settings.SITE_URL.rstrip("/") + reverse("reports:monthly_pdf", args=[site.pk]) + f"?month={month.label}"
    subject = _("Monthly maintenance report: %(site)s, %(month)s") % {"site": site.name, "month": month.label}
    body = _(
        "Attached is the monthly maintenance report of %(site)s for %(month)s.\n\n"
        "It can be downloaded again from %(link)s (sign-in required).\n\n"
        "You get this mail because your address is on a monthly report subscription of the site; an "
        "administrator or a supervisor of the site can change it."
    ) % {"site": site.name, "month": month.label, "link": link}
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, subscription.recipient_list)
    message.attach(monthly_report_filename(site, month), pdf, "application/pdf")
    return message


def subscription_send(
    *, subscription: ReportSubscription, month: Period, pdf: bytes | None = None, now: datetime.datetime | None = None
) -> bool:
    """Send ``month``'s report to the subscription unless it has been sent it: True when this call sent it.

    ``pdf`` is the report when the caller has already made it (subscriptions of one site share it)."""
    previous = subscription.last_sent_for
    if not _claim(subscription, month):
        return False
    try:
        document = pdf if pdf is not None else monthly_report_pdf(subscription.site, month, now=now)
        report_message(subscription, month, document).send(fail_silently=False)
    except Exception:
        _release(subscription, month, previous)
        raise
    return True


def monthly_reports_send(*, now: datetime.datetime | None = None) -> int:
    """Send every active subscription the last month that is over in its site's zone, once; return how
    many mails went. A failure of one subscription (a refused address) is logged and the others still go."""
    now = now or timezone.now()
    sent = 0
    reports: dict[tuple[int, datetime.date], bytes] = {}
    for subscription in (
        ReportSubscription.objects.filter(active=True).select_related("site__site").order_by("site", "pk")
    ):
        month = last_complete_month(subscription.site, now)
        if subscription.last_sent_for is not None and subscription.last_sent_for >= month.first_day:
            continue  # already sent (checked again, atomically, by the claim)
        key = (subscription.site_id, month.first_day)
        try:
            if key not in reports:
                reports[key] = monthly_report_pdf(subscription.site, month, now=now)
            sent += subscription_send(subscription=subscription, month=month, pdf=reports[key], now=now)
        except Exception:
            logger.exception("Monthly report of subscription %s for %s not sent", subscription.pk, month.label)
    return sent
