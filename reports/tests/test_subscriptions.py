"""Monthly report e-mails: each active subscription gets the month just over in its site's time zone, once,
with the PDF attached, even when the task runs twice at once; a failed send is tried again next run."""

from __future__ import annotations

import datetime
import io
from unittest import mock

import pypdf
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend

from assets.factories import SiteFactory
from reports.kpis.common import period_containing
from reports.models import ReportSubscription, split_recipients, validate_recipients
from reports.subscriptions import MonthError, monthly_reports_send, parse_month, subscription_save
from reports.tasks import send_monthly_reports

pytestmark = pytest.mark.django_db

# 2026-12-01 06:00 UTC: the morning after November ended in Nairobi (UTC+3) but not in Lima (UTC-5: 01:00).
MORNING = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC)
NOVEMBER = datetime.date(2026, 11, 1)


@pytest.fixture
def nairobi():
    return SiteFactory(code="NBO", name="Nairobi plant", time_zone="Africa/Nairobi")


def subscribe(site, recipients="ops@example.com", **fields) -> ReportSubscription:
    return ReportSubscription.objects.create(site=site, recipients=recipients, **fields)


def pdf_text(attachment) -> str:
    _name, content, mimetype = attachment
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_each_subscription_gets_one_mail_with_the_pdf(nairobi) -> None:
    first = subscribe(nairobi, "ops@example.com, Boss@Example.com; ops@example.com")
    second = subscribe(nairobi, "planner@example.com")
    subscribe(nairobi, "paused@example.com", active=False)
    assert monthly_reports_send(now=MORNING) == 2
    assert len(mail.outbox) == 2
    by_recipients = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipients) == {("ops@example.com", "Boss@Example.com"), ("planner@example.com",)}
    message = by_recipients[("planner@example.com",)]
    assert message.subject == "Monthly maintenance report: Nairobi plant, 2026-11"
    assert f"/reports/sites/{nairobi.pk}/monthly.pdf?month=2026-11" in message.body
    [attachment] = message.attachments
    assert attachment[0] == "monthly-report-nbo-2026-11.pdf"
    text = pdf_text(attachment)
    assert "Monthly maintenance report" in text
    assert "Nairobi plant · 2026-11" in text
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.last_sent_for == second.last_sent_for == NOVEMBER


def test_a_second_run_sends_nothing_more(nairobi) -> None:
    subscribe(nairobi)
    with mock.patch("reports.subscriptions.timezone.now", return_value=MORNING):
        assert send_monthly_reports.apply().get() == 1  # the scheduled task, on the morning of 1 December
        assert send_monthly_reports.apply().get() == 0
    assert monthly_reports_send(now=MORNING + datetime.timedelta(days=1)) == 0  # the next morning: still sent
    assert len(mail.outbox) == 1


def test_two_runs_at_once_send_each_subscription_once(nairobi) -> None:
    subscriptions = [subscribe(nairobi, f"person{n}@example.com") for n in range(3)]
    real_send = EmailBackend.send_messages
    inner_runs: list[int] = []
    racing: list[bool] = []

    def send_and_race(backend, messages):
        # While the first run is sending its first mail, a second run starts over the same subscriptions
        # (the first has read them all as due): neither may send what the other has claimed.
        if not racing:
            racing.append(True)
            inner_runs.append(monthly_reports_send(now=MORNING))
        return real_send(backend, messages)

    with mock.patch.object(EmailBackend, "send_messages", send_and_race):
        outer = monthly_reports_send(now=MORNING)
    assert (outer, inner_runs) == (1, [2])  # the second run sent the two the first had not claimed yet
    assert len(mail.outbox) == 3
    assert sorted(message.to[0] for message in mail.outbox) == [s.recipient_list[0] for s in subscriptions]


def test_a_month_is_sent_when_it_is_over_in_the_sites_time_zone(nairobi) -> None:
    lima = SiteFactory(code="LIM", name="Lima works", time_zone="America/Lima")
    subscribe(lima, "lima@example.com")
    subscribe(nairobi, "nairobi@example.com")
    assert monthly_reports_send(now=MORNING) == 2
    subjects = sorted(message.subject for message in mail.outbox)
    # At 01:00 in Lima it is already 1 December there too; October was sent to nobody before: Lima gets
    # November as well. At 04:00 UTC (23:00 on 30 November in Lima) Lima's last complete month is October.
    assert subjects == [
        "Monthly maintenance report: Lima works, 2026-11",
        "Monthly maintenance report: Nairobi plant, 2026-11",
    ]
    mail.outbox.clear()
    late = SiteFactory(code="LIM2", name="Lima annex", time_zone="America/Lima")
    subscribe(late, "annex@example.com")
    assert monthly_reports_send(now=datetime.datetime(2026, 12, 1, 4, 0, tzinfo=datetime.UTC)) == 1
    assert mail.outbox[0].subject == "Monthly maintenance report: Lima annex, 2026-10"


def test_a_failed_send_is_given_back_and_tried_next_run(nairobi) -> None:
    subscription = subscribe(nairobi, last_sent_for=datetime.date(2026, 10, 1))
    with mock.patch.object(EmailBackend, "send_messages", side_effect=ConnectionRefusedError("smtp down")):
        assert monthly_reports_send(now=MORNING) == 0
    subscription.refresh_from_db()
    assert subscription.last_sent_for == datetime.date(2026, 10, 1)  # not marked sent
    assert monthly_reports_send(now=MORNING) == 1
    subscription.refresh_from_db()
    assert subscription.last_sent_for == NOVEMBER


def test_recipients_are_validated() -> None:
    assert split_recipients("a@example.com\nb@example.com, A@example.com ;c@example.com") == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    with pytest.raises(ValidationError) as error:
        validate_recipients("a@example.com, not-an-address, x@")
    assert "not-an-address, x@" in str(error.value)
    with pytest.raises(ValidationError):
        validate_recipients(" , ")
    with pytest.raises(ValidationError):
        validate_recipients(", ".join(f"p{n}@example.com" for n in range(51)))


def test_saving_validates_and_records_the_creator(nairobi) -> None:
    from people.factories import make_role_user

    user = make_role_user("Supervisor", site=nairobi)
    subscription = subscription_save(
        subscription=ReportSubscription(site=nairobi, recipients="ops@example.com"), user=user
    )
    assert subscription.created_by == user
    assert subscription.history.get().history_user == user
    with pytest.raises(ValidationError):
        subscription_save(subscription=ReportSubscription(site=nairobi, recipients="nobody"), user=user)


def test_months_are_read_in_the_sites_time_zone(nairobi) -> None:
    assert parse_month("", site=nairobi, now=MORNING) == period_containing("month", NOVEMBER)
    assert parse_month("2026-12", site=nairobi, now=MORNING).first_day == datetime.date(2026, 12, 1)  # to date
    for wrong in ("2026-13", "26-11", "2026/11", "next"):
        with pytest.raises(MonthError):
            parse_month(wrong, site=nairobi, now=MORNING)
    with pytest.raises(MonthError):
        parse_month("2027-01", site=nairobi, now=MORNING)  # not begun
