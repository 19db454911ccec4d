"""The landing page per role, the base layout and the account screens."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, CounterFactory, ReadingFactory, ResourceFactory, SiteFactory
from assets.models import EntityStatus
from core.roles import (
    ADMINISTRATOR,
    INTEGRATOR,
    PLANNER,
    REQUESTER,
    ROLES,
    STOREKEEPER,
    SUPERVISOR,
    TECHNICIAN,
)
from core.testing import TEST_PASSWORD, UserFactory
from inventory.factories import PartFactory, VendorFactory
from mms.services import heartbeat_record
from people.factories import EmployeeCertificationFactory, EmployeeFactory, make_role_user

pytestmark = pytest.mark.django_db

HOME = "/"


def heading(role: str) -> str:
    """The id of a role section's heading, unique on the page."""
    return f'id="{role.lower()}-title"'


@pytest.fixture
def site_a():
    return SiteFactory(name="North works")


@pytest.fixture
def site_b():
    return SiteFactory(name="South works")


def log_in(client, user: User) -> None:
    client.force_login(user)


def get_home(client, user: User, **params):
    log_in(client, user)
    response = client.get(HOME, params)
    assert response.status_code == 200
    return response


# --- Access and layout -------------------------------------------------------------------------
def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_section_only(client, site_a, role):
    html = get_home(client, make_role_user(role, site=site_a)).content.decode()
    assert heading(role) in html
    for other in ROLES:
        if other != role:
            assert heading(other) not in html


def test_user_with_several_roles_sees_each_section(client, site_a):
    user = make_role_user(TECHNICIAN, site=site_a)
    user.groups.add(*Group.objects.filter(name__in=[PLANNER, REQUESTER]))
    html = get_home(client, user).content.decode()
    assert all(heading(role) in html for role in (TECHNICIAN, PLANNER, REQUESTER))
    assert heading(SUPERVISOR) not in html
    # The roles are listed in the user menu and the page links to each section.
    assert "Technician, Planner, Requester" in html
    assert 'href="#planner"' in html


def test_user_without_role_is_told_so(client):
    html = get_home(client, UserFactory()).content.decode()
    assert "Your account has no role yet" in html
    assert not any(heading(role) in html for role in ROLES)


def test_member_of_no_site_is_told_so(client):
    html = get_home(client, make_role_user(TECHNICIAN)).content.decode()
    assert "not a member of any site" in html
    # The part catalogue is not per site: nothing to explain to a storekeeper.
    assert "not a member of any site" not in get_home(client, make_role_user(STOREKEEPER)).content.decode()


def test_layout_has_skip_link_main_lang_htmx_and_logout_form(client, site_a):
    html = get_home(client, make_role_user(TECHNICIAN, site=site_a)).content.decode()
    assert '<html lang="en"' in html
    assert 'href="#main"' in html
    assert '<main id="main"' in html
    assert "/static/vendor/pico/pico.min.css" in html
    assert "/static/css/mms.css" in html
    assert re.search(r'<script src="/static/django_htmx/htmx-2[^"]*\.js"', html)
    assert f'action="{reverse("logout")}"' in html
    assert 'method="post"' in html
    assert reverse("password_change") in html
    assert "<details" in html  # the small-screen menu needs no JavaScript


def test_html_lang_follows_the_active_language(client, site_a):
    log_in(client, make_role_user(TECHNICIAN, site=site_a))
    html = client.get(HOME, headers={"accept-language": "fr"}).content.decode()
    assert '<html lang="fr"' in html


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (TECHNICIAN, [], ["System status", ">Admin<"]),
        (REQUESTER, [], ["System status", ">Admin<"]),
        (INTEGRATOR, ["System status"], [">Admin<"]),
        (ADMINISTRATOR, ["System status", ">Admin<"], []),
    ],
)
def test_navigation_follows_roles(client, site_a, role, shown, hidden):
    html = get_home(client, make_role_user(role, site=site_a)).content.decode()
    nav = html.split('class="nav-wide"', 1)[1].split("</ul>", 1)[0]
    assert f'href="{reverse("home")}" aria-current="page"' in nav
    for label in shown:
        assert label in nav
    for label in hidden:
        assert label not in nav


def test_messages_are_rendered():
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.template.loader import render_to_string

    html = render_to_string("mms/_messages.html", {"messages": [Message(constants.SUCCESS, "Order approved")]})
    assert 'class="message message-success"' in html
    assert "Order approved" in html


# --- Technician --------------------------------------------------------------------------------
def test_technician_sees_own_certifications_with_their_state(client, site_a):
    user = make_role_user(TECHNICIAN, site=site_a)
    today = timezone.localdate()
    employee = user.employee
    EmployeeCertificationFactory(
        employee=employee, certification__name="HV switching", valid_to=today + datetime.timedelta(days=200)
    )
    EmployeeCertificationFactory(
        employee=employee, certification__name="Confined space", valid_to=today + datetime.timedelta(days=10)
    )
    EmployeeCertificationFactory(
        employee=employee,
        certification__name="Autoclave operator",
        valid_from=today - datetime.timedelta(days=400),
        valid_to=today - datetime.timedelta(days=1),
    )
    EmployeeCertificationFactory(certification__name="Someone else's")
    response = get_home(client, user)
    states = {held.certification.name: held.state for held in response.context["sections"][0].data["certifications"]}
    assert states == {"HV switching": "valid", "Confined space": "expiring", "Autoclave operator": "expired"}
    html = response.content.decode()
    assert "Expiring soon" in html
    assert "Expired" in html
    assert "Valid" in html
    assert "Someone else" not in html


def test_technician_empty_states(client, site_a):
    html = get_home(client, make_role_user(TECHNICIAN, site=site_a)).content.decode()
    assert "No certification is recorded for you." in html
    assert "No resource of your sites is down or on hold." in html


def test_technician_sees_only_own_sites_resources_down_or_on_hold(client, site_a, site_b):
    ResourceFactory(tag="A-DOWN", area=AreaFactory(parent=site_a), status=EntityStatus.DOWN)
    ResourceFactory(tag="A-HOLD", area=AreaFactory(parent=site_a), status=EntityStatus.ON_HOLD)
    ResourceFactory(tag="A-FINE", area=AreaFactory(parent=site_a))
    ResourceFactory(tag="B-DOWN", area=AreaFactory(parent=site_b), status=EntityStatus.DOWN)
    html = get_home(client, make_role_user(TECHNICIAN, site=site_a)).content.decode()
    assert "A-DOWN" in html
    assert "A-HOLD" in html
    assert "A-FINE" not in html
    assert "B-DOWN" not in html
    assert html.index("A-DOWN") < html.index("A-HOLD")  # down first


def test_long_lists_are_paginated(client, site_a):
    area = AreaFactory(parent=site_a)
    for number in range(13):
        ResourceFactory(tag=f"DOWN-{number:02d}", area=area, status=EntityStatus.DOWN)
    user = make_role_user(TECHNICIAN, site=site_a)
    html = get_home(client, user).content.decode()
    assert "DOWN-09" in html
    assert "DOWN-10" not in html
    assert "?technician_resources=2#technician-resources" in html
    html = get_home(client, user, technician_resources=2).content.decode()
    assert "DOWN-10" in html
    assert "DOWN-12" in html
    assert "DOWN-00" not in html
    assert "Page 2 of 2" in html


# --- Supervisor --------------------------------------------------------------------------------
def test_supervisor_sees_own_sites_down_resources_and_expiring_certifications(client, site_a, site_b):
    today = timezone.localdate()
    ResourceFactory(tag="A-DOWN", area=AreaFactory(parent=site_a), status=EntityStatus.DOWN)
    ResourceFactory(tag="B-DOWN", area=AreaFactory(parent=site_b), status=EntityStatus.DOWN)
    soon = today + datetime.timedelta(days=12)
    alice = EmployeeFactory(name="Alice Mwangi")
    alice.sites.add(site_a)
    EmployeeCertificationFactory(employee=alice, certification__name="Confined space", valid_to=soon)
    EmployeeCertificationFactory(
        employee=alice, certification__name="Forklift", valid_to=today + datetime.timedelta(days=90)
    )
    bob = EmployeeFactory(name="Bob Otieno")
    bob.sites.add(site_b)
    EmployeeCertificationFactory(employee=bob, certification__name="HV switching", valid_to=soon)
    html = get_home(client, make_role_user(SUPERVISOR, site=site_a)).content.decode()
    assert "A-DOWN" in html
    assert "B-DOWN" not in html
    assert "Alice Mwangi" in html
    assert "Confined space" in html
    assert "Forklift" not in html
    assert "Bob Otieno" not in html


def test_supervisor_empty_states(client, site_a):
    html = get_home(client, make_role_user(SUPERVISOR, site=site_a)).content.decode()
    assert "No resource of your sites is down or on hold." in html
    assert "No certification of your sites" in html


# --- Planner -----------------------------------------------------------------------------------
def test_planner_sees_counts_per_site_and_latest_readings(client, site_a, site_b):
    area = AreaFactory(parent=site_a)
    pump = ResourceFactory(area=area)
    ResourceFactory(area=area)
    hours = CounterFactory(resource=pump, name="Operating hours", unit="h")
    now = timezone.now()
    ReadingFactory(counter=hours, value=Decimal(100), taken_at=now - datetime.timedelta(days=2))
    ReadingFactory(counter=hours, value=Decimal("1234.5"), taken_at=now - datetime.timedelta(hours=1))
    CounterFactory(resource=None, area=area, name="Water pumped", unit="m³")
    CounterFactory(resource=ResourceFactory(area=AreaFactory(parent=site_b)), name="Site B meter")
    response = get_home(client, make_role_user(PLANNER, site=site_a))
    data = response.context["sections"][0].data
    assert [(s.name, s.resource_count, s.counter_count) for s in data["sites"]] == [("North works", 2, 2)]
    latest = {c.name: c.latest_value for c in data["counters"]}
    assert latest == {"Operating hours": Decimal("1234.5"), "Water pumped": None}
    html = response.content.decode()
    assert "1234.5 h" in html
    assert "no reading yet" in html
    assert "Site B meter" not in html
    assert "South works" not in html


def test_planner_empty_states(client):
    html = get_home(client, make_role_user(PLANNER)).content.decode()
    assert "You are not a member of any site." in html
    assert "No counter is set up in your sites." in html


# --- Storekeeper -------------------------------------------------------------------------------
def test_storekeeper_sees_catalogue_vendors_and_recent_parts(client):
    parts = [PartFactory(part_number=f"PN-{n}") for n in range(12)]
    PartFactory(part_number="PN-OLD", active=False)
    parts[3].description = "Bearing 6205"
    parts[3].save()  # the latest change
    VendorFactory(name="Acme Pumps")
    VendorFactory(name="Closed Ltd", active=False)
    response = get_home(client, make_role_user(STOREKEEPER))
    data = response.context["sections"][0].data
    assert (data["part_count"], data["active_part_count"]) == (13, 12)
    assert len(data["recent_parts"]) == 10
    assert data["recent_parts"][0].part_number == "PN-3"
    html = response.content.decode()
    assert "Acme Pumps" in html
    assert "Closed Ltd" not in html
    assert re.search(r'stat-value">1</span>\s*<span class="stat-label">active vendor<', html)


def test_storekeeper_empty_states(client):
    html = get_home(client, make_role_user(STOREKEEPER)).content.decode()
    assert "The part catalogue is empty." in html
    assert "No active vendor yet." in html


# --- Requester ---------------------------------------------------------------------------------
def test_requester_search_finds_own_sites_resources_by_tag_or_name(client, site_a, site_b):
    ResourceFactory(tag="CHL-01", name="Chlorinator", area=AreaFactory(parent=site_a))
    ResourceFactory(tag="P-100", name="Raw water pump", area=AreaFactory(parent=site_a))
    ResourceFactory(tag="P-200", name="Booster pump", area=AreaFactory(parent=site_b))
    user = make_role_user(REQUESTER, site=site_a)
    html = get_home(client, user).content.decode()
    assert "Type a tag or part of a name" in html
    html = get_home(client, user, q="pump").content.decode()
    assert "P-100" in html
    assert "P-200" not in html
    assert "CHL-01" not in html
    assert "1 resource found" in html
    html = get_home(client, user, q="chl").content.decode()
    assert "CHL-01" in html


def test_requester_search_empty_state(client, site_a):
    html = get_home(client, make_role_user(REQUESTER, site=site_a), q="nothing-like-this").content.decode()
    assert "No resource of your sites matches “nothing-like-this”." in html


def test_requester_search_is_paginated(client, site_a):
    area = AreaFactory(parent=site_a)
    for number in range(11):
        ResourceFactory(tag=f"PUMP-{number:02d}", area=area)
    user = make_role_user(REQUESTER, site=site_a)
    html = get_home(client, user, q="pump").content.decode()
    assert "11 resources found" in html
    assert "PUMP-10" not in html
    assert "?q=pump&amp;requester_page=2" in html
    assert "PUMP-10" in get_home(client, user, q="pump", requester_page=2).content.decode()


def test_requester_search_answers_htmx_with_the_results_only(client, site_a):
    ResourceFactory(tag="P-100", area=AreaFactory(parent=site_a))
    log_in(client, make_role_user(REQUESTER, site=site_a))
    response = client.get(HOME, {"q": "P-1"}, headers={"hx-request": "true", "hx-target": "resource-search-results"})
    html = response.content.decode()
    assert "P-100" in html
    assert "<html" not in html
    assert 'id="resource-search-results"' in html
    assert "HX-Request" in response["Vary"]


# --- Administrator and integrator --------------------------------------------------------------
def test_administrator_sees_status_users_per_role_and_admin_link(client, site_a):
    make_role_user(TECHNICIAN, site=site_a)
    make_role_user(TECHNICIAN, site=site_a)
    UserFactory()  # no role
    admin = make_role_user(ADMINISTRATOR)
    response = get_home(client, admin)
    data = response.context["sections"][0].data
    counts = {str(label): count for label, count in data["role_counts"]}
    assert counts[TECHNICIAN] == 2
    assert counts[ADMINISTRATOR] == 1
    assert counts[PLANNER] == 0
    assert (data["user_count"], data["users_without_role"]) == (4, 1)
    html = response.content.decode()
    assert "System status" in html
    assert "Something is wrong" in html
    assert f'href="{reverse("admin:index")}"' in html


def test_integrator_sees_status_and_heartbeat(client):
    heartbeat_record(worker="celery@box")
    html = get_home(client, make_role_user(INTEGRATOR)).content.decode()
    assert "All systems working" in html
    assert "celery@box" in html
    assert "1 beat" in html
    assert "The API is not available yet" in html


# --- Query counts ------------------------------------------------------------------------------
@pytest.fixture
def busy_site():
    """Enough rows in every list that an N+1 query would show."""
    site = SiteFactory()
    area = AreaFactory(parent=site)
    today = timezone.localdate()
    for number in range(15):
        resource = ResourceFactory(area=area, status=EntityStatus.DOWN if number % 2 else EntityStatus.ON_HOLD)
        counter = CounterFactory(resource=resource)
        ReadingFactory(counter=counter)
        employee = EmployeeFactory()
        employee.sites.add(site)
        EmployeeCertificationFactory(employee=employee, valid_to=today + datetime.timedelta(days=5))
        PartFactory()
        VendorFactory()
    heartbeat_record(worker="celery@box")
    return site


@pytest.mark.parametrize("role", ROLES)
def test_query_count_is_bounded(client, busy_site, role, django_assert_max_num_queries):
    user = make_role_user(role, site=busy_site)
    for _ in range(12):
        EmployeeCertificationFactory(employee=user.employee)
    log_in(client, user)
    # Session, user, roles, sites, the header's unread count, then each list's COUNT and page. The
    # supervisor's queue counts corrective orders only with orders.supervise_workorder: Django's permission
    # lookup costs two queries (user and group permissions), made once per request.
    bound = 12 if role == SUPERVISOR else 10
    with django_assert_max_num_queries(bound):
        response = client.get(HOME, {"q": "P-"})
    assert response.status_code == 200
    assert heading(role) in response.content.decode()


# --- Accounts ----------------------------------------------------------------------------------
def test_login_page_shows_error_for_bad_password(client):
    UserFactory(username="ana")
    response = client.post(reverse("login"), {"username": "ana", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please enter a correct username and password" in html
    assert 'role="alert"' in html


def test_login_page_shows_field_errors(client):
    html = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert 'id="id_username_error"' in html
    assert 'aria-invalid="true"' in html
    assert "This field is required." in html


def test_login_lands_on_home(client, site_a):
    make_role_user(TECHNICIAN, site=site_a, username="tech")
    response = client.post(reverse("login"), {"username": "tech", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert heading(TECHNICIAN) in response.content.decode()


def test_password_change_works(client, site_a):
    user = make_role_user(TECHNICIAN, site=site_a)
    log_in(client, user)
    assert client.get(reverse("password_change")).status_code == 200
    new = "a-new-long-passphrase-42"
    response = client.post(
        reverse("password_change"), {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response["Location"] == reverse("password_change_done")
    assert "Your password was changed." in client.get(reverse("password_change_done")).content.decode()
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_sends_a_working_link(client):
    user = UserFactory(username="ana", email="ana@example.org")
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": "ana@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert "Check your e-mail" in client.get(reverse("password_reset_done")).content.decode()
    (message,) = mail.outbox
    assert message.subject.startswith("Reset your password")
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session one
    new = "a-new-long-passphrase-42"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("password_reset_complete")
    assert "Your new password is set." in client.get(reverse("password_reset_complete")).content.decode()
    user.refresh_from_db()
    assert user.check_password(new)


def test_logout_is_a_post_back_to_login(client, site_a):
    log_in(client, make_role_user(TECHNICIAN, site=site_a))
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get(HOME).status_code == 302
