"""The list of every work order (open and closed), the screen behind the dashboards' drill-downs."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.roles import SUPERVISOR
from core.testing import force_update
from orders.factories import planned_order
from orders.models import ExecutionState, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory(name="Kisumu water works", time_zone="Africa/Nairobi")


@pytest.fixture
def orders(site):
    """Three orders at the site (one closed on 10 March 2026 Nairobi time) and one at another site."""
    pump = ResourceFactory(area=AreaFactory(parent=site), tag="P-1", name="Pump 1")
    made = [planned_order(pump) for n in range(3)]
    closed_at = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
    force_update(
        WorkOrder.objects.filter(pk=made[0].pk),
        execution_state=ExecutionState.CLOSED,
        closed_at=closed_at,
        closed_on_time=True,
    )
    other = ResourceFactory(area=AreaFactory(parent=SiteFactory(name="Other works")), tag="X-1")
    made.append(planned_order(other))
    return made


def numbers(html: str, orders: list[WorkOrder]) -> set[str]:
    return {order.number for order in orders if order.number in html}


def test_lists_open_and_closed_orders_of_my_sites_only(client, role_user, site, orders):
    client.force_login(role_user(SUPERVISOR, site=site))
    html = client.get(reverse("orders:order_list")).content.decode()
    assert numbers(html, orders) == {orders[0].number, orders[1].number, orders[2].number}


def test_drilldown_filters_are_kept_named_and_clearable(client, role_user, site, orders):
    client.force_login(role_user(SUPERVISOR, site=site))
    response = client.get(reverse("orders:order_list"), {"closed_after": "2026-03-01", "closed_before": "2026-04-01"})
    html = response.content.decode()
    assert numbers(html, orders) == {orders[0].number}
    assert 'id="drilldown-filters"' in html
    # The filter form carries the drill-down filters along, so narrowing further keeps them.
    assert 'name="closed_after" value="2026-03-01"' in html


def test_a_bad_filter_answers_400_with_its_name(client, role_user, site, orders):
    client.force_login(role_user(SUPERVISOR, site=site))
    response = client.get(reverse("orders:order_list"), {"closed_after": "last tuesday"})
    assert response.status_code == 400
    assert "closed_after" in response.content.decode()


def test_a_user_without_a_role_may_not_see_it(client, site, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(reverse("orders:order_list")).status_code == 403


def test_export_has_the_filtered_orders(client, role_user, site, orders):
    client.force_login(role_user(SUPERVISOR, site=site))
    response = client.get(reverse("orders:order_list"), {"closed_after": "2026-03-01", "export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert orders[0].number in body
    assert orders[1].number not in body


def test_query_count_does_not_grow_with_the_orders(client, role_user, site, orders):
    client.force_login(role_user(SUPERVISOR, site=site))
    url = reverse("orders:order_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    pump = WorkOrder.objects.filter(site=site).first().resource
    for _n in range(20):
        planned_order(pump)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
