"""Every model registered in the Django admin: its pages render for an Administrator, in few queries, and
are refused to roles that may not see them. New registrations are covered by iterating the registry."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token, TokenProxy
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from assets.admin import READINGS_SHOWN
from assets.factories import (
    AreaFactory,
    ContainerFactory,
    CounterFactory,
    MaterialFactory,
    ReadingFactory,
    ResourceFactory,
    ResourceTypeFactory,
    SiteFactory,
)
from assets.models import Area, AreaKind, Attachment, Counter, Reading, Resource
from core.models import DocumentSequence, Notification
from core.roles import ADMINISTRATOR, ROLE_PERMISSIONS, TECHNICIAN
from core.testing import TEST_PASSWORD, UserFactory
from exchange.feeds import calendar_feed_create
from exchange.models import (
    Attribute,
    ColumnMapping,
    DocumentReference,
    ExternalRef,
    FeedKind,
    ImportRun,
    System,
    ZoneSpace,
)
from inventory.factories import (
    BudgetFactory,
    ContractFactory,
    PartFactory,
    StockLocationFactory,
    VendorFactory,
    balance_row,
    cost_entry_row,
    movement_row,
    purchase_order_row,
    purchase_request_row,
    reservation_row,
)
from inventory.models import PurchaseOrderLine, SparePart
from investment.factories import ResourceLifecycleFactory, TypeLifecycleFactory, investment_settings
from investment.models import AssessedResource
from mms.models import Heartbeat
from orders.models import (
    ActionLog,
    Assignment,
    ChecklistAnswer,
    Comment,
    DataValue,
    DowntimeKind,
    DowntimePeriod,
    FailureCode,
    FailureKind,
    LabourEntry,
    PlannedPart,
    SchedulerRun,
    UsedPart,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    WorkOrder,
)
from orders.services import allocate_order_numbers
from people.factories import CertificationFactory, EmployeeCertificationFactory, EmployeeFactory, make_role_user
from people.models import ConsentPurpose, Employee, LocationTrace, PrivacyAction, PrivacyLog, RoleStamp
from people.privacy import photo_mark_person, record_consent
from people.signature_models import SigningAttempts
from people.signatures import sign
from plans.factories import (
    ActivityActionFactory,
    ActivityFactory,
    BillOfPartsLineFactory,
    ChangeSetFactory,
    ChecklistItemFactory,
    DataParameterFactory,
    PersonnelRequirementFactory,
    PlanVersionFactory,
    apply_plan,
    effective_plan,
)
from plans.models import ActivityAction, BillOfPartsLine, ChecklistItem, DataParameter, PersonnelRequirement
from reports.models import ReportSubscription

pytestmark = pytest.mark.django_db

OUR_APPS = ("assets", "people", "inventory", "plans", "orders", "exchange", "investment", "mms")
# Edited only on their parent's page (an activity's), so they have no admin of their own.
INLINE_ONLY = {
    ChecklistItem,
    BillOfPartsLine,
    DataParameter,
    PersonnelRequirement,
    ActivityAction,
    Assignment,
    ChecklistAnswer,
    DataValue,
    LabourEntry,
    PlannedPart,
    UsedPart,
    Comment,
    PurchaseOrderLine,
}
REGISTRY: list[tuple[type[models.Model], admin.ModelAdmin[Any]]] = sorted(
    admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower
)
REGISTERED = [model for model, _model_admin in REGISTRY]
# Pages the Administrator may not add to, and why; everything else must be addable.
NOT_ADDABLE = {
    "people.signature": "written only by a signed action (people.signatures.sign); append-only",
    "people.signingattempts": "counted by people.signatures when a signature is refused",
    "mms.heartbeat": "written only by the Celery heartbeat task",
    "plans.planversion": "made by plan_create and the admin action that copies a version into a new draft",
    "auth.group": "roles are kept by migrations; Administrators only view them",
    "core.notification": "raised by the system for a person",
    "core.documentsequence": "advanced when order and purchase numbers are handed out",
    "orders.workorder": "made by the scheduler and the request screens, through the services",
    "orders.actionlog": "written by the scheduler when a schedule transition fires an action",
    "orders.schedulerrun": "written by the scheduler jobs",
    "orders.webhookdelivery": "written when an event is sent to a subscription",
    "orders.downtimeperiod": "opened and closed by the downtime services (resource page, API, hold action, reports)",
    "inventory.stockbalance": "kept by the stock services with every movement",
    "investment.assessedresource": "health and risk are computed from the resources and their work",
    "inventory.stockmovement": "the ledger is written only by the stock services",
    "inventory.reservation": "made when an order is released, through the services",
    "inventory.purchaserequest": "raised by the reorder check and the purchasing screens",
    "inventory.purchaseorder": "made on the purchasing screens, through the services",
    "exchange.calendarfeed": "made by its owner on the Calendar feeds screen, the only place its address is shown",
    "exchange.importrun": "made by importing a file (Data exchange screen, API, import_data)",
    "exchange.externalref": "kept by the importers: which record each row of a file became",
    "axes.accessattempt": "written by the login lockout; an administrator deletes one to unlock",
    "axes.accesslog": "written at each login and logout",
    "axes.accessfailurelog": "written at each failed login",
    "otp_totp.totpdevice": "set up by its owner on the Two-factor screen, the only place its secret is shown",
    "people.locationtrace": "kept by location_record, only with the person's consent",
    "people.privacylog": "written by the export and anonymisation services",
}
# Related models with too many rows for a plain select box.
LONG_LISTS = {Area, Resource, Counter, Employee, User}
MAX_CHANGELIST_QUERIES = 15
# Models of one row only (the organisation's settings): their changelist holds that row however often made.
SINGLE_ROW = {"investment.investmentsettings"}
_numbers = itertools.count(1)


def attachment_row() -> Attachment:
    resource = ResourceFactory()
    return Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(Resource),
        object_id=resource.pk,
        file=SimpleUploadedFile("manual.pdf", b"%PDF-1.4 manual", content_type="application/pdf"),
        title=f"Manual {next(_numbers)}",
        uploaded_by=UserFactory(),
    )


def periodic_task_row() -> PeriodicTask:
    n = next(_numbers)
    return PeriodicTask.objects.create(
        name=f"Task {n}",
        task="mms.tasks.heartbeat",
        interval=IntervalSchedule.objects.create(every=n, period=IntervalSchedule.MINUTES),
    )


def activity_row() -> models.Model:
    """A draft activity carrying one of everything, so its page shows every inline."""
    activity = ActivityFactory()
    for factory_class in (
        ChecklistItemFactory,
        BillOfPartsLineFactory,
        DataParameterFactory,
        PersonnelRequirementFactory,
        ActivityActionFactory,
    ):
        factory_class(activity=activity)
    return activity


def work_order_row() -> models.Model:
    resource = ResourceFactory()
    order = WorkOrder.objects.create(
        number=allocate_order_numbers(1)[0], site=resource.area.site, resource=resource, title="Pump tripped"
    )
    ActionLog.objects.create(order=order, kind="notify", transition="due", settings={"recipients": ["owner_role"]})
    return order


def person_in_photo_row() -> models.Model:
    """A photo marked as showing an employee who consents to photos."""
    employee = EmployeeFactory()
    record_consent(employee=employee, purpose=ConsentPurpose.PHOTOS, given=True, notice_version="2026-03")
    attachment = attachment_row()
    Attachment.objects.filter(pk=attachment.pk).update(mime_type="image/png")
    attachment.refresh_from_db()
    return photo_mark_person(attachment=attachment, employee=employee)


_spare_rows = itertools.count()


def spare_part_row() -> models.Model:
    """Every other row belongs to a resource (of a type), the others to a type."""
    kind = ResourceTypeFactory()
    owner = {"resource": ResourceFactory(resource_type=kind)} if next(_spare_rows) % 2 else {"resource_type": kind}
    return SparePart.objects.create(part=PartFactory(), quantity=Decimal(2), **owner)


# One way to make a row of each registered model, with whatever it points at.
ROW_MAKERS: dict[str, Callable[[], models.Model]] = {
    "assets.area": lambda: AreaFactory(kind=AreaKind.FLOOR, parent=AreaFactory()),
    "assets.resource": lambda: ResourceFactory(parent=ResourceFactory()),
    "assets.resourcetype": ResourceTypeFactory,
    "assets.container": ContainerFactory,
    "assets.material": MaterialFactory,
    "assets.counter": CounterFactory,
    "assets.reading": lambda: ReadingFactory(entered_by=UserFactory()),
    "assets.attachment": attachment_row,
    "people.employee": lambda: EmployeeFactory(user=UserFactory()),
    "people.certification": CertificationFactory,
    "people.consentrecord": lambda: record_consent(
        employee=EmployeeFactory(), purpose=ConsentPurpose.PHOTOS, given=True, notice_version="2026-03"
    ),
    "people.locationtrace": lambda: LocationTrace.objects.create(
        employee=EmployeeFactory(), latitude=Decimal("-0.1"), longitude=Decimal("34.7"), source="clock_start"
    ),
    "people.personinphoto": person_in_photo_row,
    "people.privacylog": lambda: PrivacyLog.objects.create(
        action=PrivacyAction.EXPORTED, employee=EmployeeFactory(), counts={"people.employee": 1}
    ),
    "people.employeecertification": EmployeeCertificationFactory,
    "people.signature": lambda: sign(ChangeSetFactory(), UserFactory(), password=TEST_PASSWORD, meaning="approved"),
    "people.signingattempts": lambda: SigningAttempts.objects.create(user=UserFactory(), failures=1),
    "inventory.part": PartFactory,
    "inventory.vendor": VendorFactory,
    "inventory.stocklocation": StockLocationFactory,
    "inventory.stockbalance": balance_row,
    "inventory.stockmovement": movement_row,
    "inventory.reservation": reservation_row,
    "core.documentsequence": lambda: DocumentSequence.objects.create(prefix=f"T{next(_numbers)}-"),
    "inventory.purchaserequest": purchase_request_row,
    "inventory.purchaseorder": purchase_order_row,
    "inventory.contract": lambda: ContractFactory(),
    "inventory.costentry": cost_entry_row,
    "inventory.budget": BudgetFactory,
    "inventory.sparepart": spare_part_row,
    "mms.heartbeat": lambda: Heartbeat.objects.create(
        name=f"beat-{next(_numbers)}", beat_at=timezone.now(), worker="celery@host", count=3
    ),
    "plans.changeset": ChangeSetFactory,
    "plans.maintenanceplan": lambda: effective_plan(),
    "plans.planversion": PlanVersionFactory,
    "plans.activity": activity_row,
    "plans.planinstance": lambda: apply_plan(effective_plan(), ResourceFactory())[0],
    "core.notification": lambda: Notification.objects.create(recipient=UserFactory(), title="Order late"),
    "orders.workorder": work_order_row,
    "orders.actionlog": lambda: ActionLog.objects.get(order=work_order_row()),
    "orders.schedulerrun": lambda: SchedulerRun.objects.create(name=f"job-{next(_numbers)}"),
    "orders.webhooksubscription": lambda: WebhookSubscription.objects.create(
        owner=UserFactory(),
        url=f"https://erp.example.com/hook/{next(_numbers)}",
        secret="s" * 32,
        events=[WebhookEvent.ORDER_CREATED],
    ),
    "orders.webhookdelivery": lambda: WebhookDelivery.objects.create(
        subscription=ROW_MAKERS["orders.webhooksubscription"](),
        order=work_order_row(),
        event=WebhookEvent.EXECUTION_TRANSITION,
        transition="approve",
    ),
    "orders.failurecode": lambda: FailureCode.objects.create(
        kind=FailureKind.CAUSE, code=f"WEAR-{next(_numbers)}", name="Wear"
    ),
    "orders.downtimeperiod": lambda: DowntimePeriod.objects.create(
        resource=ResourceFactory(), kind=DowntimeKind.DOWN, reason="Seal leaks", order=work_order_row()
    ),
    "exchange.calendarfeed": lambda: calendar_feed_create(user=make_role_user(TECHNICIAN), kind=FeedKind.ASSIGNED).feed,
    "exchange.importrun": lambda: ImportRun.objects.create(format="csv", original_name="parts.csv"),
    "exchange.externalref": lambda: ExternalRef.objects.create(
        scheme="cobie", scope="Duplex", kind="Component", key=f"Pump-{next(_numbers)}", record=ResourceFactory()
    ),
    "exchange.attribute": lambda: Attribute.objects.create(
        record=ResourceFactory(), group="Pset_PumpTypeCommon", name="FlowRate", value="12", unit="l/s"
    ),
    "exchange.documentreference": lambda: DocumentReference.objects.create(
        record=ResourceFactory(), name=f"Pump manual {next(_numbers)}", file_name="pump.pdf"
    ),
    "exchange.zonespace": lambda: ZoneSpace.objects.create(
        zone=AreaFactory(kind=AreaKind.ZONE, parent=AreaFactory()),
        space=AreaFactory(kind=AreaKind.SPACE, parent=AreaFactory()),
    ),
    "investment.typelifecycle": TypeLifecycleFactory,
    "investment.resourcelifecycle": lambda: ResourceLifecycleFactory(planned_replacement_year=2030),
    "investment.investmentsettings": investment_settings,
    "investment.assessedresource": lambda: AssessedResource.objects.get(pk=ResourceFactory().pk),
    "exchange.system": lambda: System.objects.create(site=SiteFactory(), name=f"Heating {next(_numbers)}"),
    "exchange.columnmapping": lambda: ColumnMapping.objects.create(
        target="resources", name=f"Trunk mains {next(_numbers)}", columns={"tag": "ASSET_ID"}
    ),
    # The token admin addresses a token by its user's id (TokenProxy.pk).
    "authtoken.tokenproxy": lambda: TokenProxy.objects.get(key=Token.objects.create(user=UserFactory()).key),
    "auth.user": UserFactory,
    "auth.group": lambda: Group.objects.create(name=f"Group {next(_numbers)}"),
    "django_celery_beat.periodictask": periodic_task_row,
    "django_celery_beat.intervalschedule": lambda: IntervalSchedule.objects.create(
        every=next(_numbers), period=IntervalSchedule.HOURS
    ),
    "django_celery_beat.crontabschedule": lambda: CrontabSchedule.objects.create(minute=str(next(_numbers) % 60)),
    "django_celery_beat.solarschedule": lambda: SolarSchedule.objects.create(
        event="sunrise", latitude=Decimal(next(_numbers) % 90), longitude=Decimal(36)
    ),
    "django_celery_beat.clockedschedule": lambda: ClockedSchedule.objects.create(
        clocked_time=timezone.now() + datetime.timedelta(days=next(_numbers))
    ),
    "axes.accessattempt": lambda: AccessAttempt.objects.create(
        username=f"user{next(_numbers)}", ip_address="10.0.0.1", user_agent="pytest", failures_since_start=3
    ),
    "axes.accesslog": lambda: AccessLog.objects.create(
        username=f"user{next(_numbers)}", ip_address="10.0.0.1", user_agent="pytest"
    ),
    "axes.accessfailurelog": lambda: AccessFailureLog.objects.create(
        username=f"user{next(_numbers)}", ip_address="10.0.0.1", user_agent="pytest", locked_out=False
    ),
    "otp_totp.totpdevice": lambda: TOTPDevice.objects.create(user=UserFactory(), name="Phone", confirmed=True),
    "reports.reportsubscription": lambda: ReportSubscription.objects.create(
        site=SiteFactory(), recipients=f"ops{next(_numbers)}@example.com"
    ),
}


def make_rows(model: type[models.Model], count: int) -> list[models.Model]:
    label = model._meta.label_lower
    if label not in ROW_MAKERS:
        pytest.fail(f"{label} is registered in the admin: add a row maker for it to ROW_MAKERS")
    return [ROW_MAKERS[label]() for _ in range(count)]


def admin_url(model: type[models.Model], page: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def granted_views(role: str) -> set[str]:
    """``app_label.model`` of every model the role may view, read from the role table."""
    labels = set()
    for app_label, model_name, actions in ROLE_PERMISSIONS[role]:
        if "view" in actions:
            names = (
                [model._meta.model_name for model in apps.get_app_config(app_label).get_models()]
                if model_name == "*"
                else [model_name]
            )
            labels.update(f"{app_label}.{name}" for name in names)
    return labels


@pytest.fixture
def administrator_client(client: Client) -> Client:
    administrator = make_role_user(ADMINISTRATOR)
    assert not administrator.is_superuser
    client.force_login(administrator)
    return client


# --- What is registered, and how ---------------------------------------------------------------
# Kept by the database alone (triggers), never by people: not in the admin.
DATABASE_KEPT = {RoleStamp}


def test_every_model_of_our_apps_is_registered() -> None:
    for app_label in OUR_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if not issubclass(model, HistoricalChanges) and model not in INLINE_ONLY | DATABASE_KEPT:
                assert admin.site.is_registered(model), model
    assert not any(admin.site.is_registered(model) for model in DATABASE_KEPT)


def test_every_registered_model_has_a_row_maker() -> None:
    assert {model._meta.label_lower for model in REGISTERED} <= set(ROW_MAKERS)


def test_models_with_history_show_it_in_the_admin() -> None:
    for model, model_admin in REGISTRY:
        if getattr(model._meta, "simple_history_manager_attribute", None):
            assert isinstance(model_admin, SimpleHistoryAdmin), model


def test_foreign_keys_to_long_lists_use_a_search_widget() -> None:
    for model, model_admin in REGISTRY:
        if model._meta.app_label not in OUR_APPS:
            continue
        for form_admin in [model_admin, *(inline(model, admin.site) for inline in model_admin.inlines)]:
            searchable = {
                *form_admin.raw_id_fields,
                *form_admin.autocomplete_fields,
                *form_admin.filter_horizontal,
                *form_admin.filter_vertical,
                *form_admin.readonly_fields,
            }
            for field in form_admin.model._meta.get_fields():
                if (
                    field.is_relation
                    and not field.auto_created
                    and (field.many_to_one or field.many_to_many or field.one_to_one)
                    and getattr(field, "editable", False)
                    and field.related_model in LONG_LISTS
                    and field.related_model is not model  # an inline's link to its parent
                ):
                    assert field.name in searchable, f"{form_admin} {field.name}"


# --- Every registered model, as an Administrator -----------------------------------------------
@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
class TestAdministrator:
    def test_changelist_renders_rows_in_few_queries(
        self, model: type[models.Model], administrator_client: Client, django_assert_max_num_queries: Any
    ) -> None:
        url = admin_url(model, "changelist")
        single = model._meta.label_lower in SINGLE_ROW
        make_rows(model, 3)
        administrator_client.get(url)  # fills process-wide caches (content types, templates)
        with django_assert_max_num_queries(MAX_CHANGELIST_QUERIES) as with_three:
            response = administrator_client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count >= (1 if single else 3)
        make_rows(model, 3)
        with CaptureQueriesContext(connection) as with_six:
            response = administrator_client.get(url)
        assert response.context["cl"].result_count >= (1 if single else 6)
        assert len(with_six) == len(with_three), "the changelist makes a query per row"

    def test_add_page(self, model: type[models.Model], administrator_client: Client) -> None:
        request = RequestFactory().get("/")
        request.user = User.objects.get(groups__name=ADMINISTRATOR)
        addable = admin.site._registry[model].has_add_permission(request)
        assert addable == (model._meta.label_lower not in NOT_ADDABLE)
        response = administrator_client.get(admin_url(model, "add"))
        assert response.status_code == (200 if addable else 403)

    def test_change_and_history_pages(self, model: type[models.Model], administrator_client: Client) -> None:
        row = make_rows(model, 1)[0]
        assert administrator_client.get(admin_url(model, "change", row.pk)).status_code == 200
        assert administrator_client.get(admin_url(model, "history", row.pk)).status_code == 200
        if isinstance(admin.site._registry[model], SimpleHistoryAdmin):
            record = row.history.earliest()  # type: ignore[attr-defined]
            response = administrator_client.get(admin_url(model, "simple_history", row.pk, record.history_id))
            assert response.status_code == 200


# --- Every registered model, refused to others -------------------------------------------------
@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_a_technician_is_sent_to_the_admin_login(model: type[models.Model], client: Client) -> None:
    client.force_login(make_role_user(TECHNICIAN))
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_a_staff_technician_sees_only_what_the_role_may_view(model: type[models.Model], client: Client) -> None:
    client.force_login(make_role_user(TECHNICIAN, is_staff=True))
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == (200 if model._meta.label_lower in granted_views(TECHNICIAN) else 403)


# --- Behaviour particular to some admins -------------------------------------------------------
def test_the_parent_autocomplete_offers_only_areas_that_hold_others(administrator_client: Client) -> None:
    floor = AreaFactory(kind=AreaKind.FLOOR, parent=AreaFactory(code="B-1"), code="F-1")
    space = AreaFactory(kind=AreaKind.SPACE, parent=floor, code="S-1")
    response = administrator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "assets", "model_name": "area", "field_name": "parent", "term": ""},
    )
    offered = {int(result["id"]) for result in response.json()["results"]}
    assert floor.pk in offered
    assert floor.parent_id in offered
    assert space.pk not in offered


def test_a_reading_added_in_the_admin_is_entered_by_the_user(administrator_client: Client) -> None:
    counter = CounterFactory()
    response = administrator_client.post(
        admin_url(Reading, "add"),
        {
            "counter": counter.pk,
            "taken_at_0": "2025-03-01",
            "taken_at_1": "08:00:00",
            "value": "120",
            "source": "manual",
            "note": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    reading = Reading.objects.get(counter=counter)
    assert reading.entered_by == User.objects.get(groups__name=ADMINISTRATOR)


def test_an_attachment_uploaded_in_the_admin_records_the_uploader(administrator_client: Client) -> None:
    resource = ResourceFactory()
    response = administrator_client.post(
        admin_url(Attachment, "add"),
        {
            "content_type": ContentType.objects.get_for_model(Resource).pk,
            "object_id": resource.pk,
            "file": SimpleUploadedFile("wiring.png", b"\x89PNG wiring", content_type="image/png"),
            "title": "Wiring",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    attachment = Attachment.objects.get(object_id=resource.pk)
    assert attachment.uploaded_by == User.objects.get(groups__name=ADMINISTRATOR)
    assert (attachment.original_name, attachment.size, attachment.mime_type) == ("wiring.png", 11, "image/png")


def counter_form(counter: Counter, readings: list[dict[str, Any]], initial: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": counter.name,
        "kind": counter.kind,
        "unit": counter.unit,
        "description": "",
        "resource": counter.resource_id,
        "readings-TOTAL_FORMS": len(readings),
        "readings-INITIAL_FORMS": initial,
        "readings-MIN_NUM_FORMS": 0,
        "readings-MAX_NUM_FORMS": 1000,
    }
    for index, reading in enumerate(readings):
        data.update({f"readings-{index}-{key}": value for key, value in reading.items()})
    return data


def test_the_counter_page_shows_the_newest_readings_and_saves_them(administrator_client: Client) -> None:
    counter = CounterFactory()
    start = datetime.datetime(2025, 3, 1, 8, tzinfo=datetime.UTC)
    for day in range(READINGS_SHOWN + 3):
        ReadingFactory(counter=counter, taken_at=start + datetime.timedelta(days=day), value=Decimal(day * 10))
    url = admin_url(Counter, "change", counter.pk)

    formset = administrator_client.get(url).context["inline_admin_formsets"][0].formset
    shown = [form.instance.value for form in formset.initial_forms]
    assert shown == [Decimal(day * 10) for day in reversed(range(3, READINGS_SHOWN + 3))]

    newest = counter.readings.order_by("-taken_at").first()
    assert newest is not None
    edited = {"id": newest.pk, "counter": counter.pk, "value": "75", "source": "manual", "note": "re-read"}
    edited |= {"taken_at_0": f"{newest.taken_at:%Y-%m-%d}", "taken_at_1": f"{newest.taken_at:%H:%M:%S}"}
    added = {"taken_at_0": "2025-04-01", "taken_at_1": "08:00:00", "value": "90", "source": "manual", "note": ""}
    response = administrator_client.post(url, counter_form(counter, [edited, {"counter": counter.pk, **added}], 1))
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors

    newest.refresh_from_db()
    assert (newest.value, newest.note) == (Decimal(75), "re-read")
    added_reading = counter.readings.get(value=90)
    assert added_reading.entered_by == User.objects.get(groups__name=ADMINISTRATOR)
    assert newest.entered_by == added_reading.entered_by


def test_heartbeats_can_only_be_viewed(administrator_client: Client) -> None:
    heartbeat = ROW_MAKERS["mms.heartbeat"]()
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    heartbeat_admin = admin.site._registry[Heartbeat]
    assert not heartbeat_admin.has_add_permission(request)
    assert not heartbeat_admin.has_change_permission(request, heartbeat)
    assert not heartbeat_admin.has_delete_permission(request, heartbeat)
    assert heartbeat_admin.has_view_permission(request, heartbeat)
    response = administrator_client.post(admin_url(Heartbeat, "change", heartbeat.pk), {"name": "forged"})
    assert response.status_code == 403
    assert administrator_client.get(admin_url(Heartbeat, "delete", heartbeat.pk)).status_code == 403


def test_the_area_list_filters_by_site(administrator_client: Client) -> None:
    north, south = SiteFactory(), SiteFactory()
    in_north = AreaFactory(parent=north)
    AreaFactory(parent=south)
    response = administrator_client.get(admin_url(Area, "changelist"), {"site__id__exact": north.pk})
    assert set(response.context["cl"].result_list) == {north, in_north}
