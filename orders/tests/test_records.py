"""Recording work on an order: assignments, labour, checklist answers, data, parts, comments, files."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.errors import ActionForbidden, ActionNotAllowed
from inventory.factories import PartFactory
from orders import records, services
from orders.factories import in_progress_order, planned_order, released_order
from orders.filters import WorkOrderFilterSet
from orders.models import Assignment, LabourEntry, WorkOrder
from people.factories import EmployeeFactory, make_role_user
from people.models import Employee
from plans.factories import ActivityFactory, ChecklistItemFactory, DataParameterFactory
from plans.models import ChecklistItemKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def resource(site):
    return ResourceFactory(area=AreaFactory(parent=site))


@pytest.fixture
def tech(site):
    user = make_role_user("Technician", site=site, username="tech")
    Employee.objects.filter(user=user).update(hourly_rate=Decimal("40.00"), currency="EUR")
    return user


@pytest.fixture
def sup(site):
    return make_role_user("Supervisor", site=site, username="sup")


@pytest.fixture
def order(resource, sup, tech):
    activity = ActivityFactory()
    ChecklistItemFactory(activity=activity, text="Valve closed")
    ChecklistItemFactory(activity=activity, text="Pressure", number=True)
    DataParameterFactory(activity=activity, name="Bearing temperature")
    return in_progress_order(resource, sup, tech, activity=activity)


def test_checklist_and_data_then_complete(order, tech):
    check, pressure = order.activity.checklist_items.order_by("position", "id")
    parameter = order.activity.data_parameters.get()
    with pytest.raises(ActionNotAllowed, match="Valve closed"):
        services.order_complete(order=order, user=tech)

    records.checklist_answer(order=order, item=check, user=tech, done=True)
    answer = records.checklist_answer(order=order, item=pressure, user=tech, number="7,5")
    assert answer.number == Decimal("7.5")
    assert answer.within_limits is False
    answer = records.checklist_answer(order=order, item=pressure, user=tech, number="4")
    assert answer.within_limits is True
    assert order.checklist_answers.count() == 2  # answering again corrects, it does not add

    value = records.data_value_record(order=order, parameter=parameter, value="65", user=tech)
    assert value.evaluation == "warning"
    value = records.data_value_record(order=order, parameter=parameter, value=Decimal(90), user=tech)
    assert value.evaluation == "action"
    assert order.data_values.count() == 1

    services.order_complete(order=order, user=tech)
    order.refresh_from_db()
    assert order.execution_state == "waiting_for_acceptance"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({}, "done"), ({"number": "abc"}, "number"), ({"number": ""}, "number")],
)
def test_bad_answers_name_the_field(order, tech, kwargs, field):
    check, pressure = order.activity.checklist_items.order_by("position", "id")
    item = check if field == "done" else pressure
    with pytest.raises(ValidationError) as excinfo:
        records.checklist_answer(order=order, item=item, user=tech, **kwargs)
    assert field in excinfo.value.message_dict
    assert not order.checklist_answers.exists()


def test_pass_fail_text_and_photo_items(resource, sup, tech):
    activity = ActivityFactory()
    pass_fail = ChecklistItemFactory(activity=activity, kind=ChecklistItemKind.PASS_FAIL)
    text = ChecklistItemFactory(activity=activity, kind=ChecklistItemKind.TEXT)
    photo = ChecklistItemFactory(activity=activity, kind=ChecklistItemKind.PHOTO)
    order = in_progress_order(resource, sup, tech, activity=activity)
    with pytest.raises(ValidationError):
        records.checklist_answer(order=order, item=pass_fail, user=tech)
    with pytest.raises(ValidationError):
        records.checklist_answer(order=order, item=text, user=tech, text="   ")
    with pytest.raises(ValidationError):
        records.checklist_answer(order=order, item=photo, user=tech)
    assert records.checklist_answer(order=order, item=pass_fail, user=tech, passed=False).display_value == "fail"
    assert records.checklist_answer(order=order, item=text, user=tech, text=" leak at flange ").text == "leak at flange"
    image = SimpleUploadedFile("valve.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")
    assert records.checklist_answer(order=order, item=photo, user=tech, photo=image).photo


def test_items_of_another_activity_are_refused(order, tech):
    other = ChecklistItemFactory()
    with pytest.raises(ValidationError, match="not on this work order"):
        records.checklist_answer(order=order, item=other, user=tech, done=True)
    with pytest.raises(ValidationError, match="not collected"):
        records.data_value_record(order=order, parameter=DataParameterFactory(), value=1, user=tech)


def test_recording_needs_the_order_in_progress_and_the_right_role(resource, sup, tech, site):
    activity = ActivityFactory()
    item = ChecklistItemFactory(activity=activity)
    order = released_order(resource, sup, activity=activity)
    with pytest.raises(ActionNotAllowed, match="in progress"):
        records.checklist_answer(order=order, item=item, user=tech, done=True)
    services.order_begin(order=order, user=tech)
    requester = make_role_user("Requester", site=site)
    with pytest.raises(ActionForbidden):
        records.checklist_answer(order=order, item=item, user=requester, done=True)
    stranger = make_role_user("Technician", site=SiteFactory())
    with pytest.raises(ActionForbidden):
        records.checklist_answer(order=order, item=item, user=stranger, done=True)
    # The owner role may correct an answer.
    assert records.checklist_answer(order=order, item=item, user=sup, done=True).answered_by == sup


def test_labour_clock_and_hours_with_cost(order, tech, resource, sup):
    start = timezone.now() - datetime.timedelta(hours=2)
    entry = records.labour_start(order=order, user=tech, now=start)
    other = in_progress_order(resource, sup, tech)
    with pytest.raises(ActionNotAllowed, match=order.number):
        records.labour_start(order=other, user=tech)
    with pytest.raises(ActionNotAllowed, match="not running"):
        records.labour_stop(order=other, user=tech)
    entry = records.labour_stop(order=order, user=tech, now=start + datetime.timedelta(minutes=90))
    assert entry.hours == Decimal("1.50")
    assert entry.cost == Decimal("60.00")
    assert entry.currency == "EUR"

    added = records.labour_add(order=order, user=tech, hours="0,25", note="paperwork")
    assert added.hours == Decimal("0.25")
    assert added.cost == Decimal("10.00")
    for bad in ("0", "-1", "25", "x"):
        with pytest.raises(ValidationError) as excinfo:
            records.labour_add(order=order, user=tech, hours=bad)
        assert "hours" in excinfo.value.message_dict
    assert LabourEntry.objects.filter(order=order).count() == 2


def test_only_the_owner_records_someone_elses_hours(order, tech, sup, site):
    colleague = Employee.objects.get(user__username="sup")
    with pytest.raises(ActionForbidden):
        records.labour_add(order=order, user=tech, hours=1, employee=colleague)
    tech_employee = Employee.objects.get(user=tech)
    assert records.labour_add(order=order, user=sup, hours=1, employee=tech_employee).employee == tech_employee


def test_used_parts_take_the_part_cost(order, tech):
    part = PartFactory(unit_cost=Decimal("12.50"), currency="EUR")
    used = records.used_part_record(order=order, part=part, quantity="2", user=tech)
    assert (used.unit_cost, used.currency, used.quantity) == (Decimal("12.50"), "EUR", Decimal(2))
    with pytest.raises(ValidationError) as excinfo:
        records.used_part_record(order=order, part=part, quantity="0", user=tech)
    assert "quantity" in excinfo.value.message_dict


def test_assign_replaces_and_checks_the_site(order, sup, tech, site):
    tech_employee = Employee.objects.get(user=tech)
    elsewhere = EmployeeFactory()
    elsewhere.sites.add(SiteFactory())
    # The technician who began the work is on it already; a refused assignment changes nothing.
    assert list(Assignment.objects.filter(order=order).values_list("employee", flat=True)) == [tech_employee.pk]
    with pytest.raises(ValidationError) as excinfo:
        records.order_assign(order=order, employees=[tech_employee, elsewhere], user=sup)
    assert str(elsewhere) in str(excinfo.value)
    assert list(Assignment.objects.filter(order=order).values_list("employee", flat=True)) == [tech_employee.pk]
    assert [a.employee for a in records.order_assign(order=order, employees=[tech_employee], user=sup)] == [
        tech_employee
    ]
    assert records.order_assign(order=order, employees=[], user=sup) == []
    with pytest.raises(ActionForbidden):
        records.order_assign(order=order, employees=[tech_employee], user=tech)


def test_comments_and_attachments(order, tech, site):
    requester = make_role_user("Requester", site=site)
    comment = records.comment_add(order=order, user=requester, text="  Still leaking?  ")
    assert comment.text == "Still leaking?"
    with pytest.raises(ValidationError):
        records.comment_add(order=order, user=requester, text=" ")
    with pytest.raises(ActionForbidden):
        records.comment_add(order=order, user=make_role_user("Requester", site=SiteFactory()), text="hi")
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = records.attachment_add(order=order, user=tech, file=upload, title="Report")
    assert attachment.record == order
    assert attachment.size > 0
    with pytest.raises(ValidationError) as excinfo:
        records.attachment_add(order=order, user=tech, file=SimpleUploadedFile("x.exe", b"MZ"))
    assert "file" in excinfo.value.message_dict


def test_filters_by_state_assignment_and_search(resource, sup, tech, site, rf):
    mine = in_progress_order(resource, sup, tech)
    records.order_assign(order=mine, employees=[Employee.objects.get(user=tech)], user=sup)
    unassigned = released_order(resource, sup)
    closed = planned_order(resource)
    services.order_reject(order=closed, user=sup, reason="duplicate")
    request = rf.get("/")
    request.user = tech

    def numbers(**data):
        queryset = WorkOrder.objects.visible_to(tech)
        return {o.number for o in WorkOrderFilterSet(data, queryset=queryset, request=request).qs}

    assert numbers(assigned="me") == {mine.number}
    assert numbers(assigned="my_role", status="open") == {mine.number, unassigned.number}
    assert numbers(status="closed") == {closed.number}
    assert numbers(execution_state=["released"]) == {unassigned.number}
    assert numbers(q=mine.number) == {mine.number}
    assert numbers(area=resource.area_id, status="open") == {mine.number, unassigned.number}
    assert numbers(site=site.pk) == {mine.number, unassigned.number, closed.number}
    assert not WorkOrderFilterSet({"site": SiteFactory().pk}, request=request).is_valid()
