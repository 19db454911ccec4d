"""Work-order journeys in real Chromium: the technician's order, the supervisor's queue, the rework loop,
the planner's calendar, a breakdown report reaching the queue, and a forbidden action refused."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assets.factories import AreaFactory, CounterFactory, ResourceFactory, SiteFactory
from core.roles import PLANNER, REQUESTER, SUPERVISOR, TECHNICIAN
from core.testing import TEST_PASSWORD, force_update
from inventory.factories import PartFactory
from people.factories import make_role_user
from people.signature_models import Signature
from people.signatures import verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def works(role_groups):
    """A site with a pump, its counter, a part; a technician, a supervisor, a planner and a requester."""
    from plans.factories import ActivityFactory, BillOfPartsLineFactory, ChecklistItemFactory, DataParameterFactory
    from plans.models import ChecklistItemKind

    site = SiteFactory(name="Kisumu water works")
    plant = AreaFactory(parent=site, code="PLANT", name="Treatment plant")
    pump = ResourceFactory(tag="P-0101", name="Raw water pump 1", area=plant)
    CounterFactory(resource=pump, name="Operating hours", unit="h")
    activity = ActivityFactory(name="Monthly pump inspection", instructions="Isolate the pump before opening it.")
    ChecklistItemFactory(activity=activity, position=1, text="Suction valve closed")
    ChecklistItemFactory(
        activity=activity,
        position=2,
        text="Discharge pressure",
        kind=ChecklistItemKind.NUMBER,
        unit="bar",
        lower_limit=Decimal(2),
        upper_limit=Decimal(8),
    )
    DataParameterFactory(activity=activity, name="Bearing temperature")
    BillOfPartsLineFactory(
        activity=activity, part=PartFactory(part_number="SEAL-01", description="Mechanical seal"), quantity=1
    )
    return {
        "site": site,
        "plant": plant,
        "pump": pump,
        "activity": activity,
        "technician": make_role_user(TECHNICIAN, site=site, username="tom-technician", first_name="Tom"),
        "supervisor": make_role_user(SUPERVISOR, site=site, username="samuel-supervisor"),
        "planner": make_role_user(PLANNER, site=site, username="paula-planner"),
        "requester": make_role_user(REQUESTER, site=site, username="rose-requester"),
    }


def log_in(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def open_nav(page: Page, name: str) -> None:
    """Through the main navigation, which is a "Menu" on a phone."""
    menu = page.locator(".nav-narrow")
    if menu.is_visible():
        menu.get_by_text("Menu", exact=True).click()
        menu.get_by_role("link", name=name, exact=True).click()
    else:
        page.locator(".nav-wide").get_by_role("link", name=name, exact=True).click()


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    page.wait_for_load_state()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width} px wide in a {width} px viewport"


def released(works, resource=None, **fields):
    """A released order of the monthly inspection (a plan applies once per entity: one order per resource)."""
    from orders import services
    from orders.factories import released_order

    order = released_order(resource or works["pump"], works["supervisor"], activity=works["activity"], **fields)
    services.copy_planned_parts(order)
    return order


def test_technician_completes_an_order_on_a_phone(page: Page, live_server, works, screenshot):
    from assets.models import Reading
    from orders.models import ExecutionState, LabourEntry, UsedPart, WorkOrder

    order = released(works, due_at=timezone.now() + datetime.timedelta(hours=5))
    base = live_server.url
    page.set_viewport_size(PHONE)
    log_in(page, base, "tom-technician")
    expect(page.get_by_role("link", name=re.compile(order.number))).to_be_visible()  # on the landing page
    open_nav(page, "My work")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("orders-my-work-phone")
    page.get_by_role("link", name=re.compile(order.number)).click()

    expect(page.get_by_text("Work is recorded", exact=False)).to_have_count(0)
    page.get_by_role("button", name="Begin work").click()
    expect(page.get_by_text(f"Work on {order.number} has begun.")).to_be_visible()

    # The checklist, answered in place (htmx): an out-of-limit value stands out at once.
    valve = page.locator("li.check-item", has_text="Suction valve closed")
    valve.get_by_role("button", name="Done", exact=True).click()
    expect(page.locator("li.check-item", has_text="Suction valve closed").locator(".badge")).to_have_text("done")
    pressure = page.locator("li.check-item", has_text="Discharge pressure")
    expect(pressure.get_by_text("Limits: 2 – 8 bar")).to_be_visible()
    pressure.get_by_label("Discharge pressure").fill("9.5")
    pressure.get_by_role("button", name="Save").click()
    expect(page.locator("li.check-item.out-of-limits").get_by_text("Out of limits")).to_be_visible()
    page.locator("li.data-row").get_by_label(re.compile("Bearing temperature")).fill("70")
    page.locator("li.data-row").get_by_role("button", name="Save").click()
    expect(page.locator("li.data-row .badge")).to_contain_text("Warning")
    screenshot("orders-detail-checklist-phone")

    # A reading, a part, the clock and some hours: each goes through its service.
    page.get_by_text("Enter a reading").click()
    page.get_by_label("Reading", exact=True).fill("1520")
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text("Reading recorded.")).to_be_visible()
    page.get_by_text("Add a part used").click()
    page.get_by_label("Part number").fill("SEAL-01")
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add part").click()
    expect(page.get_by_text("Part recorded.")).to_be_visible()
    page.get_by_role("button", name="Start clock").click()
    expect(page.get_by_text("clock running")).to_be_visible()
    page.get_by_role("button", name="Stop clock").click()
    expect(page.get_by_text(re.compile(r"Clock stopped: .* h recorded\."))).to_be_visible()
    page.locator("#labour").get_by_text("Add hours").first.click()
    page.get_by_label("Hours").fill("30")
    page.locator("#labour").get_by_role("button", name="Add hours").click()
    expect(page.get_by_text("Hours must be more than 0 and at most 24 per entry.")).to_be_visible()
    page.get_by_label("Hours").fill("1.5")
    page.locator("#labour").get_by_role("button", name="Add hours").click()
    expect(page.get_by_text("Hours recorded.")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("orders-detail-in-progress-phone")

    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_text(f"{order.number} completed; it now waits for acceptance.")).to_be_visible()
    expect(page.get_by_role("button", name="Complete")).to_have_count(0)
    page.set_viewport_size(DESKTOP)
    screenshot("orders-detail-completed-desktop")

    order = WorkOrder.objects.get(pk=order.pk)
    assert order.execution_state == ExecutionState.WAITING_FOR_ACCEPTANCE
    assert Reading.objects.get().value == Decimal(1520)
    assert UsedPart.objects.get(order=order).part.part_number == "SEAL-01"
    assert LabourEntry.objects.filter(order=order, hours=Decimal("1.50")).exists()


def test_supervisor_approves_releases_assigns_accepts_with_signature_and_reworks(
    page: Page, live_server, works, screenshot
):
    from orders import services
    from orders.models import ChecklistAnswer, DataValue, ExecutionState, WorkOrder
    from plans.models import Activity

    force_update(Activity.objects.filter(pk=works["activity"].pk), requires_signature=True)
    activity = Activity.objects.get(pk=works["activity"].pk)
    supervisor, technician = works["supervisor"], works["technician"]
    first = services.order_request_corrective(entity=works["pump"], user=works["requester"], title="Seal leaks")
    second = services.order_request_corrective(entity=works["pump"], user=works["requester"], title="Noisy bearing")
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "samuel-supervisor")
    open_nav(page, "Queue")
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    screenshot("orders-queue-approval-desktop")

    # Bulk approve both (ticked all at once), then release one from its tab, and assign the technician.
    page.get_by_label("Tick all on this page").check()
    expect(page.get_by_label(f"Tick {first.number}")).to_be_checked()
    expect(page.get_by_label(f"Tick {second.number}")).to_be_checked()
    page.get_by_role("button", name="Approve ticked").click()
    expect(page.get_by_text(re.compile(rf"Approved: {first.number}, {second.number}\."))).to_be_visible()
    page.get_by_role("link", name=re.compile("To release")).click()
    page.locator(f"#order-{first.pk}").get_by_role("button", name="Release").click()
    expect(page.get_by_text(f"{first.number} released.")).to_be_visible()
    page.get_by_role("link", name=re.compile("To release")).click()
    page.locator(f"#order-{second.pk}").get_by_role("button", name="Assign").click()
    expect(page.locator(".assign-choice", has_text="tom-technician").get_by_text("0 open orders")).to_be_visible()
    page.get_by_label(re.compile("tom-technician")).check()
    screenshot("orders-assign-desktop")
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("orders-assign-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Save assignment").click()
    expect(page.get_by_text(f"Assignment of {second.number} saved.")).to_be_visible()

    # A planned order needing a signature is done by the technician (through the services).
    planned = released(works)
    services.order_begin(order=planned, user=technician)
    for item in activity.checklist_items.all():
        ChecklistAnswer.objects.create(order=planned, item=item, done=True, number=Decimal(5))
    DataValue.objects.create(order=planned, parameter=activity.data_parameters.get(), value=Decimal(30))
    services.order_complete(order=planned, user=technician)
    work = services.order_begin(order=WorkOrder.objects.get(pk=first.pk), user=technician)
    services.order_complete(order=work, user=technician)

    page.goto(f"{base}/orders/queue/?tab=acceptance")
    expect(page.locator(f"#order-{planned.pk}")).to_be_visible()
    row = page.locator(f"#order-{planned.pk}")
    row.get_by_text("Accept with signature").click()
    row.get_by_label("Your password (signature)").fill("not my password")
    row.get_by_role("button", name="Sign and accept").click()
    expect(page.get_by_text("The password is wrong.")).to_be_visible()
    row = page.locator(f"#order-{planned.pk}")
    row.get_by_text("Accept with signature").click()
    row.get_by_label("Your password (signature)").fill(TEST_PASSWORD)
    screenshot("orders-queue-accept-signature-desktop")
    row.get_by_role("button", name="Sign and accept").click()
    expect(page.get_by_text(f"{planned.number} accepted and closed.")).to_be_visible()
    planned.refresh_from_db()
    assert planned.execution_state == ExecutionState.CLOSED
    signature = Signature.objects.of(planned).get()
    assert (signature.signer_id, signature.meaning, verify(signature)) == (supervisor.pk, "accepted", True)

    # The rework loop: sent back with a reason, the rework order comes back to the approval tab.
    row = page.locator(f"#order-{first.pk}")
    row.get_by_text("More actions").click()
    row.get_by_label("Send back for rework: reason").fill("Seal still drips")
    row.get_by_role("button", name="Send back for rework").click()
    expect(page.get_by_text(f"{first.number} sent back for rework.")).to_be_visible()
    rework = WorkOrder.objects.get(rework_of_id=first.pk)
    page.get_by_role("link", name=re.compile("To approve")).click()
    expect(page.get_by_role("link", name=re.compile(rework.number))).to_be_visible()
    page.locator(f"#order-{rework.pk}").get_by_role("button", name="Approve").click()
    page.get_by_role("link", name=re.compile("To release")).click()
    page.locator(f"#order-{rework.pk}").get_by_role("button", name="Release").click()
    expect(page.get_by_text(f"{rework.number} released.")).to_be_visible()
    rework = services.order_begin(order=WorkOrder.objects.get(pk=rework.pk), user=technician)
    services.order_complete(order=rework, user=technician)
    page.get_by_role("link", name=re.compile("To accept")).click()
    page.locator(f"#order-{rework.pk}").get_by_role("button", name="Accept").click()
    expect(page.get_by_text(f"{rework.number} accepted and closed.")).to_be_visible()
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name=re.compile("To release")).click()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("orders-queue-phone")


def test_breakdown_report_reaches_the_queue_and_forbidden_actions_are_refused(
    page: Page, live_server, works, screenshot
):
    from orders import services
    from orders.models import ExecutionState, WorkOrder

    base = live_server.url
    page.set_viewport_size(PHONE)
    log_in(page, base, "rose-requester")
    page.goto(f"{base}/requests/new/?resource={works['pump'].pk}")
    page.get_by_label("What is wrong?").fill("Pump leaking at the seal")
    page.get_by_label("Details").fill("Water on the floor since this morning.")
    page.get_by_role("button", name=re.compile("Send|Report|Submit")).click()
    expect(page.get_by_text(re.compile("your request .* was sent"))).to_be_visible()
    report = WorkOrder.objects.get(title="Pump leaking at the seal")

    # The requester can see the order but not approve it: the server says no, whatever the page shows.
    page.goto(f"{base}/orders/{report.pk}/")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    token = page.context.cookies()
    csrf = next(cookie["value"] for cookie in token if cookie["name"] == "csrftoken")
    refused = page.request.post(
        f"{base}/orders/{report.pk}/approve/", headers={"X-CSRFToken": csrf, "Referer": f"{base}/"}
    )
    assert refused.status == 403
    # Another site's order, by a guessed id, does not exist for this user.
    elsewhere = ResourceFactory(area=AreaFactory(parent=SiteFactory(name="Elsewhere")))
    foreign = services.order_request_corrective(
        entity=elsewhere, user=make_role_user(SUPERVISOR, site=elsewhere.area.site), title="Not yours"
    )
    assert page.goto(f"{base}/orders/{foreign.pk}/").status == 404
    assert (
        page.request.post(
            f"{base}/orders/{foreign.pk}/cancel/", headers={"X-CSRFToken": csrf, "Referer": f"{base}/"}
        ).status
        == 404
    )
    assert WorkOrder.objects.get(pk=report.pk).execution_state == ExecutionState.REQUESTED

    log_in(page, base, "samuel-supervisor")
    # On the order page the supervisor sees the decisions a request allows, each with its reason field.
    page.goto(f"{base}/orders/{report.pk}/")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    expect(page.get_by_text("Reject", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("orders-detail-requested-phone")
    page.goto(f"{base}/orders/queue/")
    row = page.locator(f"#order-{report.pk}")
    expect(row.get_by_text("reported by rose-requester")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("orders-queue-breakdown-phone")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"{report.number} approved.")).to_be_visible()


def test_planner_finds_a_late_order_on_the_calendar(page: Page, live_server, works, screenshot):
    from orders.models import WorkOrder

    now = timezone.now()
    late = released(works, due_at=now - datetime.timedelta(days=1))
    WorkOrder.objects.filter(pk=late.pk).update(schedule_state="late_due")
    second_pump = ResourceFactory(tag="P-0102", name="Raw water pump 2", area=works["plant"])
    on_time = released(works, resource=second_pump, due_at=now + datetime.timedelta(days=1))
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "paula-planner")
    open_nav(page, "Calendar")
    late_link = page.locator("a.cal-order.sched-late_due", has_text=late.number)
    expect(late_link).to_be_visible()
    expect(page.locator("a.cal-order", has_text=on_time.number)).to_be_visible()
    screenshot("orders-calendar-month-desktop")
    page.get_by_role("link", name="Week", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Week"))).to_be_visible()
    screenshot("orders-calendar-week-desktop")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Month", exact=True).click()
    # The click navigates: wait for the month page before measuring it (the old page may be half gone).
    expect(page.get_by_role("heading", name=re.compile("Week"))).to_have_count(0)
    expect(page.locator("a.cal-order.sched-late_due", has_text=late.number)).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("orders-calendar-month-phone")
    page.locator("a.cal-order.sched-late_due", has_text=late.number).click()
    expect(page.get_by_role("heading", name=re.compile(late.number))).to_be_visible()
    expect(page.locator(".badge.sched-late_due")).to_have_text("Late due")
    page.goto(f"{base}/orders/backlog/")
    expect(page.get_by_role("link", name=re.compile(late.number))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(on_time.number))).to_have_count(0)
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("orders-backlog-phone")
