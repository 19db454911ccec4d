"""Downtime periods: opened and closed by the hold action, breakdown reports, the resource page and the
API; one open period per entity; hours within a window for the KPIs."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Container, EntityStatus
from core.api.testing import token_client
from core.errors import ActionNotAllowed
from orders import actions, downtime, services
from orders.factories import planned_order
from orders.models import ActionLog, DowntimeKind, DowntimePeriod
from orders.tests.test_actions import late_order
from people.factories import make_role_user
from plans.models import ActionKind

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def site():
    return SiteFactory(time_zone="Africa/Nairobi")


@pytest.fixture
def pump(site):
    return ResourceFactory(tag="P-01", area=AreaFactory(parent=site))


@pytest.fixture
def foreign_pump():
    return ResourceFactory(tag="P-FAR", area=AreaFactory(parent=SiteFactory()))


@pytest.fixture
def sup(site):
    return make_role_user("Supervisor", site=site, username="sup")


@pytest.fixture
def tech(site):
    return make_role_user("Technician", site=site, username="tech")


def refreshed(resource):
    resource.refresh_from_db()
    return resource


# --- Services ----------------------------------------------------------------------------------
def test_open_sets_the_status_and_close_puts_it_back(pump, sup):
    period = downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Seal leaks", user=sup)
    assert refreshed(pump).status == EntityStatus.DOWN
    assert (period.opened_by, period.reason, period.ended_at) == (sup, "Seal leaks", None)
    closed = downtime.downtime_close(entity=pump, user=sup, note="Seal replaced")
    assert closed == period
    period.refresh_from_db()
    assert period.ended_at is not None
    assert period.ended_at >= period.started_at
    assert (period.closed_by, period.close_note) == (sup, "Seal replaced")
    assert refreshed(pump).status == EntityStatus.IN_SERVICE
    assert pump.history.first().history_change_reason == "Seal replaced"


def test_same_kind_keeps_the_open_period_and_a_new_kind_replaces_it(pump, sup):
    first = downtime.downtime_open(entity=pump, kind=DowntimeKind.ON_HOLD, reason="Late", user=None, at=at(2026, 1, 1))
    again = downtime.downtime_open(entity=pump, kind=DowntimeKind.ON_HOLD, reason="Still", user=sup, at=at(2026, 1, 2))
    assert again.pk == first.pk
    assert DowntimePeriod.objects.count() == 1
    down = downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Broke", user=sup, at=at(2026, 1, 3))
    first.refresh_from_db()
    assert first.ended_at == at(2026, 1, 3) == down.started_at
    assert first.closed_by == sup
    assert list(DowntimePeriod.objects.open()) == [down]
    assert refreshed(pump).status == EntityStatus.DOWN


def test_refusals(pump, sup):
    with pytest.raises(ActionNotAllowed):
        downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="  ", user=sup)
    with pytest.raises(ActionNotAllowed):
        downtime.downtime_open(entity=pump, kind="retired", reason="Old", user=sup)
    with pytest.raises(ActionNotAllowed):
        downtime.downtime_close(entity=pump, user=sup)  # in service: nothing to close
    pump.status = EntityStatus.RETIRED
    pump.save()
    with pytest.raises(ActionNotAllowed):
        downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Broke", user=sup)
    assert not DowntimePeriod.objects.exists()


def test_closing_a_period_by_id_refuses_once_it_is_closed(pump, sup):
    period = downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Broke", user=sup)
    downtime.downtime_close(entity=pump, user=sup, period_id=period.pk)
    downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Broke again", user=sup)
    with pytest.raises(ActionNotAllowed):
        downtime.downtime_close(entity=pump, user=sup, period_id=period.pk)
    assert refreshed(pump).status == EntityStatus.DOWN


def test_status_set_before_periods_existed_goes_back_in_service(pump, sup):
    pump.status = EntityStatus.DOWN
    pump.save()
    assert downtime.downtime_close(entity=pump, user=sup) is None
    assert refreshed(pump).status == EntityStatus.IN_SERVICE


def test_containers_have_periods_too(site, sup):
    tank = Container.objects.create(tag="T-1", name="Tank", container_type="tank", area=site)
    period = downtime.downtime_open(entity=tank, kind=DowntimeKind.DOWN, reason="Cracked", user=sup)
    assert period.container == tank
    assert period.resource is None
    tank.refresh_from_db()
    assert tank.status == EntityStatus.DOWN


def test_the_database_allows_one_open_period_per_resource(pump):
    DowntimePeriod.objects.create(resource=pump, kind=DowntimeKind.DOWN, reason="One")
    with pytest.raises(IntegrityError), transaction.atomic():
        DowntimePeriod.objects.create(resource=pump, kind=DowntimeKind.ON_HOLD, reason="Two")
    # closed periods are not limited
    DowntimePeriod.objects.update(ended_at=timezone.now())
    DowntimePeriod.objects.create(resource=pump, kind=DowntimeKind.ON_HOLD, reason="Three")
    assert DowntimePeriod.objects.count() == 2


def test_the_database_refuses_an_end_before_the_start_and_no_entity(pump):
    with pytest.raises(IntegrityError), transaction.atomic():
        DowntimePeriod.objects.create(
            resource=pump, kind=DowntimeKind.DOWN, reason="x", started_at=at(2026, 1, 2), ended_at=at(2026, 1, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DowntimePeriod.objects.create(kind=DowntimeKind.DOWN, reason="x")


# --- Hours in a window -------------------------------------------------------------------------
def test_hours_between_clips_to_the_window_and_counts_open_periods_to_the_end(pump, site):
    other = ResourceFactory(area=AreaFactory(parent=site))
    window = (at(2026, 1, 10), at(2026, 1, 11))
    make = DowntimePeriod.objects.create
    make(resource=pump, kind="down", reason="before", started_at=at(2026, 1, 9), ended_at=at(2026, 1, 10, 6))  # 6 h in
    make(resource=pump, kind="down", reason="inside", started_at=at(2026, 1, 10, 8), ended_at=at(2026, 1, 10, 10))
    make(resource=pump, kind="on_hold", reason="outside", started_at=at(2026, 1, 5), ended_at=at(2026, 1, 6))
    make(resource=pump, kind="down", reason="open", started_at=at(2026, 1, 10, 20))  # open: 4 h until the end
    make(resource=other, kind="down", reason="across", started_at=at(2026, 1, 9), ended_at=at(2026, 1, 12))  # 24 h
    assert DowntimePeriod.objects.hours_between(*window) == pytest.approx(6 + 2 + 4 + 24)
    assert DowntimePeriod.objects.for_entity(pump).hours_between(*window) == pytest.approx(12)
    assert DowntimePeriod.objects.filter(kind="on_hold").hours_between(*window) == 0.0
    assert DowntimePeriod.objects.hours_by_entity(*window) == {
        ("resource", pump.pk): pytest.approx(12),
        ("resource", other.pk): pytest.approx(24),
    }
    assert {p.reason for p in DowntimePeriod.objects.overlapping(*window)} == {"before", "inside", "open", "across"}


def test_an_open_period_counts_until_now_in_a_window_not_yet_over(pump):
    started = timezone.now() - datetime.timedelta(hours=3)
    DowntimePeriod.objects.create(resource=pump, kind="down", reason="open", started_at=started)
    hours = DowntimePeriod.objects.hours_between(
        started - datetime.timedelta(days=1), started + datetime.timedelta(days=1)
    )
    assert hours == pytest.approx(3, abs=0.01)


# --- The hold action ---------------------------------------------------------------------------
def test_hold_at_late_due_opens_a_period_for_the_order_and_closing_the_order_ends_it(pump, site, sup):
    order = late_order(pump, ActionKind.HOLD_ENTITY, {})
    actions.run_one(ActionLog.objects.get(order=order))
    period = DowntimePeriod.objects.get()
    assert (period.kind, period.order, period.opened_by, period.ended_at) == (DowntimeKind.ON_HOLD, order, None, None)
    assert order.number in period.reason
    services.order_skip(order=order, user=sup, reason="Replaced instead")
    period.refresh_from_db()
    assert period.ended_at is not None
    assert period.closed_by == sup
    assert order.number in period.close_note
    assert refreshed(pump).status == EntityStatus.IN_SERVICE


def test_hold_leaves_a_resource_already_down_alone(pump, sup):
    down = downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Broke", user=sup)
    order = late_order(pump, ActionKind.HOLD_ENTITY, {})
    actions.run_one(ActionLog.objects.get(order=order))
    assert list(DowntimePeriod.objects.all()) == [down]
    assert refreshed(pump).status == EntityStatus.DOWN


# --- Breakdown reports -------------------------------------------------------------------------
def test_a_breakdown_report_saying_the_asset_is_down_opens_a_period(client, pump, site):
    requester = make_role_user("Requester", site=site, username="req")
    client.force_login(requester)
    data = {"resource": pump.pk, "title": "Pump stopped", "description": "", "priority": 3, "entity_down": "on"}
    response = client.post(reverse("requests:new"), data)
    assert response.status_code == 302
    period = DowntimePeriod.objects.get()
    assert (period.kind, period.reason, period.opened_by) == (DowntimeKind.DOWN, "Pump stopped", requester)
    assert period.order is not None
    assert period.order.title == "Pump stopped"
    assert refreshed(pump).status == EntityStatus.DOWN


def test_a_breakdown_report_without_the_box_leaves_the_status(client, pump, site):
    client.force_login(make_role_user("Requester", site=site, username="req"))
    data = {"resource": pump.pk, "title": "Noisy", "description": "", "priority": 2}
    assert client.post(reverse("requests:new"), data).status_code == 302
    assert not DowntimePeriod.objects.exists()
    assert refreshed(pump).status == EntityStatus.IN_SERVICE


def test_only_equipment_can_be_reported_down(site, sup):
    with pytest.raises(ActionNotAllowed):
        services.order_request_corrective(entity=site, user=sup, title="Roof leaks", entity_down=True)


def reported_down(pump, sup, title="Pump stopped"):
    order = services.order_request_corrective(entity=pump, user=sup, title=title, entity_down=True)
    assert refreshed(pump).status == EntityStatus.DOWN
    return order


def test_accepting_the_breakdown_order_ends_its_downtime(pump, sup, tech):
    order = reported_down(pump, sup)
    order = services.order_approve(order=order, user=sup)
    order = services.order_release(order=order, user=sup)
    order = services.order_begin(order=order, user=tech)
    order = services.order_complete(order=order, user=tech)
    period = DowntimePeriod.objects.get(order=order)
    assert period.ended_at is None  # waiting for acceptance: not repaired yet
    services.order_accept(order=order, user=sup)
    period.refresh_from_db()
    order.refresh_from_db()
    assert (period.ended_at, period.closed_by, period.close_note) == (
        order.closed_at,
        sup,
        f"repaired: {order.number} accepted",
    )
    assert refreshed(pump).status == EntityStatus.IN_SERVICE


def test_a_joined_breakdown_order_hands_its_downtime_to_the_order_it_joins(pump, sup):
    first = reported_down(pump, sup)
    duplicate = services.order_request_corrective(entity=pump, user=sup, title="Pump stopped again")
    period = DowntimePeriod.objects.get(ended_at__isnull=True)
    assert period.order == first
    services.order_join(order=first, into=duplicate, user=sup)
    period.refresh_from_db()
    assert (period.order, period.ended_at) == (duplicate, None)
    assert refreshed(pump).status == EntityStatus.DOWN


def test_a_canceled_breakdown_order_leaves_the_asset_down(pump, sup):
    order = reported_down(pump, sup)
    services.order_cancel(order=order, user=sup, reason="Reported twice")
    assert DowntimePeriod.objects.get(order=order).ended_at is None
    assert refreshed(pump).status == EntityStatus.DOWN


# --- The resource page -------------------------------------------------------------------------
def resource_page(client, resource):
    return client.get(reverse("assets:resource_detail", args=[resource.pk]))


def test_panel_shows_the_open_period_and_the_forms_to_supervisors(client, pump, sup):
    order = planned_order(pump)
    downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Bearing seized", user=sup, order=order)
    client.force_login(sup)
    page = resource_page(client, pump).content.decode()
    assert 'id="downtime"' in page
    assert "Bearing seized" in page
    assert reverse("orders:detail", args=[order.pk]) in page
    assert reverse("orders:downtime_close", args=[pump.pk]) in page
    assert reverse("orders:downtime_open", args=[pump.pk]) in page


def test_panel_is_read_only_for_technicians_and_hidden_from_requesters(client, pump, sup, tech, site):
    downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Bearing seized", user=sup)
    client.force_login(tech)
    page = resource_page(client, pump).content.decode()
    assert "Bearing seized" in page
    assert reverse("orders:downtime_close", args=[pump.pk]) not in page
    client.force_login(make_role_user("Requester", site=site, username="req"))
    assert 'id="downtime"' not in resource_page(client, pump).content.decode()


def test_panel_empty_state_and_paging(client, pump, sup):
    client.force_login(sup)
    assert "No downtime recorded." in resource_page(client, pump).content.decode()
    for day in range(1, 13):
        DowntimePeriod.objects.create(
            resource=pump,
            kind="down",
            reason=f"reason {day:02d}",
            started_at=at(2025, 1, day),
            ended_at=at(2025, 1, day, 5),
        )
    first = resource_page(client, pump).content.decode()
    assert "reason 12" in first
    assert "reason 01" not in first
    second = client.get(reverse("assets:resource_detail", args=[pump.pk]), {"downtime_page": 2}).content.decode()
    assert "reason 01" in second
    assert "reason 12" not in second


def test_panel_queries_do_not_grow_with_periods(client, pump, sup, django_assert_max_num_queries):
    client.force_login(sup)
    order = planned_order(pump)

    def add(count):
        for day in range(count):
            DowntimePeriod.objects.create(
                resource=pump, kind="down", reason="r", order=order, opened_by=sup, closed_by=sup,
                started_at=at(2024, 1, 1) + datetime.timedelta(days=day),
                ended_at=at(2024, 1, 1, 5) + datetime.timedelta(days=day),
            )  # fmt: skip

    add(1)
    resource_page(client, pump)  # warm caches (permissions, site ids)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        resource_page(client, pump)
    add(9)
    with django_assert_max_num_queries(len(one)):
        assert resource_page(client, pump).status_code == 200


def test_marking_down_by_hand_and_back_in_service(client, pump, sup):
    client.force_login(sup)
    response = client.post(reverse("orders:downtime_open", args=[pump.pk]), {"kind": "down", "reason": "Leaks"})
    assert response.status_code == 302
    assert response["Location"] == reverse("assets:resource_detail", args=[pump.pk]) + "#downtime"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["P-01 is now down."]
    period = DowntimePeriod.objects.get()
    assert (period.kind, period.reason, period.opened_by, period.order) == ("down", "Leaks", sup, None)
    response = client.post(reverse("orders:downtime_close", args=[pump.pk]), {"note": "Fixed"})
    assert response.status_code == 302
    period.refresh_from_db()
    assert (period.close_note, period.closed_by) == ("Fixed", sup)
    assert refreshed(pump).status == EntityStatus.IN_SERVICE


def test_by_hand_needs_a_reason_and_refusals_are_shown(client, pump, sup):
    client.force_login(sup)
    response = client.post(reverse("orders:downtime_open", args=[pump.pk]), {"kind": "down", "reason": " "})
    assert response.status_code == 400
    assert "Say why the equipment is out of service." in response.content.decode()
    response = client.post(reverse("orders:downtime_close", args=[pump.pk]), {"note": ""})
    assert response.status_code == 409
    assert "is not down or on hold" in response.content.decode()
    assert not DowntimePeriod.objects.exists()


def test_by_hand_is_forbidden_without_change_resource_and_404_for_other_sites(client, pump, foreign_pump, sup, tech):
    client.force_login(tech)
    assert (
        client.post(reverse("orders:downtime_open", args=[pump.pk]), {"kind": "down", "reason": "x"}).status_code == 403
    )
    assert client.post(reverse("orders:downtime_close", args=[pump.pk])).status_code == 403
    client.force_login(sup)
    url = reverse("orders:downtime_open", args=[foreign_pump.pk])
    assert client.post(url, {"kind": "down", "reason": "x"}).status_code == 404
    assert client.get(reverse("orders:downtime_open", args=[pump.pk])).status_code == 405
    assert not DowntimePeriod.objects.exists()


# --- API ---------------------------------------------------------------------------------------
def api(name, *args):
    return reverse(f"api:{name}", args=args)


def test_api_open_and_close(pump, sup):
    client = token_client(sup)
    order = planned_order(pump)
    response = client.post(
        api("downtimeperiod-open"),
        {"resource": pump.pk, "kind": "on_hold", "reason": "Waiting for parts", "order": order.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["order"], body["order_number"], body["ended_at"]) == (
        "on_hold",
        order.pk,
        order.number,
        None,
    )
    assert refreshed(pump).status == EntityStatus.ON_HOLD
    closed = client.post(api("downtimeperiod-close", body["id"]), {"note": "Parts came"}, format="json")
    assert closed.status_code == 200
    assert closed.json()["close_note"] == "Parts came"
    assert closed.json()["ended_at"] is not None
    again = client.post(api("downtimeperiod-close", body["id"]), {}, format="json")
    assert again.status_code == 409
    assert refreshed(pump).status == EntityStatus.IN_SERVICE


def test_api_refuses_bad_input_and_roles_without_the_permission(pump, foreign_pump, sup, tech, site):
    client = token_client(sup)
    assert client.post(api("downtimeperiod-open"), {"kind": "down", "reason": "x"}, format="json").status_code == 400
    foreign = {"resource": foreign_pump.pk, "kind": "down", "reason": "x"}
    assert client.post(api("downtimeperiod-open"), foreign, format="json").status_code == 400
    other_order = planned_order(ResourceFactory(area=site))
    wrong_order = {"resource": pump.pk, "kind": "down", "reason": "x", "order": other_order.pk}
    assert client.post(api("downtimeperiod-open"), wrong_order, format="json").status_code == 400
    mine = {"resource": pump.pk, "kind": "down", "reason": "x"}
    assert token_client(tech).post(api("downtimeperiod-open"), mine, format="json").status_code == 403
    integrator = make_role_user("Integrator", username="integrator")
    assert token_client(integrator).post(api("downtimeperiod-open"), mine, format="json").status_code == 403
    assert not DowntimePeriod.objects.exists()
    period = downtime.downtime_open(entity=pump, kind=DowntimeKind.DOWN, reason="Broke", user=sup)
    assert token_client(tech).post(api("downtimeperiod-close", period.pk), {}, format="json").status_code == 403
    assert token_client(make_role_user("Requester", site=site)).get(api("downtimeperiod-list")).status_code == 403


def test_api_list_is_scoped_filtered_and_constant_in_queries(
    pump, foreign_pump, sup, tech, django_assert_max_num_queries
):
    order = planned_order(pump)
    old = DowntimePeriod.objects.create(
        resource=pump, kind="down", reason="old", order=order, started_at=at(2025, 1, 1), ended_at=at(2025, 1, 2)
    )
    current = downtime.downtime_open(entity=pump, kind=DowntimeKind.ON_HOLD, reason="now", user=sup)
    far = DowntimePeriod.objects.create(resource=foreign_pump, kind="down", reason="far")
    client = token_client(tech)

    def ids(**params):
        response = client.get(api("downtimeperiod-list"), params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {old.pk, current.pk}
    assert ids(open="true") == {current.pk}
    assert ids(open="false") == {old.pk}
    assert ids(kind="down") == {old.pk}
    assert ids(order=order.pk) == {old.pk}
    assert ids(resource=pump.pk) == {old.pk, current.pk}
    assert ids(started_after="2025-06-01T00:00:00Z") == {current.pk}
    assert ids(started_before="2025-06-01T00:00:00Z") == {old.pk}
    assert ids(updated_since=(timezone.now() + datetime.timedelta(hours=1)).isoformat()) == set()
    assert client.get(api("downtimeperiod-detail", far.pk)).status_code == 404
    assert client.get(api("downtimeperiod-detail", old.pk)).json()["order_number"] == order.number
    assert (
        token_client(make_role_user("Administrator", username="admin"))
        .get(api("downtimeperiod-detail", far.pk))
        .status_code
        == 200
    )

    for day in range(20):
        DowntimePeriod.objects.create(
            resource=pump, kind="down", reason="r", order=order,
            started_at=at(2024, 1, 1) + datetime.timedelta(days=day),
            ended_at=at(2024, 1, 1, 5) + datetime.timedelta(days=day),
        )  # fmt: skip
    with django_assert_max_num_queries(6):
        response = client.get(api("downtimeperiod-list"))
    assert len(response.json()["results"]) == 22


def test_roles_carry_the_downtime_permissions(site):
    assert make_role_user("Technician", site=site).has_perm("orders.view_downtimeperiod")
    assert not make_role_user("Technician", site=site).has_perm("orders.add_downtimeperiod")
    supervisor = make_role_user("Supervisor", site=site)
    assert supervisor.has_perms(
        ["orders.view_downtimeperiod", "orders.add_downtimeperiod", "orders.change_downtimeperiod"]
    )
    integrator = make_role_user("Integrator")
    assert integrator.has_perm("orders.view_downtimeperiod")
    assert not integrator.has_perm("orders.add_downtimeperiod")
    assert make_role_user("Administrator").has_perm("orders.delete_downtimeperiod")
    assert not make_role_user("Requester", site=site).has_perm("orders.view_downtimeperiod")


def test_a_breakdown_reported_through_the_api_can_say_the_asset_is_down(pump, site):
    client = token_client(make_role_user("Integrator"))
    response = client.post(
        api("workorder-list"), {"resource": pump.pk, "title": "Pump tripped", "entity_down": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    period = DowntimePeriod.objects.get(resource=pump, ended_at__isnull=True)
    assert (period.kind, period.order_id) == (DowntimeKind.DOWN, response.json()["id"])
    assert refreshed(pump).status == EntityStatus.DOWN
    quiet = client.post(api("workorder-list"), {"resource": pump.pk, "title": "Noisy"}, format="json")
    assert quiet.status_code == 201
    assert DowntimePeriod.objects.filter(resource=pump).count() == 1
