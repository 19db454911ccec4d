"""The monthly report screens: Supervisors, Planners and Administrators download the PDF of their sites
(another site is a 404, other roles a 403); Supervisors and Administrators keep the subscriptions of
their sites."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.test import Client
from django.urls import reverse

from assets.factories import SiteFactory
from core.roles import ADMINISTRATOR, PLANNER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from people.factories import make_role_user
from reports.models import ReportSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory(code="N1", name="North works", time_zone="Africa/Nairobi")


@pytest.fixture
def other_site():
    return SiteFactory(code="S1", name="South works")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_url(site) -> str:
    return reverse("reports:monthly_pdf", args=[site.pk])


@pytest.mark.parametrize("role", [SUPERVISOR, PLANNER])
def test_supervisors_and_planners_download_their_sites_report(role, site, other_site) -> None:
    client = login(make_role_user(role, site=site))
    response = client.get(pdf_url(site), {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="monthly-report-n1-2026-03.pdf"'
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "North works · 2026-03" in text
    assert "2026-03-01 to 2026-03-31" in text
    assert client.get(pdf_url(other_site), {"month": "2026-03"}).status_code == 404


def test_administrators_download_every_sites_report(site, other_site) -> None:
    client = login(make_role_user(ADMINISTRATOR))
    assert client.get(pdf_url(other_site)).status_code == 200  # no month: the last month that is over


@pytest.mark.parametrize("role", [TECHNICIAN, STOREKEEPER])
def test_other_roles_may_not(role, site) -> None:
    assert login(make_role_user(role, site=site)).get(pdf_url(site)).status_code == 403


def test_anonymous_users_sign_in_first(site) -> None:
    response = Client().get(pdf_url(site))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_wrong_month_shows_the_form_with_the_error(site) -> None:
    client = login(make_role_user(SUPERVISOR, site=site))
    response = client.get(pdf_url(site), {"month": "2026-13"})
    assert response.status_code == 400
    assert "Give the month as YYYY-MM" in response.content.decode()
    response = client.get(pdf_url(site), {"month": "2999-01"})
    assert response.status_code == 400
    assert "2999-01 has not begun yet." in response.content.decode()


def test_the_download_screen_lists_the_users_sites_and_sends_to_the_pdf(site, other_site) -> None:
    client = login(make_role_user(PLANNER, site=site))
    url = reverse("reports:monthly_reports")
    page = client.get(url).content.decode()
    assert "North works" in page
    assert "South works" not in page
    assert f"{pdf_url(site)}?month=" in page
    assert "E-mail subscriptions" not in page  # a planner keeps no subscriptions
    response = client.get(url, {"site": site.pk, "month": "2026-02"})
    assert response.status_code == 302
    assert response["Location"] == f"{pdf_url(site)}?month=2026-02"
    response = client.get(url, {"site": other_site.pk, "month": "2026-02"})
    assert response.status_code == 400  # not a choice: another site
    assert "Select a valid choice" in response.content.decode()


def test_a_supervisor_keeps_the_subscriptions_of_their_sites(site, other_site) -> None:
    supervisor = make_role_user(SUPERVISOR, site=site)
    theirs = ReportSubscription.objects.create(site=other_site, recipients="south@example.com")
    client = login(supervisor)
    response = client.post(
        reverse("reports:subscription_create"),
        {"site": site.pk, "recipients": "a@example.com\nb@example.com", "active": "on"},
    )
    assert response.status_code == 302
    mine = ReportSubscription.objects.get(site=site)
    assert mine.recipient_list == ["a@example.com", "b@example.com"]
    assert mine.created_by == supervisor
    page = client.get(reverse("reports:subscription_list")).content.decode()
    assert "a@example.com, b@example.com" in page
    assert "south@example.com" not in page
    # Bad addresses: the form again, with the field's error.
    response = client.post(
        reverse("reports:subscription_edit", args=[mine.pk]), {"site": site.pk, "recipients": "a@, b@example.com"}
    )
    assert response.status_code == 400
    assert "Not valid e-mail addresses: a@." in response.content.decode()
    # Another site's subscription, or a subscription for another site: not theirs.
    assert client.get(reverse("reports:subscription_edit", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("reports:subscription_create"), {"site": other_site.pk, "recipients": "x@example.com"}
    )
    assert response.status_code == 400
    assert ReportSubscription.objects.filter(site=other_site).count() == 1
    # Paused from the form (the checkbox left out).
    client.post(reverse("reports:subscription_edit", args=[mine.pk]), {"site": site.pk, "recipients": "a@example.com"})
    mine.refresh_from_db()
    assert not mine.active


def test_planners_and_technicians_keep_no_subscriptions(site) -> None:
    for role in (PLANNER, TECHNICIAN):
        client = login(make_role_user(role, site=site))
        assert client.get(reverse("reports:subscription_list")).status_code == 403
        assert (
            client.post(
                reverse("reports:subscription_create"), {"site": site.pk, "recipients": "a@example.com"}
            ).status_code
            == 403
        )
    assert not ReportSubscription.objects.exists()


def test_the_subscription_list_has_an_empty_state_and_constant_queries(site, django_assert_max_num_queries) -> None:
    client = login(make_role_user(ADMINISTRATOR))
    assert "No subscriptions for your sites yet." in client.get(reverse("reports:subscription_list")).content.decode()
    for n in range(15):
        ReportSubscription.objects.create(site=site, recipients=f"p{n}@example.com")
    with django_assert_max_num_queries(8):
        page = client.get(reverse("reports:subscription_list")).content.decode()
    assert page.count('id="subscription-') == 15


def test_the_download_screen_reads_the_sites_in_constant_queries(site) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(make_role_user(ADMINISTRATOR))
    url = reverse("reports:monthly_reports")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(8):
        SiteFactory(code=f"X{n}", time_zone="America/Lima")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('<li id="site-') == 9
    assert len(many) == len(few)
